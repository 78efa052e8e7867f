"""The complaint and bounce breaker: an edition that draws complaints or bounces stops sending.

While an edition's email goes out, SendGrid's events come back. When spam reports exceed
``DIGEST_BREAKER_COMPLAINT_RATE`` of the delivered emails (once ``DIGEST_BREAKER_MIN_DELIVERED``
were delivered), or hard bounces exceed ``DIGEST_BREAKER_BOUNCE_RATE`` of the emails sent (once
``BOUNCE_MIN_SENT`` were sent), the edition's remaining email batches pause: delivery asks
``is_paused`` before each batch and leaves the rows pending. Editors see the alert on the
dashboard (and the log says it at ERROR); one of them resumes or cancels the rest.
Telegram is not paused: complaints about email say nothing about the chats.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest.config import Settings
from digest.models import Channel, DeliveryState
from digest.store import events as event_store
from digest.store import ledger, reach
from digest.store import pauses as pause_store
from digest.store.db import transaction
from digest.store.pauses import Pause

__all__ = [
    "BOUNCE_MIN_SENT",
    "Pause",
    "cancel",
    "check",
    "is_paused",
    "pause_of",
    "paused_editions",
    "resume",
    "trip_reason",
]

log = logging.getLogger(__name__)

BOUNCE_MIN_SENT = 100  # below this, a handful of stale addresses is not a pattern


def is_paused(conn: Connection, edition_id: int) -> bool:
    """Whether the edition's email waits for an editor (delivery asks before every batch)."""
    return pause_store.is_paused(conn, edition_id)


def pause_of(settings: Settings, edition_id: int) -> Pause | None:
    """The breaker's pause of the edition's email (resolved or not), or None."""
    with transaction(settings.database_url) as conn:
        return pause_store.pause_of(conn, edition_id)


def paused_editions(settings: Settings) -> list[Pause]:
    """Editions whose email waits for an editor (the dashboard)."""
    with transaction(settings.database_url) as conn:
        return pause_store.paused_editions(conn)


def trip_reason(
    settings: Settings, *, sent: int, delivered: int, complaints: int, bounces: int
) -> str | None:
    """Why these figures trip the breaker, or None. Pure: the rule, apart from the data."""
    if (
        delivered >= settings.breaker_min_delivered
        and complaints > settings.breaker_complaint_rate * delivered
    ):
        return (
            f"{complaints} spam reports for {delivered} delivered emails "
            f"(over {settings.breaker_complaint_rate:.1%})"
        )
    if sent >= BOUNCE_MIN_SENT and bounces > settings.breaker_bounce_rate * sent:
        return f"{bounces} hard bounces for {sent} emails sent (over {settings.breaker_bounce_rate:.1%})"
    return None


def check(settings: Settings, edition_id: int, now: datetime | None = None) -> str | None:
    """Pause the edition's email when its figures trip the breaker; the reason when it did."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        readers = event_store.readers_by_event(conn, [edition_id])
        rows = reach.recipients(conn, [edition_id]).get((edition_id, str(Channel.EMAIL)), {})
        sent = sum(1 for state in rows.values() if state == DeliveryState.SENT)
        reason = trip_reason(
            settings,
            sent=sent,
            delivered=len(_readers(readers, edition_id, "delivered")),
            complaints=len(_readers(readers, edition_id, "spamreport")),
            bounces=len(_readers(readers, edition_id, "bounce", kind="bounce")),
        )
        if reason is None or not pause_store.pause(conn, edition_id, reason, now):
            return None
    log.error(
        "edition %s: email paused by the complaint/bounce breaker: %s; an editor must resume or cancel",
        edition_id,
        reason,
        extra={"edition": edition_id, "channel": "email"},
    )
    return reason


def _readers(
    readers: dict[tuple[int, str, bool, str], set[int]], edition_id: int, event: str, kind: str | None = None
) -> set[int]:
    found: set[int] = set()
    for (edition, name, _machine, event_kind), ids in readers.items():
        if edition == edition_id and name == event and (kind is None or event_kind in (kind, "")):
            found |= ids
    return found


def resume(settings: Settings, edition_id: int, by: str, now: datetime | None = None) -> bool:
    """An editor lets the paused email go on; False when it was not paused."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        done = pause_store.resolve(conn, edition_id, "resumed", by, now)
    if done:
        log.warning("edition %s: email resumed by %s after the breaker", edition_id, by)
    return done


def cancel(settings: Settings, edition_id: int, by: str, now: datetime | None = None) -> int | None:
    """An editor cancels the rest of the paused email; how many rows were cancelled (None: not paused)."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if not pause_store.resolve(conn, edition_id, "cancelled", by, now):
            return None
        ids = [delivery_id for delivery_id, _ in _open_email(conn, edition_id)]
        cancelled = ledger.fail_open(conn, edition_id, ids, f"cancelled by {by} after the breaker", now)
    log.warning("edition %s: %d emails cancelled by %s after the breaker", edition_id, cancelled, by)
    return cancelled


def _open_email(conn: Connection, edition_id: int) -> list[tuple[int, int]]:
    return list(ledger.open_ids(conn, edition_id, str(Channel.EMAIL)))
