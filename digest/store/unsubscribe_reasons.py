"""Why readers left a list, as they said it (no subscriber is recorded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from digest.store.tables import unsubscribe_reasons

__all__ = ["add", "counts"]


def add(conn: Connection, list_pk: int, reason: str, detail: str, now: datetime) -> None:
    row = {"list_id": list_pk, "reason": reason, "detail": detail, "created_at": now}
    conn.execute(insert(unsubscribe_reasons).values(**row))


def counts(conn: Connection, list_pk: int, since: datetime) -> dict[str, int]:
    """Reason -> how many gave it since ``since``."""
    query = (
        select(unsubscribe_reasons.c.reason, func.count())
        .where(unsubscribe_reasons.c.list_id == list_pk, unsubscribe_reasons.c.created_at >= since)
        .group_by(unsubscribe_reasons.c.reason)
    )
    return {reason: int(n) for reason, n in conn.execute(query)}
