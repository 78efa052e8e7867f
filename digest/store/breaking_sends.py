"""Breaking sends: which item went to which list as which edition, so a second send of the
same item asks the editor first (``repeat`` counts the sends they insisted on)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from digest.store.common import aware
from digest.store.tables import breaking_sends

__all__ = ["add_breaking", "breaking_repeats"]


def breaking_repeats(conn: Connection, list_pk: int, item_key: str) -> list[tuple[int, int, datetime, str]]:
    """(repeat, edition id, when, who) of the earlier breaking sends of this item to this list."""
    query = (
        select(
            breaking_sends.c.repeat,
            breaking_sends.c.edition_id,
            breaking_sends.c.created_at,
            breaking_sends.c.created_by,
        )
        .where(breaking_sends.c.list_id == list_pk, breaking_sends.c.item_key == item_key)
        .order_by(breaking_sends.c.repeat)
    )
    return [(int(r), int(e), aware(at) or at, str(by)) for r, e, at, by in conn.execute(query)]


def add_breaking(conn: Connection, row: dict[str, Any]) -> None:
    """Record a breaking send; a concurrent second record of the same repeat breaks the unique key."""
    conn.execute(insert(breaking_sends).values(**row))
