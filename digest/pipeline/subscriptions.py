"""The subscriber's own use cases: their links, unsubscribe, preferences, and what the email
provider tells us about addresses (bounces, complaints). Sign-up is ``digest.pipeline.signup``.

The web app calls these and nothing deeper. Links are checked here (``read_link``), so a
forged, expired or moved token never reaches the store. Sign-up answers the same way
whether or not the address is known: only the mailbox owner learns anything, by email.

Errors (all ``DigestError``)::

    InvalidLink         the token is forged, for another purpose, or expired (.expired)
    UnknownSubscriber   the token is genuine but its subscriber is gone
    InvalidInput        a form value is not acceptable (.field names it)
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from digest import links, schedule
from digest.config import Settings
from digest.errors import DigestError
from digest.i18n import N_, translate
from digest.models import Subscriber, SubscriberStatus
from digest.pipeline.clock import now_or_utc
from digest.store import confirmations as confirmation_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from digest.textcheck import InvalidText, check_text
from digest.zones import resolve_zone

__all__ = [
    "CONFIRM_TTL",
    "KNOWN_TOPICS",
    "InvalidInput",
    "InvalidLink",
    "PreferenceChange",
    "PreferencesForm",
    "ProviderEvent",
    "UnknownSubscriber",
    "check_name",
    "check_send_hour",
    "check_timezone",
    "confirm_url",
    "known_lists",
    "preferences_form",
    "read_link",
    "record_provider_event",
    "record_provider_events",
    "topic_title",
    "unsubscribe",
    "unsubscribe_page",
    "update_preferences",
]

log = logging.getLogger(__name__)

KNOWN_TOPICS = ("news", "analysis", "video", "culture")
# One line each on the preferences page; sections of the newsroom's own feeds show bare.
TOPIC_DESCRIPTIONS = {
    "news": N_("What happened: the day's main stories from every outlet we follow."),
    "analysis": N_("Why it matters: explainers, opinion and long reads."),
    "video": N_("Reports and interviews to watch."),
    "culture": N_("Books, film, music and the arts."),
}
# What readers call the known topics, in their language; the feeds' other sections keep their names.
TOPIC_TITLES = {
    "news": N_("News"),
    "analysis": N_("Analysis"),
    "video": N_("Video"),
    "culture": N_("Culture"),
}
CONFIRM_TTL = timedelta(hours=48)
MAX_TOPICS = 20
_TOPIC = re.compile(r"^\w[\w &/+.-]{0,39}$")


def topic_title(topic: str, language: str) -> str:
    """A topic as readers see it: a known topic's title in ``language``, another section's
    own name with a capital first letter ("EU politics" stays "EU politics")."""
    title = TOPIC_TITLES.get(topic)
    return translate(language, title) if title else topic[:1].upper() + topic[1:]


class InvalidLink(DigestError):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("link expired" if expired else "link not valid")
        self.expired = expired


class UnknownSubscriber(DigestError):
    """The link is genuine but its subscriber no longer exists."""


class InvalidInput(DigestError):
    """``problem`` is an English message marked for the catalog (``N_``), its ``%(name)s``
    fields filled from ``values``; readers see it in their language (``said_in``)."""

    def __init__(self, field_name: str, problem: str, **values: object) -> None:
        filled = problem % values if values else problem
        super().__init__(f"{field_name}: {filled}")
        self.field = field_name
        self.problem = filled
        self.message = problem
        self.values = values

    def said_in(self, language: str) -> str:
        """The problem as a reader of ``language`` reads it."""
        return translate(language, self.message, **self.values)


# --- links -------------------------------------------------------------------------------


def read_link(settings: Settings, token: str, purpose: str, now: datetime | None = None) -> links.LinkClaim:
    """The claim of a genuine, unexpired token for ``purpose``, issued to the subscriber who
    now has its id; else ``InvalidLink`` (forged, expired) or ``UnknownSubscriber`` (the
    subscriber it was issued to is gone, even if a newer one has the same id)."""
    key = settings.signing_key()
    claim = links.verify(key, token, purpose, now_or_utc(now))
    if claim is None:
        # Checked as of the epoch, a genuine token cannot have expired: it tells "expired" from "forged".
        if links.verify(key, token, purpose, datetime.fromtimestamp(0, UTC)) is not None:
            raise InvalidLink(expired=True)
        raise InvalidLink()
    with transaction(settings.database_url) as conn:
        bound = store.link_binding(conn, claim.subscriber_id)
    if bound is None or not _issued_to(claim, *bound):
        raise UnknownSubscriber(f"no subscriber {claim.subscriber_id} for this link")
    return claim


def _issued_to(claim: links.LinkClaim, link_token: str, legacy: bool) -> bool:
    if claim.binding is None:  # sent before links carried a binding: only rows that old
        return legacy
    return hmac.compare_digest(claim.binding, link_token)


def confirm_url(
    settings: Settings, subscriber_id: int, lists: Sequence[str], now: datetime, binding: str = ""
) -> str:
    expires = int((now + CONFIRM_TTL).timestamp())
    claim = links.LinkClaim(subscriber_id, ",".join(lists), "confirm", expires, binding)
    return f"{settings.public_url}/confirm/{links.sign(settings.signing_key(), claim)}"


# --- unsubscribe and preferences ---------------------------------------------------------


def unsubscribe(settings: Settings, subscriber_id: int, list_name: str) -> Subscriber:
    """Leave the list; with no list left the subscriber becomes ``unsubscribed``. Idempotent.
    Confirmation links still open are closed: an old one cannot bring the reader back."""
    with transaction(settings.database_url) as conn:
        store.leave_list(conn, subscriber_id, list_name)
        confirmation_store.close_open(conn, subscriber_id, "unsubscribed", datetime.now(UTC))
        sub = store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {subscriber_id}")
        if not sub.lists and sub.status is not SubscriberStatus.UNSUBSCRIBED:
            sub.status = SubscriberStatus.UNSUBSCRIBED
            subscriber_store.set_status(conn, subscriber_id, sub.status)
    log.info("subscriber %s left list %s", subscriber_id, list_name)
    return sub


def unsubscribe_page(settings: Settings, subscriber_id: int, list_name: str) -> tuple[Subscriber, str]:
    """The subscriber and the title of the list the unsubscribe page is about."""
    with transaction(settings.database_url) as conn:
        sub = store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {subscriber_id}")
        titles = dict(store.existing_lists(conn))
    return sub, titles.get(list_name, list_name.title())


@dataclass(frozen=True, slots=True)
class PreferencesForm:
    """What the preferences page shows: the subscriber and the choices they have."""

    subscriber: Subscriber
    lists: list[tuple[str, str]]  # (name, title)
    topics: list[str]


@dataclass(frozen=True, slots=True)
class PreferenceChange:
    name: str
    topics: tuple[str, ...]
    frequency: str  # "daily" or "weekly:<weekday>"
    send_hour: int
    timezone: str
    lists: tuple[str, ...]


def preferences_form(settings: Settings, subscriber_id: int) -> PreferencesForm:
    with transaction(settings.database_url) as conn:
        sub = store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {subscriber_id}")
        topics = sorted({*KNOWN_TOPICS, *store.feed_sections(conn)})
        return PreferencesForm(sub, store.existing_lists(conn), topics)


def update_preferences(settings: Settings, subscriber_id: int, change: PreferenceChange) -> Subscriber:
    """Check and save the change; choosing no list unsubscribes, choosing one re-subscribes."""
    frequency = _frequency(change.frequency)
    check_name(change.name)
    check_send_hour(change.send_hour)
    timezone = check_timezone(change.timezone)
    topics = clean_topics(change.topics)
    with transaction(settings.database_url) as conn:
        sub = store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {subscriber_id}")
        chosen = known_lists(conn, change.lists)
        sub.name, sub.topics, sub.frequency = check_name(change.name), topics, frequency
        sub.send_hour, sub.timezone = change.send_hour, timezone
        if not chosen:
            sub.status = SubscriberStatus.UNSUBSCRIBED
        elif sub.status is SubscriberStatus.UNSUBSCRIBED:
            sub.status = SubscriberStatus.ACTIVE  # the signed link proves the mailbox is theirs
        store.update_profile(conn, sub)
        store.leave_lists_except(conn, subscriber_id, chosen)
        store.join_lists(conn, subscriber_id, chosen)
        sub.lists = tuple(chosen)
    return sub


def check_name(value: str) -> str:
    try:
        return check_text("name", value)[:200]
    except InvalidText:
        problem = N_("name: contains a control character (like a line break); use plain text on one line")
        raise InvalidInput("name", problem) from None


def _frequency(value: str) -> str:
    try:
        kind, weekday = schedule.parse_frequency(value)
    except ValueError:
        raise InvalidInput("frequency", N_("choose daily or weekly on a weekday")) from None
    return kind if weekday is None else f"{kind}:{weekday}"


def check_timezone(value: str) -> str:
    """A zone from what a reader typed or picked: "Kyiv", "Kyiv, Ukraine" or "Europe/Kyiv"."""
    typed = value.strip() or "UTC"
    name = resolve_zone(typed[:100])
    if name is None:
        problem = N_("unknown time zone “%(zone)s”: pick a city from the list, like Kyiv")
        raise InvalidInput("timezone", problem, zone=typed[:100])
    schedule.zone(name)
    return name


def check_send_hour(value: int) -> int:
    if not 0 <= value <= 23:
        raise InvalidInput("send_hour", N_("choose an hour from 0 to 23"))
    return value


def clean_topics(values: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, de-duplicated topics; free text may hold several, separated by ';' as in
    the CSV import (or by commas)."""
    topics: list[str] = []
    for value in values:
        for part in re.split(r"[;,]", value):
            topic = " ".join(part.split()).lower()
            if not topic or topic in topics:
                continue
            if not _TOPIC.match(topic):
                problem = N_("“%(topic)s” is not a topic (letters, digits, up to 40)")
                raise InvalidInput("topics", problem, topic=topic[:40])
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise InvalidInput("topics", N_("choose at most %(most)s topics"), most=MAX_TOPICS)
    return tuple(topics)


