"""The suppression list, for editors: addresses never emailed again (bounces, complaints, or
an editor's choice). Every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.config import Settings
from digest.store import audit as audit_store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction

__all__ = ["suppress", "suppression_list", "unsuppress"]


def suppression_list(settings: Settings, text: str = "") -> list[tuple[str, str, datetime]]:
    """Suppressed addresses containing ``text``: (email, reason, since)."""
    with transaction(settings.database_url) as conn:
        return suppression_store.suppression_list(conn, text)


def suppress(settings: Settings, address: str, reason: str, actor: str) -> None:
    """Never email ``address`` again (it is already normalized: stripped, lower case)."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        suppression_store.suppress(conn, address, (reason.strip() or "editor")[:64], now)
        audit_store.audit(conn, actor, "suppression.add", address, {"reason": reason}, now)


def unsuppress(settings: Settings, address: str, actor: str) -> bool:
    """Take ``address`` off the list; False when it was not on it."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if not suppression_store.unsuppress(conn, address):
            return False
        audit_store.audit(conn, actor, "suppression.remove", address.strip().lower(), {}, now)
    return True
