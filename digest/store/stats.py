"""Counts for monitoring: deliveries, suppressions, subscribers, failing feeds."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from digest.store.tables import deliveries, feeds, subscribers, suppressions

__all__ = [
    "deliveries_by_state",
    "delivery_retries",
    "failing_feeds",
    "subscribers_by_status",
    "suppressed_count",
]


def deliveries_by_state(conn: Connection) -> dict[tuple[str, str], int]:
    """(state, channel) -> number of ledger rows."""
    query = select(deliveries.c.state, deliveries.c.channel, func.count()).group_by(
        deliveries.c.state, deliveries.c.channel
    )
    return {(state, channel): int(n) for state, channel, n in conn.execute(query)}


def delivery_retries(conn: Connection) -> dict[str, int]:
    """channel -> attempts beyond the first, over every ledger row (how often sends were retried)."""
    query = (
        select(deliveries.c.channel, func.sum(deliveries.c.attempts - 1))
        .where(deliveries.c.attempts > 1)
        .group_by(deliveries.c.channel)
    )
    return {channel: int(n or 0) for channel, n in conn.execute(query)}


def subscribers_by_status(conn: Connection) -> dict[str, int]:
    query = select(subscribers.c.status, func.count()).group_by(subscribers.c.status)
    return {status: int(n) for status, n in conn.execute(query)}


def suppressed_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(suppressions)).scalar_one())


def failing_feeds(conn: Connection) -> int:
    """Feeds whose last fetch failed (they are being retried with backoff)."""
    query = select(func.count()).select_from(feeds).where(feeds.c.error_count > 0)
    return int(conn.execute(query).scalar_one())
