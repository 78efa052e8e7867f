"""The Telegram bot's use cases, keyed by chat id: subscribe, stop, topics, send time, and
the latest edition on request.

``digest.bot`` calls these (in a worker thread: each opens its own transactions) and
nothing deeper. Changes of topics, hour and zone go through
``subscriptions.update_preferences``, so the bot and the web preferences page accept the
same values. A chat proves itself: whoever writes from it owns its subscription.

Errors (all ``DigestError``)::

    NotSubscribed   the chat has no subscriber yet (it never sent /start)
    UnknownList     /start named a list that does not exist (planning's error)
    InvalidInput    a topic, hour or zone that is not acceptable (subscriptions' error)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import Connection

from digest import schedule
from digest.channels.base import DeliveryChannel
from digest.compose import ComposeOptions, compose_edition
from digest.config import Settings
from digest.errors import DigestError
from digest.i18n import N_
from digest.models import Item, Recipient, RenderedEdition, Subscriber, SubscriberStatus
from digest.pipeline import subscriptions as subs
from digest.pipeline.clock import now_or_utc
from digest.pipeline.delivering import envelope_for
from digest.pipeline.planning import UnknownList, renderer_for
from digest.store import consents as consent_store
from digest.store import editions as edition_store
from digest.store import items as item_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store.db import transaction
from digest.textcheck import clean_text

__all__ = [
    "LastEdition",
    "ListChoice",
    "NotSubscribed",
    "Subscribed",
    "TopicsMenu",
    "chat_language",
    "last_edition",
    "list_choices",
    "profile",
    "resend_last",
    "resolve_zone",
    "set_send_hour",
    "set_timezone",
    "stop",
    "subscribe",
    "toggle_topic",
    "topics_menu",
]

log = logging.getLogger(__name__)

DEFAULT_LIST = "daily"
# Planning's key for the variant without topics for a reader with no previous edition
# (``planning._variant``): the whole edition, as a newcomer gets it.
WHOLE_EDITION_KEY = "|after=0"


class NotSubscribed(DigestError):
    """The chat has no subscriber row."""


@dataclass(frozen=True, slots=True)
class ListChoice:
    id: int
    name: str
    title: str
    kind: str  # "digest" (scheduled edition) or "breaking"


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscriber: Subscriber
    joined: ListChoice | None  # None: already on a list, nothing joined


@dataclass(frozen=True, slots=True)
class TopicsMenu:
    chosen: tuple[str, ...]
    available: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LastEdition:
    edition_id: int
    list_name: str
    content: RenderedEdition


# --- lists and subscribing ------------------------------------------------------------------


def list_choices(settings: Settings) -> list[ListChoice]:
    """The lists a chat may join, digest lists first."""
    with transaction(settings.database_url) as conn:
        digest = set(subscriber_store.digest_lists(conn))
        rows = subscriber_store.all_lists(conn)
    choices = [
        ListChoice(pk, name, title, "digest" if name in digest else "breaking")
        for pk, name, title, _ in rows
        if "," not in name and ":" not in name  # the same lists the sign-up page offers
    ]
    return sorted(choices, key=lambda c: (c.kind != "digest", c.name))


def subscribe(
    settings: Settings,
    chat_id: str,
    first_name: str,
    list_name: str | None = None,
    now: datetime | None = None,
) -> Subscribed:
    """Make the chat an active subscriber of ``list_name``.

    With no list named, a chat already on a list stays as it is; any other joins the
    default list (``daily``, else the first digest list). A new subscriber gets the
    configured default time zone.
    """
    now = now_or_utc(now)
    choices = list_choices(settings)
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, chat_id=chat_id)
        if list_name is None and sub is not None and sub.lists and sub.status is SubscriberStatus.ACTIVE:
            return Subscribed(sub, None)
        choice = _choose(choices, list_name)
        name = clean_text(first_name)  # Telegram's, not typed here: cleaned, not refused
        if sub is None:
            sub = Subscriber(
                telegram_chat_id=chat_id, name=name, timezone=settings.default_timezone, lists=(choice.name,)
            )
            sub.id, _ = subscriber_store.save(conn, sub, now)
        else:
            assert sub.id is not None
            sub.name, sub.status = name or sub.name, SubscriberStatus.ACTIVE
            store.update_profile(conn, sub)
            store.join_lists(conn, sub.id, [choice.name])
            sub.lists = tuple(sorted({*sub.lists, choice.name}))
        consent_store.record(conn, sub.id, "bot", now)  # /start, or joining a list from the bot
    log.info("telegram chat subscriber %s joined list %s", sub.id, choice.name)
    return Subscribed(sub, choice)


def _choose(choices: list[ListChoice], name: str | None) -> ListChoice:
    if name is None:
        digest = [c for c in choices if c.kind == "digest"]
        preferred = [c for c in digest if c.name == DEFAULT_LIST] or digest or choices
        if preferred:
            return preferred[0]
        raise UnknownList(DEFAULT_LIST)
    for choice in choices:
        if choice.name == name.strip().lower():
            return choice
    raise UnknownList(name)


def stop(settings: Settings, chat_id: str) -> bool:
    """Leave every list and become ``unsubscribed`` (the row stays); False if nothing changed."""
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, chat_id=chat_id)
        if sub is None or sub.id is None:
            return False
        left = store.leave_lists_except(conn, sub.id, [])
        if sub.status is not SubscriberStatus.UNSUBSCRIBED:
            subscriber_store.set_status(conn, sub.id, SubscriberStatus.UNSUBSCRIBED)
        elif not left:
            return False
    log.info("telegram chat subscriber %s unsubscribed", sub.id)
    return True


def chat_language(settings: Settings, chat_id: str) -> str:
    """What the bot speaks in the chat: its first list's language; before it is on a list,
    the default list's."""
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, chat_id=chat_id)
        names = sub.lists if sub is not None and sub.lists else (DEFAULT_LIST,)
        return language_store.language_of(conn, names[0])


