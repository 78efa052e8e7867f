"""What SendGrid's Event Webhook tells us: each event stored once, acted on once.

Every event (processed, delivered, deferred, bounce, dropped, open, click, spamreport,
unsubscribe, group_unsubscribe) is stored once per ``sg_event_id`` — SendGrid repeats events —
tied to its edition and recipient by the ``custom_args`` the send put on every personalization.
Only events stored for the first time reach the suppression list, and then the breaker.
Opens SendGrid marks ``sg_machine_open`` (Apple Mail Privacy Protection) are stored as machine
opens, never counted as a reader's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from digest.config import Settings
from digest.pipeline import breaker
from digest.pipeline import subscriptions as subs
from digest.store import events as event_store
from digest.store import sunset as sunset_store
from digest.store.db import transaction

__all__ = ["EVENTS", "EventsOutcome", "WebhookEvent", "from_sendgrid", "record_webhook_events"]

EVENTS = frozenset(
    {
        "processed",
        "delivered",
        "deferred",
        "bounce",
        "dropped",
        "open",
        "click",
        "spamreport",
        "unsubscribe",
        "group_unsubscribe",
        "group_resubscribe",
    }
)
BREAKER_EVENTS = frozenset({"spamreport", "bounce"})


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    key: str  # sg_event_id, or a digest of the event when SendGrid gave none
    email: str
    event: str
    kind: str = ""
    edition_id: int | None = None
    subscriber_id: int | None = None
    machine: bool = False
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventsOutcome:
    received: int
    new: int  # not seen before (repeats are counted in received only)
    acted: int  # led to a suppression or an unsubscribe
    paused: tuple[int, ...] = ()  # editions the breaker paused


def from_sendgrid(entry: Any) -> WebhookEvent | None:
    """One entry of SendGrid's batch, or None when it is not an event we can read."""
    if not isinstance(entry, dict):
        return None
    email, event = entry.get("email"), entry.get("event")
    if not (isinstance(email, str) and isinstance(event, str) and email and len(email) <= 320):
        return None
    if event not in EVENTS:
        return None
    kind = entry.get("type") if isinstance(entry.get("type"), str) else ""
    return WebhookEvent(
        key=_key(entry),
        email=email,
        event=event,
        kind=str(kind)[:32],
        edition_id=_int(entry.get("edition_id")),
        subscriber_id=_int(entry.get("subscriber_id")),
        machine=entry.get("sg_machine_open") in (True, "true", 1),
        occurred_at=_time(entry.get("timestamp")),
    )


def _key(entry: dict[str, Any]) -> str:
    given = entry.get("sg_event_id")
    if isinstance(given, str) and 0 < len(given) <= 100:
        return f"sg:{given}"
    canonical = json.dumps(entry, sort_keys=True, default=str).encode()
    return f"sha:{hashlib.sha256(canonical).hexdigest()}"


def _int(value: Any) -> int | None:
    # custom_args come back as strings; anything else is not ours.
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 12:
        number = int(value)
    else:
        return None
    return number if 0 < number < 2**31 else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2**33:
        return datetime.fromtimestamp(value, UTC)
    return None


def record_webhook_events(
    settings: Settings, events: Sequence[WebhookEvent], now: datetime | None = None
) -> EventsOutcome:
    """Store the events not seen before, act on those once, and let the breaker look."""
    now = now or datetime.now(UTC)
    stored = [
        event_store.StoredEvent(
            event_key=e.key,
            event=e.event,
            edition_id=e.edition_id,
            subscriber_id=e.subscriber_id,
            occurred_at=e.occurred_at or now,
            kind=e.kind,
            machine=e.machine,
        )
        for e in events
    ]
    with transaction(settings.database_url) as conn:
        new_keys = event_store.save_new(conn, stored, now)
    fresh = _first_of_each(events, new_keys)
    readers = [e.subscriber_id for e in fresh if e.subscriber_id and e.event == "open" and not e.machine]
    if readers:
        with transaction(settings.database_url) as conn:
            sunset_store.engaged(conn, readers, now)
    provider = [subs.ProviderEvent(email=e.email, event=e.event, kind=e.kind) for e in fresh]
    acted = subs.record_provider_events(settings, provider, now) if provider else 0
    editions = sorted({e.edition_id for e in fresh if e.edition_id and e.event in BREAKER_EVENTS})
    paused = tuple(edition for edition in editions if breaker.check(settings, edition, now))
    return EventsOutcome(received=len(events), new=len(fresh), acted=acted, paused=paused)


def _first_of_each(events: Sequence[WebhookEvent], keys: set[str]) -> list[WebhookEvent]:
    seen: set[str] = set()
    fresh = []
    for event in events:
        if event.key in keys and event.key not in seen:
            seen.add(event.key)
            fresh.append(event)
    return fresh


def first_use_of_signature(settings: Settings, digest: str, signed_at: datetime, max_age: timedelta) -> bool:
    """Remember a signed webhook request (by the digest of what was signed); False when it was
    seen before: a replay."""
    with transaction(settings.database_url) as conn:
        return event_store.remember_signature(conn, digest, signed_at, max_age)
