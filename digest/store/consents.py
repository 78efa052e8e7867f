"""How and when each reader gave consent: each sign-up with where it came from (the
``consents`` table), and each confirmation link used (the ``confirmations`` table, which
records them already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from digest.store.common import aware
from digest.store.tables import confirmations, consents

__all__ = ["CONFIRMED", "SIGNED_UP", "SOURCES", "Consent", "history", "record"]

SIGNED_UP, CONFIRMED = "signed up", "confirmed"
# Where a sign-up came from, as the reader page says it.
SOURCES = ("web form", "CSV import", "API", "bot", "CLI", "desk")


@dataclass(frozen=True, slots=True)
class Consent:
    event: str  # SIGNED_UP or CONFIRMED
    source: str  # one of SOURCES; "email link" for a confirmation
    at: datetime


def record(conn: Connection, subscriber_id: int, source: str, now: datetime) -> None:
    """A sign-up from ``source`` (one of SOURCES), in the caller's transaction."""
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    row = {"subscriber_id": subscriber_id, "event": SIGNED_UP, "source": source, "at": now}
    conn.execute(consents.insert().values(**row))


def history(conn: Connection, subscriber_id: int) -> list[Consent]:
    """Every sign-up and confirmation of the reader, oldest first."""
    query = select(consents.c.event, consents.c.source, consents.c.at).where(
        consents.c.subscriber_id == subscriber_id
    )
    found = [Consent(e, s, aware(at) or at) for e, s, at in conn.execute(query.order_by(consents.c.id))]
    used = select(confirmations.c.closed_at).where(
        confirmations.c.subscriber_id == subscriber_id, confirmations.c.closed == "confirmed"
    )
    for at in conn.execute(used).scalars():
        found.append(Consent(CONFIRMED, "email link", aware(at) or at))
    return sorted(found, key=lambda c: c.at)