def profile(settings: Settings, chat_id: str) -> Subscriber:
    with transaction(settings.database_url) as conn:
        return _subscriber(conn, chat_id)


def _subscriber(conn: Connection, chat_id: str) -> Subscriber:
    sub = subscriber_store.find(conn, chat_id=chat_id)
    if sub is None or sub.id is None:
        raise NotSubscribed(f"no subscriber for chat {chat_id}")
    return sub


# --- preferences ----------------------------------------------------------------------------


def topics_menu(settings: Settings, chat_id: str) -> TopicsMenu:
    """The chat's topics and the ones it may choose (the known ones and every feed section)."""
    sub, available = _topics(settings, chat_id)
    return TopicsMenu(sub.topics, available)


def _topics(settings: Settings, chat_id: str) -> tuple[Subscriber, tuple[str, ...]]:
    with transaction(settings.database_url) as conn:
        sub = _subscriber(conn, chat_id)
        sections = store.feed_sections(conn)
    return sub, tuple(sorted({*subs.KNOWN_TOPICS, *(s.lower() for s in sections)}))


def toggle_topic(settings: Settings, chat_id: str, topic: str) -> TopicsMenu:
    """Add the topic to the chat's choice, or take it out."""
    sub, available = _topics(settings, chat_id)
    if topic not in available:
        raise subs.InvalidInput("topics", N_("“%(topic)s” is not a topic"), topic=topic[:40])
    chosen = [t for t in sub.topics if t != topic]
    if len(chosen) == len(sub.topics):
        chosen.append(topic)
    saved = _update(settings, sub, topics=tuple(t for t in available if t in chosen))
    return TopicsMenu(saved.topics, available)


def set_send_hour(settings: Settings, chat_id: str, hour: int) -> Subscriber:
    return _update(settings, profile(settings, chat_id), send_hour=hour)


def set_timezone(settings: Settings, chat_id: str, zone: str) -> Subscriber:
    """Save the zone, read leniently (``europe/kyiv``, ``Kyiv``); InvalidInput when unknown."""
    return _update(settings, profile(settings, chat_id), timezone=resolve_zone(zone))


