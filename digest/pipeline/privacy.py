"""Erasing a reader: ``digest subscribers forget ADDRESS``.

The subscriber row, their memberships and delivery ledger rows are deleted; their provider
events and clicks lose every link to them (one random negative id replaces theirs), and
what their deliveries counted for is kept the same way. So past editions' figures stay as
they were, and nothing left points to a person. The suppression list keeps a bounced or
complaining address (it must never be mailed again); ``forget`` says so when it does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from digest.config import Settings
from digest.errors import DigestError
from digest.store import clicks as click_store
from digest.store import events as event_store
from digest.store import reach
from digest.store import subscribers as subscriber_store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction

__all__ = ["Forgotten", "UnknownAddress", "forget"]


class UnknownAddress(DigestError):
    """No subscriber has this email address or Telegram chat id."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    events: int
    clicks: int
    deliveries: int
    still_suppressed: bool


def forget(settings: Settings, address: str) -> Forgotten:
    """Erase the reader with this email address or chat id, keeping only anonymous counts."""
    key = address.strip().lower() if "@" in address[1:] else address.strip()
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email=key) if "@" in key[1:] else None
        sub = sub or subscriber_store.find(conn, chat_id=key)
        if sub is None or sub.id is None:
            raise UnknownAddress(f"no subscriber {address}")
        pseudonym = -(secrets.randbelow(2**31 - 2) + 1)
        forgotten = Forgotten(
            events=event_store.anonymize(conn, sub.id, pseudonym),
            clicks=click_store.anonymize(conn, sub.id, pseudonym),
            deliveries=reach.forget(conn, sub.id, pseudonym),
            still_suppressed=bool(sub.email and suppression_store.suppressed(conn, [sub.email])),
        )
        subscriber_store.remove(conn, sub.email or sub.telegram_chat_id or key)
    return forgotten
