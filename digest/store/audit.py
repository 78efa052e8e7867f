"""The audit log, for every feature that changes something on someone's behalf: one row per
change, with who, when, what (``action``, e.g. ``editor.pin``), on what (``target``) and the
details as JSON. Record a change in the transaction that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select

from digest.store.common import aware
from digest.store.tables import audit_log

__all__ = ["AuditEntry", "AuditFilter", "audit", "audit_entries"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


def audit(
    conn: Connection, actor: str, action: str, target: str, details: dict[str, Any], at: datetime
) -> None:
    """Record one change; call it in the transaction that makes the change."""
    row = {"at": at, "actor": actor[:400], "action": action[:64], "target": target[:400], "details": details}
    conn.execute(insert(audit_log).values(**row))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to read (the desk's audit page); empty or None: any."""

    actor: str = ""
    action: str = ""  # an exact action ("breaking.send") or a family ("editor.")
    since: datetime | None = None
    until: datetime | None = None


def audit_entries(
    conn: Connection, found: AuditFilter | None = None, *, target: str | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The newest entries first, those ``found`` matches, optionally only those about ``target``."""
    query = _filtered(select(audit_log), found or AuditFilter()).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    return [
        AuditEntry(aware(r.at) or r.at, r.actor, r.action, r.target, dict(r.details or {}))
        for r in conn.execute(query)
    ]


def _filtered(query: Select[Any], found: AuditFilter) -> Select[Any]:
    if found.actor:
        query = query.where(audit_log.c.actor == found.actor)
    if found.action.endswith("."):
        query = query.where(audit_log.c.action.startswith(found.action, autoescape=True))
    elif found.action:
        query = query.where(audit_log.c.action == found.action)
    if found.since is not None:
        query = query.where(audit_log.c.at >= found.since)
    if found.until is not None:
        query = query.where(audit_log.c.at < found.until)
    return query
