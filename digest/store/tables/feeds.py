"""Feeds and what they brought: the feeds, their items, and the feeds an editor paused."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from digest.store.tables.base import UTCDateTime, metadata

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

# A feed an editor paused: not fetched until resumed (its items and settings stay).
feed_pauses = Table(
    "feed_pauses",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("paused_by", String(400), nullable=False),
    Column("paused_at", UTCDateTime, nullable=False),
)
