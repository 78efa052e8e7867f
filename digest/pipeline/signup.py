"""Sign-up with double opt-in: the form's lists, the sign-up recorded ``unconfirmed``, and the
confirmation email (its link is ``digest.pipeline.subscriptions.confirm_url``; following it is
``digest.pipeline.confirming``). Sign-up answers the same way whether or not the address is
known: only the mailbox owner learns anything, by email.

Errors (all ``DigestError``)::

    TooManySignUps      the address or the client signed up too often (.wait seconds)
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from digest.config import Settings
from digest.errors import DigestError
from digest.i18n import N_, translate
from digest.models import Recipient, Subscriber, SubscriberStatus
from digest.pipeline.clock import now_or_utc
from digest.pipeline.notices import render_notice, send_notice
from digest.pipeline.subscriptions import (
    CONFIRM_TTL,
    InvalidInput,
    check_name,
    check_send_hour,
    check_timezone,
    confirm_url,
    known_lists,
)
from digest.ratelimit import RateLimiter, limiter_for, wait_for_any
from digest.store import confirmations as confirmation_store
from digest.store import consents as consent_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction

__all__ = [
    "SignUp",
    "SignupList",
    "TooManySignUps",
    "expire_unconfirmed",
    "normalize_email",
    "sign_up",
    "signup_lists",
]

log = logging.getLogger(__name__)

# (rate per second, burst): 5 sign-ups an hour per client address, 3 a day per email address.
IP_LIMIT = (5 / 3600, 5)
ADDRESS_LIMIT = (3 / 86400, 3)
_EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\]+@[^@\s<>\"'(),;:\\]+\.[^@\s<>\"'(),;:\\]+$")


class TooManySignUps(DigestError):
    def __init__(self, wait: float) -> None:
        super().__init__(f"too many sign-ups, next in {wait:.0f}s")
        self.wait = wait


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
    now = now_or_utc(now)
    email = normalize_email(form.email)
    name = check_name(form.name)
    timezone = check_timezone(form.timezone)
    _throttle(limiter or limiter_for(settings), client, email)
    with transaction(settings.database_url) as conn:
        chosen = [n for n in known_lists(conn, form.lists) if "," not in n and ":" not in n]
        if not chosen:
            raise InvalidInput("lists", N_("choose at least one list"))
        existing = subscriber_store.find(conn, email=email)
        if suppression_store.suppressed(conn, [email]) or (
            existing is not None and existing.status is SubscriberStatus.ACTIVE
        ):
            log.info("sign-up for a known or suppressed address: no email sent")
            return
        if existing is None or existing.status is SubscriberStatus.UNCONFIRMED:
            sub = Subscriber(
                email=email,
                name=name,
                timezone=timezone,
                send_hour=check_send_hour(form.send_hour),
                lists=tuple(chosen),
                status=SubscriberStatus.UNCONFIRMED,
            )
            sub_id, _ = subscriber_store.save(conn, sub, now)
            consent_store.record(conn, sub_id, "web form", now)
        else:
            sub_id = existing.id or 0  # unsubscribed: lists are joined when they confirm
            consent_store.record(conn, sub_id, "web form", now)
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
