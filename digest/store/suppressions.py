"""The suppression list: addresses no email goes to (bounced, reported as spam, or added by
an editor), stored lower-cased."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select

from digest.store.common import among, aware, insert_ignoring_conflicts
from digest.store.tables import suppressions

__all__ = ["suppress", "suppressed", "suppression_list", "unsuppress"]


def suppress(conn: Connection, email: str, reason: str, now: datetime) -> bool:
    """Never email this address again."""
    rows = [{"email": email.lower(), "reason": reason, "created_at": now}]
    return insert_ignoring_conflicts(conn, suppressions, rows) > 0


def suppressed(conn: Connection, emails: Sequence[str]) -> set[str]:
    lowered = list({email.lower() for email in emails})
    if not lowered:
        return set()
    query = select(suppressions.c.email).where(among(conn, suppressions.c.email, lowered))
    return set(conn.execute(query).scalars())


def suppression_list(conn: Connection, text: str = "", limit: int = 200) -> list[tuple[str, str, datetime]]:
    """(email, reason, since) of suppressed addresses, newest first, optionally filtered."""
    query = select(suppressions).order_by(suppressions.c.created_at.desc()).limit(limit)
    if text.strip():
        query = query.where(suppressions.c.email.like(f"%{text.strip().lower()}%"))
    return [(r.email, r.reason, aware(r.created_at) or r.created_at) for r in conn.execute(query)]


def unsuppress(conn: Connection, email: str) -> bool:
    statement = delete(suppressions).where(suppressions.c.email == email.strip().lower())
    return bool(conn.execute(statement).rowcount)
