"""Provider events (SendGrid's Event Webhook), stored once each, and the signatures already seen.

A forgotten reader's events keep their counts but lose the reader: their ``subscriber_id``
becomes one random negative number (``anonymize``), so unique counts stay right and no row
points to a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from digest.store.tables import email_events, webhook_signatures

__all__ = [
    "StoredEvent",
    "anonymize",
    "readers_by_event",
    "remember_signature",
    "save_new",
]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_key: str
    event: str
    edition_id: int | None
    subscriber_id: int | None
    occurred_at: datetime
    kind: str = ""
    machine: bool = False
    channel: str = "email"


def save_new(conn: Connection, events: Sequence[StoredEvent], now: datetime) -> set[str]:
    """Insert the events not stored yet; the keys of those that went in (repeats act once)."""
    rows = _unique_rows(events, now)
    if not rows:
        return set()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(email_events).on_conflict_do_nothing().returning(email_events.c.event_key)
    return {key for (key,) in conn.execute(statement, rows).all()}


def _unique_rows(events: Sequence[StoredEvent], now: datetime) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        rows.setdefault(
            event.event_key,
            {
                "event_key": event.event_key,
                "edition_id": event.edition_id,
                "subscriber_id": event.subscriber_id,
                "channel": event.channel,
                "event": event.event,
                "kind": event.kind,
                "machine": event.machine,
                "occurred_at": event.occurred_at,
                "received_at": now,
            },
        )
    return list(rows.values())


def remember_signature(conn: Connection, digest: str, signed_at: datetime, keep: timedelta) -> bool:
    """Record a request's signature; False when it was seen before (a replay). Signatures older
    than ``keep`` are dropped: requests that old are refused by their timestamp anyway."""
    conn.execute(delete(webhook_signatures).where(webhook_signatures.c.signed_at < signed_at - 2 * keep))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(webhook_signatures)
        .values(digest=digest, signed_at=signed_at)
        .on_conflict_do_nothing()
        .returning(webhook_signatures.c.digest)
    )
    return conn.execute(statement).first() is not None


def readers_by_event(
    conn: Connection, edition_ids: Sequence[int]
) -> dict[tuple[int, str, bool, str], set[int]]:
    """(edition, event, machine, kind) -> the subscribers with such an event, for these editions."""
    query = (
        select(
            email_events.c.edition_id,
            email_events.c.event,
            email_events.c.machine,
            email_events.c.kind,
            email_events.c.subscriber_id,
        )
        .where(email_events.c.edition_id.in_(list(edition_ids)), email_events.c.subscriber_id.is_not(None))
        .distinct()
    )
    out: dict[tuple[int, str, bool, str], set[int]] = {}
    for edition_id, event, machine, kind, subscriber_id in conn.execute(query):
        out.setdefault((int(edition_id), event, bool(machine), kind or ""), set()).add(int(subscriber_id))
    return out


def anonymize(conn: Connection, subscriber_id: int, pseudonym: int) -> int:
    """Detach a forgotten reader's events from them (``pseudonym`` is negative); rows changed."""
    statement = (
        update(email_events)
        .where(email_events.c.subscriber_id == subscriber_id)
        .values(subscriber_id=pseudonym)
    )
    return int(conn.execute(statement).rowcount or 0)
