"""How and when each reader gave consent: one row per sign-up and per confirmation."""

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
    source: str  # one of SOURCES, or "confirmation link" for confirmations from before this table
    at: datetime


def record(conn: Connection, subscriber_id: int, event: str, source: str, now: datetime) -> None:
    assert event in (SIGNED_UP, CONFIRMED) and source in SOURCES, (event, source)
    conn.execute(consents.insert().values(subscriber_id=subscriber_id, event=event, source=source, at=now))


def history(conn: Connection, subscriber_id: int) -> list[Consent]:
    """Every recorded consent, oldest first; a confirmation link used before consents were
    recorded counts too, so older readers' confirmations still show."""
    query = select(consents.c.event, consents.c.source, consents.c.at).where(
        consents.c.subscriber_id == subscriber_id
    )
    found = [Consent(e, s, aware(at) or at) for e, s, at in conn.execute(query.order_by(consents.c.id))]
    if not any(c.event == CONFIRMED for c in found):
        used = select(confirmations.c.closed_at).where(
            confirmations.c.subscriber_id == subscriber_id, confirmations.c.closed == "confirmed"
        )
        for at in conn.execute(used).scalars():
            found.append(Consent(CONFIRMED, "confirmation link", aware(at) or at))
    return sorted(found, key=lambda c: c.at)