def known_lists(conn: Connection, names: Iterable[str]) -> list[str]:
    existing = {name for name, _ in store.existing_lists(conn)}
    return sorted({name for name in names if name in existing})


# --- what the email provider reports -----------------------------------------------------

SUPPRESSING = frozenset({"bounce", "dropped", "spamreport", "unsubscribe", "group_unsubscribe"})
UNSUBSCRIBING = frozenset({"spamreport", "unsubscribe", "group_unsubscribe"})


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    email: str
    event: str  # SendGrid's event name: bounce, dropped, spamreport, unsubscribe …
    kind: str = ""  # for bounces: "bounce" (hard) or "blocked" (temporary)


def record_provider_event(settings: Settings, event: ProviderEvent, now: datetime | None = None) -> bool:
    return record_provider_events(settings, [event], now) > 0


def record_provider_events(
    settings: Settings, events: Iterable[ProviderEvent], now: datetime | None = None
) -> int:
    """Suppress addresses that bounced, were dropped or complained; unsubscribe complainers.

    Returns how many events led to an action. Other events (delivered, open …) are ignored.
    """
    now = now_or_utc(now)
    acted = 0
    with transaction(settings.database_url) as conn:
        for event in events:
            if event.event not in SUPPRESSING or not event.email or event.kind == "blocked":
                continue
            suppression_store.suppress(conn, event.email, event.event, now)
            if event.event in UNSUBSCRIBING:
                sub = subscriber_store.find(conn, email=event.email) or subscriber_store.find(
                    conn, email=event.email.lower()
                )
                if sub is not None and sub.id is not None:
                    subscriber_store.set_status(conn, sub.id, SubscriberStatus.UNSUBSCRIBED)
                    confirmation_store.close_open(conn, sub.id, "unsubscribed", now)
            acted += 1
    return acted
