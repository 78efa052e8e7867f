"""The language of each list (``lists.language``): what its emails and reader pages speak."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from digest.store.tables import lists

__all__ = ["language_of", "set_language"]


def language_of(conn: Connection, list_name: str) -> str:
    """The list's language; English for a list that is not there."""
    found = conn.execute(select(lists.c.language).where(lists.c.name == list_name)).scalar()
    return str(found) if found else "en"


def set_language(conn: Connection, list_name: str, language: str) -> bool:
    """Set a list's language; False when there is no such list."""
    return conn.execute(update(lists).where(lists.c.name == list_name).values(language=language)).rowcount > 0
