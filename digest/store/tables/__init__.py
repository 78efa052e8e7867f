"""The database schema (SQLAlchemy Core tables), one module per thing stored.

Alembic migrations in ``digest/migrations`` create these; ``tests/migrations`` checks that
the migrations and these definitions agree. Every table is re-exported here, so store
modules import ``from digest.store.tables import subscribers`` whichever module defines it.

- ``feeds``: feeds, items, feed_pauses
- ``readers``: lists, subscribers, memberships, suppressions, unsubscribe_reasons,
  confirmations, consents, chat_failures
- ``editions``: editions, edition_variants, edition_items, edition_stories, deliveries (the
  ledger), forgotten_deliveries, edition_pauses, edition_retries, edition_stops, breaking_sends
- ``engagement``: email_events, clicks, webhook_signatures
- ``desk``: editors, editor_sessions, api_tokens, editor_actions, audit_log, editors_words
"""

from __future__ import annotations

from digest.store.tables.base import UTCDateTime, metadata, new_link_token
from digest.store.tables.desk import (
    api_tokens,
    audit_log,
    editor_actions,
    editor_sessions,
    editors,
    editors_words,
)
from digest.store.tables.editions import (
    breaking_sends,
    deliveries,
    edition_items,
    edition_pauses,
    edition_retries,
    edition_stops,
    edition_stories,
    edition_variants,
    editions,
    forgotten_deliveries,
    suppressed_recipients,
)
from digest.store.tables.engagement import clicks, email_events, webhook_signatures
from digest.store.tables.feeds import feed_pauses, feeds, items
from digest.store.tables.readers import (
    chat_failures,
    confirmations,
    consents,
    lists,
    memberships,
    subscribers,
    suppressions,
    unsubscribe_reasons,
)

__all__ = [
    "UTCDateTime",
    "api_tokens",
    "audit_log",
    "breaking_sends",
    "chat_failures",
    "clicks",
    "confirmations",
    "consents",
    "deliveries",
    "edition_items",
    "edition_pauses",
    "edition_retries",
    "edition_stops",
    "edition_stories",
    "edition_variants",
    "editions",
    "editor_actions",
    "editor_sessions",
    "editors",
    "editors_words",
    "email_events",
    "feed_pauses",
    "feeds",
    "forgotten_deliveries",
    "items",
    "lists",
    "memberships",
    "metadata",
    "new_link_token",
    "subscribers",
    "suppressed_recipients",
    "suppressions",
    "unsubscribe_reasons",
    "webhook_signatures",
]
