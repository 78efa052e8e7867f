"""Sunsetting (off unless ``DIGEST_SUNSET_EDITIONS`` is set): a list that stays healthy.

Readers with no human open and no human click in their last N emailed editions get one
"still want this?" email with a keep link. Whoever does not answer within
``DIGEST_SUNSET_DAYS`` becomes ``inactive``: not sent to, not deleted, shown and exported
with that status, and active again on any later click through our links, a human open, or
the keep link. Machine opens and machine clicks (``digest.machine_clicks``) never count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest import links
from digest.config import Settings
from digest.i18n import translate
from digest.models import Recipient, SubscriberStatus
from digest.pipeline.notices import render_notice, send_notice
from digest.pipeline.subscriptions import InvalidLink
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store import sunset as store
from digest.store.db import transaction

__all__ = ["PURPOSE", "SunsetResult", "keep", "keep_url", "run"]

log = logging.getLogger(__name__)
PURPOSE = "keep"


@dataclass(frozen=True, slots=True)
class SunsetResult:
    asked: int = 0
    inactive: int = 0


def keep_url(settings: Settings, subscriber_id: int) -> str:
    token = links.sign(settings.signing_key(), links.LinkClaim(subscriber_id, "", PURPOSE, 0))
    return f"{settings.public_url}/keep/{token}"


def run(settings: Settings, now: datetime | None = None) -> SunsetResult:
    """Ask the quiet readers once; make those who did not answer in time inactive."""
    if not settings.sunset_editions:
        return SunsetResult()
    now = now or datetime.now(UTC)
    deadline = now - timedelta(days=settings.sunset_days)
    with transaction(settings.database_url) as conn:
        quiet = store.quiet_readers(conn, settings.sunset_editions)
        waiting = store.asked(conn)
    overdue = [r for r in waiting if r.status == SubscriberStatus.ACTIVE and _when(r.asked_at) <= deadline]
    with transaction(settings.database_url) as conn:
        for reader in overdue:
            subscriber_store.set_status(conn, reader.id, SubscriberStatus.INACTIVE)
    # Someone who answered is asked again only when editions sent after the answer went unread.
    to_ask = [r for r in quiet if r.asked_at is None and r.email and not _answered_since(r)]
    for reader in to_ask:
        _ask(settings, reader, now)
    if to_ask or overdue:
        log.info("sunsetting: asked %d readers, %d became inactive", len(to_ask), len(overdue))
    return SunsetResult(asked=len(to_ask), inactive=len(overdue))


def keep(settings: Settings, token: str, now: datetime | None = None) -> int:
    """The keep link: the reader stays (or becomes active again); their subscriber id."""
    claim = links.verify(settings.signing_key(), token, PURPOSE, datetime.now(UTC))
    if claim is None:
        raise InvalidLink()
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if not store.engaged(conn, [claim.subscriber_id], now):
            store.set_asked(conn, claim.subscriber_id, None, kept=now)
    return claim.subscriber_id


def _answered_since(reader: store.Reader) -> bool:
    if reader.kept_at is None or reader.quiet_since is None:
        return False
    quiet_since = reader.quiet_since if reader.quiet_since.tzinfo else reader.quiet_since.replace(tzinfo=UTC)
    return _when(reader.kept_at) >= quiet_since


def _when(stamp: str | None) -> datetime:
    moment = datetime.fromisoformat(stamp) if stamp else datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ask(settings: Settings, reader: store.Reader, now: datetime) -> None:
    """One "still want this?" email, in the language of the reader's list; recorded first,
    so a crash never asks twice."""
    with transaction(settings.database_url) as conn:
        store.set_asked(conn, reader.id, now)
        sub = subscription_store.by_id(conn, reader.id)
        language = language_store.language_of(conn, sub.lists[0]) if sub and sub.lists else "en"
    url = keep_url(settings, reader.id)
    newsroom, days = settings.newsroom_name, settings.sunset_days
    html = render_notice(settings, "web/keep_email.html", language, url=url, days=days)
    text = (
        translate(language, "Do you still want %(newsroom)s? Keep it with one click:", newsroom=newsroom)
        + f"\n\n{url}\n\n"
        + translate(
            language,
            "If we do not hear from you within %(days)s days, we stop sending. "
            "Nothing is deleted: any click on one of our links brings it back.",
            days=days,
        )
        + f"\n\n{settings.postal_address}\n"
    )
    send_notice(
        settings,
        Recipient(subscriber_id=reader.id, address=reader.email, name=reader.name),
        subject=translate(language, "Do you still want %(newsroom)s?", newsroom=newsroom),
        preheader=translate(language, "One click keeps it"),
        html=html,
        text=text,
        category="sunset",
    )
