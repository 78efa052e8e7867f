"""What an editor wrote for a list's next editions (one row per list)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from digest.models import EditorsWords
from digest.store.common import aware
from digest.store.tables import editors_words

__all__ = ["clear", "in_force", "save"]


def in_force(conn: Connection, list_pk: int, now: datetime) -> tuple[EditorsWords, datetime | None] | None:
    """The words and their end, while they are in force."""
    row = conn.execute(select(editors_words).where(editors_words.c.list_id == list_pk)).first()
    if row is None:
        return None
    until = aware(row.until)
    if until is not None and until <= now:
        return None
    return EditorsWords(note=row.note, subject=row.subject, preheader=row.preheader), until


def save(
    conn: Connection, list_pk: int, words: EditorsWords, until: datetime | None, actor: str, now: datetime
) -> None:
    values = {
        "note": words.note,
        "subject": words.subject,
        "preheader": words.preheader,
        "until": until,
        "set_by": actor,
        "set_at": now,
    }
    # One row per list: replaced whole, in the caller's transaction.
    conn.execute(delete(editors_words).where(editors_words.c.list_id == list_pk))
    conn.execute(insert(editors_words).values(list_id=list_pk, **values))


def clear(conn: Connection, list_pk: int) -> bool:
    return conn.execute(delete(editors_words).where(editors_words.c.list_id == list_pk)).rowcount > 0
