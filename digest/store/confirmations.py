"""Confirmation links sent to sign-ups: recorded when sent, closed when used or when the
reader unsubscribes, so that each works once (``tables.confirmations``)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from digest.store.tables import confirmations

__all__ = ["OPEN", "close_open", "hash_token", "issue", "state", "take"]

OPEN = "open"


def hash_token(token: str) -> str:
    """What is kept of a link's token: a leaked table gives no working link."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, token_hash: str, subscriber_id: int, now: datetime) -> None:
    """Record a link as sent (the same link sent again within a second stays one row)."""
    if state(conn, token_hash) is None:
        conn.execute(
            insert(confirmations).values(token_hash=token_hash, subscriber_id=subscriber_id, issued_at=now)
        )


def state(conn: Connection, token_hash: str) -> str | None:
    """``open``, how it was closed (``confirmed``, ``unsubscribed``), or None for a link never sent."""
    row = conn.execute(select(confirmations.c.closed).where(confirmations.c.token_hash == token_hash)).first()
    if row is None:
        return None
    return row.closed or OPEN


def take(conn: Connection, token_hash: str, now: datetime) -> bool:
    """Close an open link as used; False when it was not open (one UPDATE: only one taker wins)."""
    result = conn.execute(
        update(confirmations)
        .where(confirmations.c.token_hash == token_hash, confirmations.c.closed.is_(None))
        .values(closed="confirmed", closed_at=now)
    )
    return bool(result.rowcount)


def close_open(conn: Connection, subscriber_id: int, reason: str, now: datetime) -> int:
    """Close every open link of the subscriber (they confirmed or unsubscribed); how many."""
    result = conn.execute(
        update(confirmations)
        .where(confirmations.c.subscriber_id == subscriber_id, confirmations.c.closed.is_(None))
        .values(closed=reason, closed_at=now)
    )
    return int(result.rowcount or 0)
