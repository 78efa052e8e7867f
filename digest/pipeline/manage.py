"""'Manage your subscription' for a reader who has no email of ours at hand.

A web view or an archive page carries nobody's links, so its "Unsubscribe" leads here: the
reader gives an address, and that address (only) is mailed its own signed links. The answer
is the same whether the address is known, so the form tells nobody who subscribes.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from digest import links
from digest.config import Settings
from digest.i18n import translate
from digest.models import Recipient, SubscriberStatus
from digest.pipeline.notices import notice_environment, render_notice, send_notice
from digest.pipeline.signup import TooManySignUps, normalize_email
from digest.ratelimit import RateLimiter, limiter_for, wait_for_any
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.db import transaction

__all__ = ["send_own_links"]

log = logging.getLogger(__name__)

IP_LIMIT = (10 / 3600, 10)
ADDRESS_LIMIT = (3 / 86400, 3)


def send_own_links(
    settings: Settings,
    email: str,
    *,
    client: str,
    limiter: RateLimiter | None = None,
    now: datetime | None = None,
) -> None:
    """Mail a subscriber their preferences and unsubscribe links; silent for unknown addresses."""
    now = now or datetime.now(UTC)
    address = normalize_email(email)
    _throttle(limiter or limiter_for(settings), client, address)
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email=address)
        titles = dict(subscription_store.existing_lists(conn))
        language = language_store.language_of(conn, sub.lists[0]) if sub and sub.lists else "en"
        bound = subscription_store.link_binding(conn, sub.id) if sub and sub.id is not None else None
    if sub is None or sub.id is None or sub.status is not SubscriberStatus.ACTIVE or not sub.lists:
        log.info("links asked for an address with no active subscription: no email sent")
        return
    key, public = settings.signing_key(), settings.public_url
    first = sub.lists[0]
    binding = bound[0] if bound else ""  # links that verify for this reader only
    rows = [(titles.get(n, n), links.unsubscribe_url(public, key, sub.id, n, binding)) for n in sub.lists]
    preferences = links.preferences_url(public, key, sub.id, first, now, binding)
    context = {
        "newsroom": settings.newsroom_name,
        "postal_address": settings.postal_address,
        "preferences_url": preferences,
        "lists": rows,
    }
    send_notice(
        settings,
        Recipient(subscriber_id=sub.id, address=address, name=sub.name),
        subject=translate(language, "Your %(newsroom)s subscription", newsroom=settings.newsroom_name),
        preheader=translate(language, "Your preferences and unsubscribe links"),
        html=render_notice(settings, "web/links_email.html", language, **context),
        text=notice_environment(settings.templates_dir, language)
        .get_template("web/links_email.txt")
        .render(context),
        category="links",
    )
    log.info("subscription links sent to subscriber %s", sub.id)


def _throttle(limiter: RateLimiter, client: str, email: str) -> None:
    address_key = hashlib.sha256(email.encode()).hexdigest()[:32]
    limits = [(f"links:ip:{client}", *IP_LIMIT), (f"links:addr:{address_key}", *ADDRESS_LIMIT)]
    wait = wait_for_any(limiter, limits, purpose="subscription links")
    if wait > 0:
        raise TooManySignUps(wait)
