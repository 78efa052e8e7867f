"""A reader leaving, and changing their mind: unsubscribe from one list or all of them, undo,
weekly instead, and an optional reason (kept without the reader's identity).

The signed unsubscribe link of an email authorizes all of these for its list: whoever could
leave the list may come back to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest.config import Settings
from digest.i18n import N_
from digest.models import Subscriber, SubscriberStatus
from digest.pipeline.subscriptions import InvalidInput, UnknownSubscriber
from digest.store import confirmations as confirmation_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store import unsubscribe_reasons as reasons_store
from digest.store.db import transaction

__all__ = [
    "REASONS",
    "Leaving",
    "leaving",
    "record_reason",
    "rejoin",
    "unsubscribe_everywhere",
]

log = logging.getLogger(__name__)

# What the page offers, in the order it offers them.
REASONS = {
    "too_many": N_("Too many emails"),
    "not_relevant": N_("Not relevant to me"),
    "never_signed_up": N_("I never signed up"),
    "elsewhere": N_("I get the news elsewhere"),
    "other": N_("Something else"),
}
DETAIL_MAX = 500


@dataclass(frozen=True, slots=True)
class Leaving:
    subscriber: Subscriber
    list_title: str
    on_list: bool  # still subscribed to it (False: already unsubscribed)
    remaining: tuple[str, ...]  # titles of the lists they still get


def leaving(settings: Settings, subscriber_id: int, list_name: str) -> Leaving:
    """Where the reader stands with the list their link is for."""
    with transaction(settings.database_url) as conn:
        sub = _subscriber(conn, subscriber_id)
        titles = dict(store.existing_lists(conn))
    active = sub.status is SubscriberStatus.ACTIVE
    return Leaving(
        subscriber=sub,
        list_title=titles.get(list_name, list_name.title()),
        on_list=active and list_name in sub.lists,
        remaining=tuple(titles.get(n, n) for n in sub.lists if n != list_name) if active else (),
    )


def rejoin(settings: Settings, subscriber_id: int, list_name: str, *, weekly: bool = False) -> Subscriber:
    """Undo an unsubscribe (or take the list weekly instead): back on the list, active."""
    with transaction(settings.database_url) as conn:
        sub = _subscriber(conn, subscriber_id)
        if list_name not in dict(store.existing_lists(conn)):
            raise InvalidInput("list", N_("this list no longer exists"))
        store.join_lists(conn, subscriber_id, [list_name])
        sub.status = SubscriberStatus.ACTIVE
        if weekly and not sub.frequency.startswith("weekly"):
            sub.frequency = f"weekly:{datetime.now(UTC).weekday()}"
        store.update_profile(conn, sub)
    log.info("subscriber %s back on list %s%s", subscriber_id, list_name, " weekly" if weekly else "")
    return sub


def unsubscribe_everywhere(settings: Settings, subscriber_id: int) -> Subscriber:
    """Leave every list: the subscriber becomes ``unsubscribed``. Idempotent."""
    with transaction(settings.database_url) as conn:
        sub = _subscriber(conn, subscriber_id)
        store.leave_lists_except(conn, subscriber_id, [])
        subscriber_store.set_status(conn, subscriber_id, SubscriberStatus.UNSUBSCRIBED)
        # An old confirmation link must not bring the reader back (see pipeline.confirming).
        confirmation_store.close_open(conn, subscriber_id, "unsubscribed", datetime.now(UTC))
    log.info("subscriber %s left every list", subscriber_id)
    return sub


def record_reason(settings: Settings, list_name: str, reason: str, detail: str = "") -> None:
    """Keep why someone left ``list_name``: the reason and words only, not who said it."""
    if reason not in REASONS:
        raise InvalidInput("reason", N_("choose one of the reasons offered"))
    text = " ".join(detail.split())
    if len(text) > DETAIL_MAX:
        raise InvalidInput("detail", N_("at most %(most)s characters, please"), most=DETAIL_MAX)
    with transaction(settings.database_url) as conn:
        list_pk = subscriber_store.list_id(conn, list_name)
        if list_pk is None:
            return
        reasons_store.add(conn, list_pk, reason, text, datetime.now(UTC))


def _subscriber(conn: Connection, subscriber_id: int) -> Subscriber:
    sub = store.by_id(conn, subscriber_id)
    if sub is None:
        raise UnknownSubscriber(f"no subscriber {subscriber_id}")
    return sub
