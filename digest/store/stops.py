"""Stopped editions: an editor's stop flag on an edition, which fails what it has not sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from digest.store.ledger import fail_open
from digest.store.tables import edition_stops

__all__ = ["stop", "stopped_by"]


def stop(conn: Connection, edition_id: int, by: str, now: datetime) -> int:
    """Raise the edition's stop flag and fail its open rows; return how many were stopped."""
    exists = conn.execute(select(edition_stops.c.edition_id).where(edition_stops.c.edition_id == edition_id))
    if exists.first() is None:
        conn.execute(insert(edition_stops).values(edition_id=edition_id, stopped_by=by, stopped_at=now))
    return fail_open(conn, edition_id, None, f"stopped by {by}", now)


def stopped_by(conn: Connection, edition_id: int) -> str | None:
    """Who stopped the edition, or None while it may go on."""
    query = select(edition_stops.c.stopped_by).where(edition_stops.c.edition_id == edition_id)
    return conn.execute(query).scalar()
