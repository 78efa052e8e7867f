"""Readers and their lists: subscribers, memberships, consent and confirmation, who left and why,
the suppression list, and Telegram chats that refused the bot.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, true

from digest.store.tables.base import UTCDateTime, metadata, new_link_token

lists = Table(
    "lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    # One or two sentences for the sign-up page: what it brings and how often.
    Column("description", String(500), nullable=False, default="", server_default=""),
    # "digest": gets the scheduled edition; "breaking": only manual and breaking sends.
    Column("kind", String(16), nullable=False, default="digest"),
    Column("created_at", UTCDateTime, nullable=False),
    # [[section, size or null], ...] in edition order (`digest lists configure`); NULL: defaults.
    Column("sections", JSON),
    # False: a private list, with no public archive or archive feeds.
    Column("archive", Boolean, nullable=False, default=True, server_default=true()),
    # What its editions and reader pages speak (a catalog under digest/locale/): "en", "uk".
    Column("language", String(8), nullable=False, default="en", server_default="en"),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), unique=True),
    Column("telegram_chat_id", String(64), unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("send_hour", Integer, nullable=False, default=7),
    Column("frequency", String(16), nullable=False, default="daily"),
    Column("topics", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False, default="active"),
    Column("attributes", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    # Random per subscriber and signed into their links: a link verifies only for the row it
    # was issued to, never for a later one (ids are never reused either: AUTOINCREMENT).
    Column("link_token", String(32), nullable=False, default=new_link_token),
    # Rows from before link tokens: their old-format links (in mail already sent) still work.
    Column("legacy_links", Boolean, nullable=False, default=False),
    sqlite_autoincrement=True,
)

memberships = Table(
    "memberships",
    metadata,
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_memberships_subscriber", "subscriber_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Why readers left, when they said (optional, anonymous: no subscriber id is kept).
unsubscribe_reasons = Table(
    "unsubscribe_reasons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# Each confirmation link sent, by the SHA-256 of its token: a link works once, and not after
# the reader unsubscribed (``closed``: "confirmed" or "unsubscribed").
confirmations = Table(
    "confirmations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("closed", String(16)),
    Index("ix_confirmations_subscriber", "subscriber_id"),
)

# How and when each reader gave their consent (issue 14): one row per sign-up, with where it
# came from ("web form", "CSV import", "API", "bot", "CLI", "desk"); confirmations are in
# ``confirmations``. Readers from before this table have none. Goes with the reader when they
# are deleted or forgotten.
consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(16), nullable=False),  # "signed up"
    Column("source", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_consents_subscriber", "subscriber_id"),
)

# A Telegram group or channel that refused the bot (kicked, rights taken away): kept on its
# list and shown to editors until a send to it succeeds again.
chat_failures = Table(
    "chat_failures",
    metadata,
    Column("chat_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
