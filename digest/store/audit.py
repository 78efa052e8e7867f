"""The audit log, for every feature that changes something on someone's behalf: one row per
change, with who, when, what (``action``, e.g. ``editor.pin``), on what (``target``) and the
details as JSON. Record a change in the transaction that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from digest.store.common import aware
from digest.store.tables import audit_log

__all__ = ["AuditEntry", "audit", "audit_entries"]


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


def audit_entries(conn: Connection, *, target: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest entries first, optionally only those about ``target``."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    return [
        AuditEntry(aware(r.at) or r.at, r.actor, r.action, r.target, dict(r.details or {}))
        for r in conn.execute(query)
    ]