def _update(
    settings: Settings,
    sub: Subscriber,
    *,
    topics: tuple[str, ...] | None = None,
    send_hour: int | None = None,
    timezone: str | None = None,
) -> Subscriber:
    assert sub.id is not None
    change = subs.PreferenceChange(
        name=sub.name,
        topics=sub.topics if topics is None else topics,
        frequency=sub.frequency,
        send_hour=sub.send_hour if send_hour is None else send_hour,
        timezone=sub.timezone if timezone is None else timezone,
        lists=sub.lists,
    )
    return subs.update_preferences(settings, sub.id, change)


def resolve_zone(text: str) -> str:
    """The IANA zone the reader means: exact, any case, or a unique city (``kyiv``)."""
    wanted = "_".join(text.strip().split()).lower()
    names = _zone_names()
    if wanted in names:
        return names[wanted]
    by_city = [name for key, name in names.items() if key.rsplit("/", 1)[-1] == wanted]
    name = by_city[0] if len(by_city) == 1 else text.strip()
    try:
        schedule.zone(name)
    except ValueError:
        problem = N_("unknown time zone “%(zone)s”")
        raise subs.InvalidInput("timezone", problem, zone=text.strip()[:60]) from None
    return name


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if "/" in name or name == "UTC"}


# --- the latest edition ---------------------------------------------------------------------


def last_edition(settings: Settings, chat_id: str, now: datetime | None = None) -> LastEdition | None:
    """The latest edition of the chat's first digest list, as a newcomer would get it.

    Reading it records no delivery: the ledger counts what the schedule sent, not
    re-reads on request. None when the chat is on no digest list or it has no edition.
    """
    now = now_or_utc(now)
    with transaction(settings.database_url) as conn:
        sub = _subscriber(conn, chat_id)
        digest = set(subscriber_store.digest_lists(conn))
        names = [name for name in sub.lists if name in digest]
        list_pk = subscriber_store.list_id(conn, names[0]) if names else None
        edition_id = edition_store.latest(conn, list_pk) if list_pk is not None else None
        if edition_id is None:
            return None
        info = edition_store.info(conn, edition_id)
        assert info is not None
        variant_pk = edition_store.variant_id(conn, edition_id, WHOLE_EDITION_KEY)
        if variant_pk is not None:
            return LastEdition(edition_id, info[1], edition_store.variant(conn, variant_pk))
        items = item_store.recent(conn, now - timedelta(hours=settings.max_age_hours))
        language = language_store.language_of(conn, info[1])
    return _composed(settings, edition_id, info[1], info[3], items, now, language)


def _composed(
    settings: Settings,
    edition_id: int,
    list_name: str,
    title: str,
    items: list[Item],
    now: datetime,
    language: str = "en",
) -> LastEdition | None:
    """Every reader got a variant for their topics: compose the one without topics, from the
    news as it stands now (an edition keeps only the items its variants carried)."""
    content = compose_edition(
        items, list_name=list_name, title=title, now=now, options=ComposeOptions.from_settings(settings)
    )
    if not content.stories:
        return None
    content.language = language
    web_url = f"{settings.public_url}/editions/{edition_id}"
    rendered = renderer_for(settings).render(content, edition_id=edition_id, web_url=web_url)
    return LastEdition(edition_id, list_name, rendered)


def resend_last(
    settings: Settings, chat_id: str, channel: DeliveryChannel, now: datetime | None = None
) -> bool:
    """Send the chat ``last_edition`` through the Telegram channel (photo, buttons, rate limits
    and all); False when there is none. No ledger row: a re-read on request is not a delivery."""
    found = last_edition(settings, chat_id, now)
    if found is None:
        return False
    envelope = envelope_for(settings, found.edition_id, found.list_name, found.content)
    channel.deliver(envelope, [Recipient(subscriber_id=0, address=chat_id)])
    log.info("edition %s sent again to a chat on request", found.edition_id)
    return True
