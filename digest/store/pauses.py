"""Editions whose email the complaint/bounce breaker paused, and what an editor decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from digest.store.common import insert_ignoring_conflicts
from digest.store.tables import edition_pauses, editions, lists

__all__ = ["Pause", "is_paused", "pause", "pause_of", "paused_editions", "resolve"]


@dataclass(frozen=True, slots=True)
class Pause:
    edition_id: int
    reason: str
    paused_at: datetime
    resolved: str | None = None
    resolved_by: str | None = None
    title: str = ""
    list_name: str = ""


def pause(conn: Connection, edition_id: int, reason: str, now: datetime) -> bool:
    """Pause the edition's email; False when it was paused before (an editor's decision stands)."""
    row = {"edition_id": edition_id, "reason": reason[:2000], "paused_at": now}
    return insert_ignoring_conflicts(conn, edition_pauses, [row]) > 0


def is_paused(conn: Connection, edition_id: int) -> bool:
    query = select(edition_pauses.c.edition_id).where(
        edition_pauses.c.edition_id == edition_id, edition_pauses.c.resolved.is_(None)
    )
    return conn.execute(query).first() is not None


def resolve(conn: Connection, edition_id: int, decision: str, by: str, now: datetime) -> bool:
    """Record "resumed" or "cancelled"; False when the edition is not paused."""
    statement = (
        update(edition_pauses)
        .where(edition_pauses.c.edition_id == edition_id, edition_pauses.c.resolved.is_(None))
        .values(resolved=decision, resolved_by=by[:200], resolved_at=now)
    )
    return bool(conn.execute(statement).rowcount)


def pause_of(conn: Connection, edition_id: int) -> Pause | None:
    rows = _pauses(conn, edition_pauses.c.edition_id == edition_id)
    return rows[0] if rows else None


def paused_editions(conn: Connection) -> list[Pause]:
    """Editions waiting for an editor's decision, newest first (the dashboard's alert)."""
    return _pauses(conn, edition_pauses.c.resolved.is_(None))


def _pauses(conn: Connection, condition: object) -> list[Pause]:
    query = (
        select(edition_pauses, editions.c.title, lists.c.name)
        .join(editions, editions.c.id == edition_pauses.c.edition_id)
        .join(lists, lists.c.id == editions.c.list_id)
        .where(condition)  # type: ignore[arg-type]
        .order_by(edition_pauses.c.paused_at.desc())
    )
    return [
        Pause(r.edition_id, r.reason, r.paused_at, r.resolved, r.resolved_by, r.title, r.name)
        for r in conn.execute(query)
    ]
