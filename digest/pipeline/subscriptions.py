"""The subscriber's own use cases: unsubscribe, preferences, sign-up with double opt-in,
and what the email provider tells us about addresses (bounces, complaints).

The web app calls these and nothing deeper. Links are checked here (``read_link``), so a
forged, expired or moved token never reaches the store. Sign-up answers the same way
whether or not the address is known: only the mailbox owner learns anything, by email.

Errors (all ``DigestError``)::

    InvalidLink         the token is forged, for another purpose, or expired (.expired)
    UnknownSubscriber   the token is genuine but its subscriber is gone
    InvalidInput        a form value is not acceptable (.field names it)
    TooManySignUps      the address or the client signed up too often (.wait seconds)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import Connection

from digest import links, schedule
from digest.config import Settings
from digest.errors import DigestError
from digest.i18n import N_, translate
from digest.models import Recipient, Subscriber, SubscriberStatus
from digest.pipeline.notices import render_notice, send_notice
from digest.ratelimit import RateLimiter, limiter_for, wait_for_any
from digest.store import confirmations as confirmation_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
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
    "SignUp",
    "SignupList",
    "TooManySignUps",
    "UnknownSubscriber",
    "confirm_url",
    "expire_unconfirmed",
    "preferences_form",
    "read_link",
    "record_provider_event",
    "record_provider_events",
    "sign_up",
    "signup_lists",
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
CONFIRM_TTL = timedelta(hours=48)
MAX_TOPICS = 20
# (rate per second, burst): 5 sign-ups an hour per client address, 3 a day per email address.
IP_LIMIT = (5 / 3600, 5)
ADDRESS_LIMIT = (3 / 86400, 3)
_EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]+@[^@\s<>\"'(),;:\\]+\.[^@\s<>\"'(),;:\\]+$")
_TOPIC = re.compile(r"^\w[\w &/+.-]{0,39}$")


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


class TooManySignUps(DigestError):
    def __init__(self, wait: float) -> None:
        super().__init__(f"too many sign-ups, next in {wait:.0f}s")
        self.wait = wait


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- links -------------------------------------------------------------------------------


def read_link(settings: Settings, token: str, purpose: str, now: datetime | None = None) -> links.LinkClaim:
    """The claim of a genuine, unexpired token for ``purpose``, issued to the subscriber who
    now has its id; else ``InvalidLink`` (forged, expired) or ``UnknownSubscriber`` (the
    subscriber it was issued to is gone, even if a newer one has the same id)."""
    key = settings.signing_key()
    claim = links.verify(key, token, purpose, _now(now))
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
    _name(change.name)
    _send_hour(change.send_hour)
    timezone = _timezone(change.timezone)
    topics = clean_topics(change.topics)
    with transaction(settings.database_url) as conn:
        sub = store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownSubscriber(f"no subscriber {subscriber_id}")
        chosen = _known_lists(conn, change.lists)
        sub.name, sub.topics, sub.frequency = _name(change.name), topics, frequency
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


def _name(value: str) -> str:
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


def _timezone(value: str) -> str:
    """A zone from what a reader typed or picked: "Kyiv", "Kyiv, Ukraine" or "Europe/Kyiv"."""
    typed = value.strip() or "UTC"
    name = resolve_zone(typed[:100])
    if name is None:
        problem = N_("unknown time zone “%(zone)s”: pick a city from the list, like Kyiv")
        raise InvalidInput("timezone", problem, zone=typed[:100])
    schedule.zone(name)
    return name


def _send_hour(value: int) -> int:
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


def _known_lists(conn: Connection, names: Iterable[str]) -> list[str]:
    existing = {name for name, _ in store.existing_lists(conn)}
    return sorted({name for name in names if name in existing})


# --- sign-up with double opt-in ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignUp:
    email: str
    name: str = ""
    timezone: str = "UTC"
    lists: tuple[str, ...] = field(default_factory=tuple)
    send_hour: int = 7


@dataclass(frozen=True, slots=True)
class SignupList:
    name: str
    title: str
    description: str
    main: bool  # ticked on the form: the first list that gets the daily digest


def signup_lists(settings: Settings) -> list[SignupList]:
    """The lists a visitor may sign up for, with what each brings."""
    with transaction(settings.database_url) as conn:
        described = store.list_descriptions(conn)
        lists = [(n, t) for n, t in store.existing_lists(conn) if "," not in n and ":" not in n]
        digests = set(subscriber_store.digest_lists(conn))
    main = next((n for n, _ in lists if n in digests), lists[0][0] if lists else None)
    return [SignupList(n, t, described.get(n, ""), n == main) for n, t in lists]


def normalize_email(value: str) -> str:
    address = value.strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidInput("email", N_("enter an email address like name@example.org"))
    return address


def sign_up(
    settings: Settings,
    form: SignUp,
    *,
    client: str,
    limiter: RateLimiter | None = None,
    now: datetime | None = None,
) -> None:
    """Record the sign-up as ``unconfirmed`` and email a confirmation link.

    Says nothing about whether the address was known: an active subscriber gets no email
    and no change, a past one gets a link that re-subscribes them once followed.
    """
    now = _now(now)
    email = normalize_email(form.email)
    name = _name(form.name)
    timezone = _timezone(form.timezone)
    _throttle(limiter or limiter_for(settings), client, email)
    with transaction(settings.database_url) as conn:
        chosen = [n for n in _known_lists(conn, form.lists) if "," not in n and ":" not in n]
        if not chosen:
            raise InvalidInput("lists", N_("choose at least one list"))
        existing = subscriber_store.find(conn, email=email)
        if subscriber_store.suppressed(conn, [email]) or (
            existing is not None and existing.status is SubscriberStatus.ACTIVE
        ):
            log.info("sign-up for a known or suppressed address: no email sent")
            return
        if existing is None or existing.status is SubscriberStatus.UNCONFIRMED:
            sub = Subscriber(
                email=email,
                name=name,
                timezone=timezone,
                send_hour=_send_hour(form.send_hour),
                lists=tuple(chosen),
                status=SubscriberStatus.UNCONFIRMED,
            )
            sub_id, _ = subscriber_store.save(conn, sub, now)
        else:
            sub_id = existing.id or 0  # unsubscribed: lists are joined when they confirm
        binding = store.link_binding(conn, sub_id)
    assert binding is not None
    _send_confirmation(settings, sub_id, email, name, chosen, now, binding[0])


def _throttle(limiter: RateLimiter, client: str, email: str) -> None:
    address_key = hashlib.sha256(email.encode()).hexdigest()[:32]
    limits = [(f"signup:ip:{client}", *IP_LIMIT), (f"signup:addr:{address_key}", *ADDRESS_LIMIT)]
    wait = wait_for_any(limiter, limits, purpose="sign-up")
    if wait > 0:
        raise TooManySignUps(wait)


def _send_confirmation(
    settings: Settings, sub_id: int, email: str, name: str, lists: Sequence[str], now: datetime, binding: str
) -> None:
    url = confirm_url(settings, sub_id, lists, now, binding)
    token = url.rsplit("/", 1)[1]
    with transaction(settings.database_url) as conn:  # recorded before it leaves: it works once
        confirmation_store.issue(conn, confirmation_store.hash_token(token), sub_id, now)
    hours = int(CONFIRM_TTL.total_seconds() // 3600)
    with transaction(settings.database_url) as conn:
        language = language_store.language_of(conn, lists[0]) if lists else "en"
    html = render_notice(settings, "web/confirm_email.html", language, url=url, hours=hours)
    newsroom = settings.newsroom_name
    text = (
        translate(language, "Please confirm your subscription to %(newsroom)s:", newsroom=newsroom)
        + f"\n\n{url}\n\n"
        + translate(
            language,
            "The link works for %(hours)s hours. If you did not sign up, "
            "ignore this email: you will get nothing else from us.",
            hours=hours,
        )
        + f"\n\n{settings.postal_address}\n"
    )
    send_notice(
        settings,
        Recipient(subscriber_id=sub_id, address=email, name=name),
        subject=translate(language, "Confirm your subscription to %(newsroom)s", newsroom=newsroom),
        preheader=translate(language, "One click to confirm"),
        html=html,
        text=text,
        category="signup",
    )
    log.info("confirmation sent to subscriber %s (%s)", sub_id, parseaddr(email)[1].rpartition("@")[2])


def expire_unconfirmed(settings: Settings, now: datetime, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete sign-ups not confirmed within ``older_than``; return how many."""
    with transaction(settings.database_url) as conn:
        deleted = store.delete_unconfirmed(conn, now - older_than)
    if deleted:
        log.info("expired %d unconfirmed sign-ups", deleted)
    return deleted


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
    now = _now(now)
    acted = 0
    with transaction(settings.database_url) as conn:
        for event in events:
            if event.event not in SUPPRESSING or not event.email or event.kind == "blocked":
                continue
            subscriber_store.suppress(conn, event.email, event.event, now)
            if event.event in UNSUBSCRIBING:
                sub = subscriber_store.find(conn, email=event.email) or subscriber_store.find(
                    conn, email=event.email.lower()
                )
                if sub is not None and sub.id is not None:
                    subscriber_store.set_status(conn, sub.id, SubscriberStatus.UNSUBSCRIBED)
                    confirmation_store.close_open(conn, sub.id, "unsubscribed", now)
            acted += 1
    return acted
