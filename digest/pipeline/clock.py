"""The time a use case acts at: the one its caller gives (a test, a replay), else now in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now_or_utc"]


def now_or_utc(now: datetime | None) -> datetime:
    """``now`` when given, else the clock's time in UTC (the core never reads the clock)."""
    return now or datetime.now(UTC)
