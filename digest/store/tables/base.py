"""What every table module shares: the one ``MetaData`` (with its naming convention, which the
migrations' constraint names follow), the UTC timestamp type and the link-token default."""

from __future__ import annotations

import secrets

from sqlalchemy import DateTime, MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTCDateTime = DateTime(timezone=True)


def new_link_token() -> str:
    return secrets.token_hex(8)
