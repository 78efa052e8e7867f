"""The editor's actions on items (pin, boost, bury, exclude) and a list's section layout, for
``digest editor`` and ``digest lists configure``. Every change is audited by the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from digest.config import Settings
from digest.editorial import EditorAction
from digest.store import audit as audit_store
from digest.store import editorial as editorial_store
from digest.store.audit import AuditEntry
from digest.store.db import transaction

__all__ = ["AuditEntry", "Layout", "act", "actions", "audit_entries", "clear", "layout", "set_layout"]

Layout = tuple[tuple[str, int | None], ...]


def act(
    settings: Settings, ref: str, decide: Callable[[str], EditorAction], now: datetime
) -> tuple[EditorAction, str] | None:
    """Store the action ``decide`` makes for the item with this id, URL or key: (the action,
    the item's title), or None when there is no such item. A ``LookupError`` names an unknown
    list (nothing stored)."""
    with transaction(settings.database_url) as conn:
        found = editorial_store.find_item(conn, ref)
        if found is None:
            return None
        key, title = found
        decided = decide(key)
        editorial_store.save_action(conn, decided, now)
    return decided, title


def actions(settings: Settings, now: datetime | None = None) -> list[EditorAction]:
    """The actions in force at ``now`` (every stored one when None), oldest first."""
    with transaction(settings.database_url) as conn:
        return editorial_store.actions(conn, now=now)


def clear(settings: Settings, ref: str, list_name: str | None, actor: str) -> int:
    """Remove the item's actions (for one list, or all); how many went."""
    with transaction(settings.database_url) as conn:
        found = editorial_store.find_item(conn, ref)
        key = found[0] if found else ref  # an item gone from the store may still have actions
        return editorial_store.clear_actions(conn, key, list_name, actor=actor, now=datetime.now(UTC))


def audit_entries(settings: Settings, limit: int = 100) -> list[AuditEntry]:
    """The audit log, newest first."""
    with transaction(settings.database_url) as conn:
        return audit_store.audit_entries(conn, limit=limit)


def layout(settings: Settings, list_name: str) -> Layout:
    with transaction(settings.database_url) as conn:
        return editorial_store.layout(conn, list_name)


def set_layout(settings: Settings, list_name: str, sections: Layout, actor: str) -> None:
    """Set the order and size of the list's sections (empty: back to the defaults)."""
    with transaction(settings.database_url) as conn:
        editorial_store.set_layout(conn, list_name, sections, actor=actor, now=datetime.now(UTC))
