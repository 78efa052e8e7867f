"""The database schema (SQLAlchemy Core tables).

Alembic migrations in ``digest/migrations`` create these; ``tests/store`` checks that
the migrations and these definitions agree.
"""

from __future__ import annotations

import secrets

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTCDateTime = DateTime(timezone=True)


def new_link_token() -> str:
    return secrets.token_hex(8)


feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2048), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("section", String(64), nullable=False, default="news"),
    Column("weight", Float, nullable=False, default=1.0),
    Column("etag", String(512)),
    Column("last_modified", String(128)),
    Column("last_fetched_at", UTCDateTime),  # the last attempt, whatever came of it
    Column("last_success_at", UTCDateTime),  # the last fetch that worked (a 304 counts)
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_fetch_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("title", Text, nullable=False),
    Column("summary_html", Text, nullable=False, default=""),
    Column("summary_text", Text, nullable=False, default=""),
    Column("author", String(300)),
    Column("published", UTCDateTime, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("categories", JSON, nullable=False, default=list),
    Column("image_url", String(2048)),
    Column("image_caption", Text),
    Column("reading_minutes", Integer, nullable=False, default=1),
    Column("section", String(64), nullable=False, default="news"),
    Column("is_video", Boolean, nullable=False, default=False),
    Index("ix_items_feed_url", "feed_id", "url"),
    Index("ix_items_published", "published"),
)

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

editions = Table(
    "editions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    # One edition per list and slot (e.g. "2026-11-26" for a daily, or "manual-<uuid>"):
    # beat ticking twice, or two workers building at once, still make one edition.
    Column("slot", String(64), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("list_id", "slot", name="uq_editions_list_slot"),
)

edition_variants = Table(
    "edition_variants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), nullable=False),
    Column("topics_key", String(500), nullable=False),
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False, default=""),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("telegram", JSON, nullable=False),
    Column("lead_url", String(2048)),
    # [[title, url], ...] of the stories it shows, in order: the archive's table of contents.
    Column("headlines", JSON),
    UniqueConstraint("edition_id", "topics_key", name="uq_edition_variants_edition_topics"),
)

edition_items = Table(
    "edition_items",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    # NULL once the subscriber is deleted: the row stays, so the edition's figures do too.
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("channel", String(16), nullable=False),  # "email" or "telegram"
    # What the delivery stands for: "daily:2026-11-26" (the subscriber's local date) for a
    # scheduled send, "edition:<id>" for a manual one. Unique per list, recipient and channel,
    # so a missed tick that catches up, or two ticks building two editions, never send twice.
    Column("period", String(64), nullable=False),
    Column("address", String(320), nullable=False),
    Column("variant_id", Integer, ForeignKey("edition_variants.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("parts_sent", Integer, nullable=False, default=0),  # Telegram messages already out
    Column("batch", String(64)),
    Column("last_error", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    # The exactly-once promise rests on this: one row per (edition, recipient, channel).
    UniqueConstraint("edition_id", "subscriber_id", "channel", name="uq_deliveries_edition_recipient"),
    UniqueConstraint("list_id", "subscriber_id", "channel", "period", name="uq_deliveries_period"),
    Index("ix_deliveries_edition_state", "edition_id", "state"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("email", String(320), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Who an edition would have emailed but for the suppression list, recorded when it is planned,
# so the edition page can say "N suppressed". One row per (list, recipient, channel, period),
# like the ledger: a tick that runs twice, or catches up, counts a suppressed reader once.
suppressed_recipients = Table(
    "suppressed_recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    # NULL once the subscriber is deleted: the edition's figure stays.
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("channel", String(16), nullable=False),
    Column("period", String(64), nullable=False),
    UniqueConstraint("list_id", "subscriber_id", "channel", "period", name="uq_suppressed_recipients_period"),
    Index("ix_suppressed_recipients_edition", "edition_id"),
)

# What an editor wrote for a list's next editions (digest.models.EditorsWords): used by every
# edition built while it is in force, until `until` or until an editor clears it.
editors_words = Table(
    "editors_words",
    metadata,
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
    Column("note", Text, nullable=False, default=""),
    Column("subject", String(300), nullable=False, default=""),
    Column("preheader", String(300), nullable=False, default=""),
    Column("until", UTCDateTime),
    Column("set_by", String(320), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
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

# A feed an editor paused: not fetched until resumed (its items and settings stay).
feed_pauses = Table(
    "feed_pauses",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("paused_by", String(400), nullable=False),
    Column("paused_at", UTCDateTime, nullable=False),
)

# --- What each edition did (issue 15): provider events, clicks, the send breaker. ---------------
# No foreign keys to subscribers: a forgotten reader's rows stay as anonymous counts
# (``digest subscribers forget``), and events may name mail this service no longer knows.

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

edition_pauses = Table(
    "edition_pauses",
    metadata,
    # The complaint/bounce breaker tripped for this edition's email: batches wait for an editor.
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("paused_at", UTCDateTime, nullable=False),
    Column("resolved", String(16)),  # NULL while paused; "resumed" or "cancelled" by an editor
    Column("resolved_by", String(200)),
    Column("resolved_at", UTCDateTime),
)

edition_stories = Table(
    "edition_stories",
    metadata,
    # The stories an edition showed, by their lead item, in edition order: what the per-story
    # click figures are about (edition_items also holds the other outlets' items).
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)

forgotten_deliveries = Table(
    "forgotten_deliveries",
    metadata,
    # What a forgotten reader's deliveries counted for (``digest subscribers forget``): the
    # ledger rows go with the reader; past editions' figures stay as they were.
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("subscriber_id", Integer, primary_key=True),  # the reader's random negative pseudonym
    Column("channel", String(16), primary_key=True),
    Column("state", String(16), nullable=False),
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

# When `digest retry` last re-opened an edition: the retry policy's maximum age counts from
# here instead of the edition's creation.
edition_retries = Table(
    "edition_retries",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)


# --- the editors' desk: accounts, what they did and what they decided ---------------------

editors = Table(
    "editors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # "viewer", "editor" or "admin"
    Column("password_hash", String(256), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The zone the desk shows times in, chosen on the editor's account page.
    Column("time_zone", String(64), nullable=False, default="UTC", server_default="UTC"),
    # Where test sends of breaking news and previews go on Telegram (the editor's own chat).
    Column("telegram_chat_id", String(64)),
)

editor_sessions = Table(
    "editor_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("editor_id", Integer, ForeignKey("editors.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("editor_id", Integer, ForeignKey("editors.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

editor_actions = Table(
    "editor_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_key", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # pin, boost, bury, exclude
    Column("factor", Float, nullable=False, default=1.0),
    # NULL: every list. Deleting a list deletes its actions.
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("created_by", String(400), nullable=False),
    Index("ix_editor_actions_item_key", "item_key"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(400), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(400), nullable=False),
    Column("details", JSON, nullable=False, default=dict),
    Index("ix_audit_log_at", "at"),
)

breaking_sends = Table(
    "breaking_sends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    # The item's key, or "url:<digest>" for a story written by hand: what "the same item" means.
    Column("item_key", String(64), nullable=False),
    # 0 for the first send of the item to the list; an editor who insists gets 1, 2 …
    Column("repeat", Integer, nullable=False, default=0),
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("url", String(2048), nullable=False),
    Column("created_by", String(400), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("list_id", "item_key", "repeat", name="uq_breaking_sends_list_item_repeat"),
)

edition_stops = Table(
    "edition_stops",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("stopped_by", String(400), nullable=False),
    Column("stopped_at", UTCDateTime, nullable=False),
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
