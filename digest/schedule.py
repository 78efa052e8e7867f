"""Who is due now: pure, with ``now`` passed in.

A subscriber is due once per *period*: their local calendar day for a daily digest,
their chosen weekday for a weekly one. They become due at their local send hour and
stay due until the end of that local day, so a tick missed while workers were down
catches up later the same day; the ledger's unique period makes it happen once.
Local time comes from the IANA zone, so DST changes move the UTC send time with it:
on a spring-forward day a send hour that does not exist is reached an hour later,
and on a fall-back day the repeated hour cannot send twice (same local date).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.models import Subscriber

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone; raises ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def parse_frequency(value: str) -> tuple[str, int | None]:
    """``daily`` → ("daily", None); ``weekly:monday`` or ``weekly:0`` → ("weekly", 0)."""
    kind, _, day = value.strip().lower().partition(":")
    if kind == "daily" and not day:
        return "daily", None
    if kind == "weekly":
        if day.isdigit() and 0 <= int(day) <= 6:
            return "weekly", int(day)
        if day in WEEKDAYS:
            return "weekly", WEEKDAYS.index(day)
    raise ValueError(f"frequency must be daily or weekly:<weekday>, got {value!r}")


def period(sub: Subscriber, now: datetime, *, ignore_hour: bool = False) -> str | None:
    """The period the subscriber is due for at ``now``, or None when not due.

    ``ignore_hour`` makes everyone due for their current local day (a whole cycle run
    by hand); the frequency still applies.
    """
    try:
        local = now.astimezone(zone(sub.timezone))
    except ValueError:
        local = now.astimezone(zone("UTC"))
    kind, weekday = parse_frequency(sub.frequency)
    if weekday is not None and local.weekday() != weekday:
        return None
    if not ignore_hour and local.hour < sub.send_hour:
        return None
    return f"{kind}:{local.date().isoformat()}"
