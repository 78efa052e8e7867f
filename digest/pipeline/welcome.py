"""The welcome email, sent once right after a reader confirms.

It says what they will get (each list's title and description), when the first digest
comes (in their zone, in the list's language), and gives their own preferences link and,
when the list's archive is public and has an edition, the latest one. ``confirming``
sends it only from the confirmation that took the link, so a retried or repeated
confirmation never welcomes twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Connection

from digest import links, schedule
from digest.config import Settings
from digest.i18n import translate
from digest.models import Recipient, Subscriber
from digest.pipeline.notices import notice_environment, render_notice, send_notice
from digest.render.personalize import first_name, local_time
from digest.store import archive as archive_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store.db import transaction

__all__ = ["WelcomeList", "first_send", "send_welcome"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WelcomeList:
    title: str
    description: str
    digest: bool  # False: a breaking-news list, sent when news breaks


@dataclass(frozen=True, slots=True)
class _Facts:
    sub: Subscriber
    lists: list[WelcomeList]
    language: str
    binding: str
    latest_edition: int | None


def first_send(sub: Subscriber, now: datetime) -> datetime:
    """The next moment after ``now`` the reader's digest is due: their send hour, in their zone,
    on their weekday for a weekly digest. A zone or frequency that no longer parses reads as
    UTC and daily, as the scheduler reads it."""
    try:
        zone = schedule.zone(sub.timezone)
    except ValueError:
        zone = schedule.zone("UTC")
    try:
        _, weekday = schedule.parse_frequency(sub.frequency)
    except ValueError:
        weekday = None
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        candidate = datetime.combine(day, time(sub.send_hour), tzinfo=zone)
        if candidate > local and (weekday is None or day.weekday() == weekday):
            return candidate
    raise AssertionError("a week always holds the weekday")


def send_welcome(settings: Settings, subscriber_id: int, now: datetime) -> None:
    """Email the newly confirmed reader their welcome (nothing for a Telegram-only reader)."""
    with transaction(settings.database_url) as conn:
        facts = _facts(conn, subscriber_id)
    if facts is None or not facts.sub.email:
        return
    sub, language, address = facts.sub, facts.language, facts.sub.email
    key, public = settings.signing_key(), settings.public_url
    leave = [
        (item.title, links.unsubscribe_url(public, key, subscriber_id, name, facts.binding))
        for name, item in zip(sub.lists, facts.lists, strict=True)
    ]
    context = {
        "newsroom": settings.newsroom_name,
        "postal_address": settings.postal_address,
        "name": first_name(sub.name),
        "lists": facts.lists,
        "first_send": local_time(first_send(sub, now), sub.timezone, language),
        "has_digest": any(item.digest for item in facts.lists),
        "preferences_url": links.preferences_url(
            public, key, subscriber_id, sub.lists[0], now, facts.binding
        ),
        "latest_url": f"{public}/editions/{facts.latest_edition}" if facts.latest_edition else "",
        "unsubscribe": leave,
    }
    newsroom = settings.newsroom_name
    send_notice(
        settings,
        # Its own List-Unsubscribe headers too: the first list's one-click link.
        Recipient(subscriber_id=subscriber_id, address=address, name=sub.name, unsubscribe_url=leave[0][1]),
        subject=translate(language, "Welcome to %(newsroom)s", newsroom=newsroom),
        preheader=translate(language, "What you will get, and when"),
        html=render_notice(settings, "web/welcome_email.html", language, **context),
        text=notice_environment(settings.templates_dir, language)
        .get_template("web/welcome_email.txt")
        .render(context),
        category="welcome",
    )
    log.info("welcome sent to subscriber %s", subscriber_id)


def _facts(conn: Connection, subscriber_id: int) -> _Facts | None:
    sub = store.by_id(conn, subscriber_id)
    binding = store.link_binding(conn, subscriber_id)
    if sub is None or binding is None or not sub.lists:
        return None
    titles = dict(store.existing_lists(conn))
    described = store.list_descriptions(conn)
    digests = set(subscriber_store.digest_lists(conn))
    chosen = [
        WelcomeList(titles.get(name, name), described.get(name, ""), name in digests) for name in sub.lists
    ]
    return _Facts(
        sub, chosen, language_store.language_of(conn, sub.lists[0]), binding[0], _latest(conn, sub.lists)
    )


def _latest(conn: Connection, names: tuple[str, ...]) -> int | None:
    """The newest published edition of the reader's first list with a public archive."""
    for name in names:
        found = archive_store.archived_list(conn, name)
        if found is None or not found.public:
            continue
        editions = archive_store.published(conn, found.id, limit=1)
        if editions:
            return editions[0].id
    return None
