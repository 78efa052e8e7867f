"""Confirming a sign-up: a page, then a POST; each confirmation link works once.

Mail scanners follow every link in a message, so following the link (GET) only shows a page
with one button; pressing it (a POST with the form's CSRF token) confirms. Each link sent is
recorded (``store.confirmations``); confirming closes it and every other open link of that
reader, and unsubscribing closes them too, so an old link can neither confirm twice nor
bring back a reader who has since left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import Settings
from digest.errors import DigestError
from digest.models import Subscriber, SubscriberStatus
from digest.pipeline.subscriptions import UnknownSubscriber, read_link
from digest.store import confirmations as confirmation_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store.db import transaction

__all__ = ["ConfirmationClosed", "PendingConfirmation", "confirm", "pending_confirmation"]

log = logging.getLogger(__name__)


class ConfirmationClosed(DigestError):
    """The link was used already, the reader unsubscribed since, or it was never recorded."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"confirmation link closed ({reason})")
        self.reason = reason  # "confirmed", "unsubscribed" or "unknown"


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    subscriber_id: int
    lists: tuple[str, ...]


def pending_confirmation(settings: Settings, token: str, now: datetime | None = None) -> PendingConfirmation:
    """What the link would confirm; ``ConfirmationClosed`` when it no longer can. Changes nothing."""
    claim = read_link(settings, token, "confirm", now)
    with transaction(settings.database_url) as conn:
        state = confirmation_store.state(conn, confirmation_store.hash_token(token))
    if state != confirmation_store.OPEN:
        raise ConfirmationClosed(state or "unknown")
    return PendingConfirmation(claim.subscriber_id, _lists(claim.list_name))


def confirm(settings: Settings, token: str, now: datetime | None = None) -> Subscriber:
    """Confirm once: the subscriber becomes active on the lists they chose."""
    claim = read_link(settings, token, "confirm", now)
    now = now or datetime.now(UTC)
    digest = confirmation_store.hash_token(token)
    with transaction(settings.database_url) as conn:
        sub = store.by_id(conn, claim.subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {claim.subscriber_id}")
        if not confirmation_store.take(conn, digest, now):
            raise ConfirmationClosed(confirmation_store.state(conn, digest) or "unknown")
        confirmation_store.close_open(conn, claim.subscriber_id, "confirmed", now)
        store.join_lists(conn, claim.subscriber_id, list(_lists(claim.list_name)))
        subscriber_store.set_status(conn, claim.subscriber_id, SubscriberStatus.ACTIVE)
        confirmed = store.by_id(conn, claim.subscriber_id)
    assert confirmed is not None
    log.info("subscriber %s confirmed", claim.subscriber_id)
    return confirmed


def _lists(names: str) -> tuple[str, ...]:
    return tuple(n for n in names.split(",") if n)
