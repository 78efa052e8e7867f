"""What each edition did (issue 15): provider events, clicks and the webhook replay guard.

No foreign keys to subscribers: a forgotten reader's rows stay as anonymous counts
(``digest subscribers forget``), and events may name mail this service no longer knows.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table

from digest.store.tables.base import UTCDateTime, metadata

email_events = Table(
    "email_events",
    metadata,
    Column("id", Integer, primary_key=True),
    # SendGrid repeats events (retries, at-least-once): one row, and one action, per sg_event_id.
    Column("event_key", String(128), nullable=False, unique=True),
    Column("edition_id", Integer),
    Column("subscriber_id", Integer),  # negative: a forgotten reader (see store/events.py)
    Column("channel", String(16), nullable=False, default="email"),
    Column("event", String(32), nullable=False),
    Column("kind", String(32), nullable=False, default=""),  # bounce type: "bounce" or "blocked"
    Column("machine", Boolean, nullable=False, default=False),  # sg_machine_open (Apple MPP)
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_email_events_edition_event", "edition_id", "event"),
    Index("ix_email_events_subscriber", "subscriber_id"),
)

clicks = Table(
    "clicks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_id", Integer, nullable=False),
    Column("subscriber_id", Integer, nullable=False),  # negative: a forgotten reader
    Column("channel", String(16), nullable=False),
    Column("item_id", Integer),  # the story's lead item; NULL for other links (call to action)
    Column("url", String(2048), nullable=False),
    Column("method", String(8), nullable=False),
    # Why a single request already looks like a machine (digest/machine_clicks.py); NULL: it did not.
    Column("machine_reason", String(32)),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_clicks_edition", "edition_id", "subscriber_id"),
    Index("ix_clicks_subscriber", "subscriber_id"),
)

webhook_signatures = Table(
    "webhook_signatures",
    metadata,
    # A signed request is accepted once: a replay of the same signature is refused.
    Column("digest", String(64), primary_key=True),
    Column("signed_at", UTCDateTime, nullable=False),
)
