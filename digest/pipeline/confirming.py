"""Confirming a sign-up: a page, then a POST; each confirmation link works once.

Mail scanners follow every link in a message, so following the link (GET) only shows a page
with one button; pressing it (a POST with the form's CSRF token) confirms. Each link sent is
recorded (``store.confirmations``); confirming closes it and every other open link of that
reader, and unsubscribing closes them too, so an old link can neither confirm twice nor
bring back a reader who has since left. The confirmation that takes the link, and only
that one, sends the welcome email (``digest.pipeline.welcome``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import Settings
from digest.errors import DeliveryError, DigestError
from digest.models import Subscriber, SubscriberStatus
from digest.pipeline.subscriptions import UnknownSubscriber, read_link
from digest.pipeline.welcome import send_welcome
from digest.store import confirmations as confirmation_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store.db import transaction

__all__ = ["ConfirmationClosed", "PendingConfirmation", "confirm", "list_titles", "pending_confirmation"]

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
    titles: tuple[str, ...] = ()  # what readers see: the lists' titles, never their names


def pending_confirmation(settings: Settings, token: str, now: datetime | None = None) -> PendingConfirmation:
    """What the link would confirm; ``ConfirmationClosed`` when it no longer can. Changes nothing."""
    claim = read_link(settings, token, "confirm", now)
    with transaction(settings.database_url) as conn:
        state = confirmation_store.state(conn, confirmation_store.hash_token(token))
    if state != confirmation_store.OPEN:
        raise ConfirmationClosed(state or "unknown")
    names = _lists(claim.list_name)
    return PendingConfirmation(claim.subscriber_id, names, tuple(list_titles(settings, names)))


def list_titles(settings: Settings, names: tuple[str, ...] | list[str]) -> list[str]:
    """The titles readers know the lists ``names`` by, in that order."""
    with transaction(settings.database_url) as conn:
        titles = dict(store.existing_lists(conn))
    return [titles.get(name, name) for name in names]


def confirm(settings: Settings, token: str, now: datetime | None = None) -> Subscriber:
    """Confirm once: the subscriber becomes active on the lists they chose, and is welcomed."""
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
    try:
        send_welcome(settings, claim.subscriber_id, now)
    except DeliveryError as exc:  # they are subscribed either way; the welcome is a courtesy
        log.warning("welcome for subscriber %s not sent: %s", claim.subscriber_id, exc)
    return confirmed


def _lists(names: str) -> tuple[str, ...]:
    return tuple(n for n in names.split(",") if n)
