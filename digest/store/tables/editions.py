"""Editions and the ledger: what each edition was, who it went to (``deliveries``), and the
breaker, retry and stop marks on its send.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from digest.store.tables.base import UTCDateTime, metadata

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

edition_stories = Table(
    "edition_stories",
    metadata,
    # The stories an edition showed, by their lead item, in edition order: what the per-story
    # click figures are about (edition_items also holds the other outlets' items).
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
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

# When `digest retry` last re-opened an edition: the retry policy's maximum age counts from
# here instead of the edition's creation.
edition_retries = Table(
    "edition_retries",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

edition_stops = Table(
    "edition_stops",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("stopped_by", String(400), nullable=False),
    Column("stopped_at", UTCDateTime, nullable=False),
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
