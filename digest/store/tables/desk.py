"""The editors' desk: accounts, sessions, API tokens, what editors did (the audit log, actions
on items) and what they wrote for a list's next editions.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from digest.store.tables.base import UTCDateTime, metadata

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
