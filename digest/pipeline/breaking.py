"""Breaking news: one short message to a list's chosen audiences, fast, once.

A breaking send is an edition of its own (slot ``breaking-…``) with one rendered variant —
a compact email (``templates/email/breaking.html``/``.txt``) and one Telegram message — and
ledger rows with manual semantics (period ``edition:<id>``), so exactly-once holds as for any
send. The audiences of a list are

- ``channel``: its Telegram channels and groups (chat ids ``@name`` or negative),
- ``bot``: its bot subscribers (private chats, positive ids),
- ``email``: its email subscribers not on the suppression list.

``send_breaking`` writes the channel rows first and hands them to ``dispatch`` before the
(maybe 100,000) other rows are written, so the channel post goes out while the rest is
planned; bot subscribers follow, then the emails in batches that grow from
``EMAIL_RAMP`` (10, 25) to ``BREAKING_EMAIL_BATCH``. Progress moves per recipient where the
channel answers per recipient (Telegram: one message each, each marked sent as it goes),
per batch for email (what SendGrid acknowledges): the small first batches move the bar
within the first second instead of after the first big request.
Rows are inserted with one ``INSERT … SELECT`` per audience.

The same story (an item's key, or the URL of one written by hand) goes to a list once: a
second attempt raises ``DuplicateBreaking`` unless the editor says ``again=True``. A unique
key on (list, story, repeat) holds even against two editors clicking at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, repeat
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from digest.config import Settings
from digest.errors import DigestError
from digest.i18n import translate
from digest.limits import TELEGRAM_MAX_LENGTH
from digest.models import Channel, RenderedEdition
from digest.pipeline.breaking_story import (
    BreakingNews,
    InvalidBreaking,
    latest_items,
    news_from_item,
    news_from_text,
)
from digest.pipeline.planning import SendPlan, UnknownList, open_batches, renderer_for
from digest.render import inline_css
from digest.render.html import escape, link, safe_href
from digest.render.personalize import defuse, new_nonce, seal, template_marks
from digest.render.telegram import truncate_html
from digest.store import audit as audit_store
from digest.store import breaking_sends as breaking_store
from digest.store import editions as edition_store
from digest.store import languages as language_store
from digest.store import ledger
from digest.store import stops as stop_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction

__all__ = [
    "AUDIENCES",
    "EMAIL_RAMP",
    "BreakingNews",
    "BreakingPreview",
    "BreakingSend",
    "DuplicateBreaking",
    "InvalidBreaking",
    "email_batch",
    "email_batch_sizes",
    "latest_items",
    "news_from_item",
    "news_from_text",
    "preview",
    "send_breaking",
    "stop",
]

log = logging.getLogger(__name__)

AUDIENCES = subscriber_store.AUDIENCES
AUDIENCE_TITLES = {
    "channel": "Telegram channels and groups",
    "bot": "Telegram bot subscribers",
    "email": "Email subscribers",
}
TOPICS_KEY = "breaking"
# Emails per SendGrid request of a breaking send: the ledger moves one batch at a time, so
# small batches let the progress bar move with the send instead of in 1,000-recipient jumps.
BREAKING_EMAIL_BATCH = 50
# The first email batches of a breaking send (then BREAKING_EMAIL_BATCH each): small, so the
# first acknowledged emails show on the progress bar at once.
EMAIL_RAMP = (10, 25)

Dispatch = Callable[[SendPlan], object]


class DuplicateBreaking(DigestError):
    """This story already went to this list; send it again only when the editor insists."""

    def __init__(self, list_name: str, earlier: Sequence[EarlierSend]) -> None:
        first = earlier[-1]
        super().__init__(
            f"this story was already sent to {list_name} (edition {first.edition_id}, "
            f"{first.at:%Y-%m-%d %H:%M} UTC, by {first.by}); confirm to send it again"
        )
        self.list_name = list_name
        self.earlier = list(earlier)


@dataclass(frozen=True, slots=True)
class EarlierSend:
    edition_id: int
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class BreakingPreview:
    news: BreakingNews
    list_name: str
    audiences: tuple[str, ...]
    counts: dict[str, int]  # audience -> recipients
    rendered: RenderedEdition
    earlier: list[EarlierSend] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class BreakingSend:
    edition_id: int
    list_name: str
    counts: dict[str, int]
    plans: list[SendPlan] = field(default_factory=list)  # in the order they were dispatched

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --- the story ----------------------------------------------------------------------------


# --- rendering ----------------------------------------------------------------------------


def render(settings: Settings, news: BreakingNews, list_name: str, now: datetime) -> RenderedEdition:
    """The compact email (HTML and text) and the one Telegram message."""
    renderer = renderer_for(settings)
    nonce = new_nonce()  # the story's text is data: only the template's marks become tags
    with transaction(settings.database_url) as conn:
        language = language_store.language_of(conn, list_name)
        title = dict(subscription_store.existing_lists(conn)).get(list_name, list_name)
    env = renderer.env_for(language)
    context: dict[str, Any] = {
        "branding": renderer.branding,
        "news": news,
        "list_name": list_name,
        "list_title": title,  # readers see titles, never machine names
        "subject": _one_line(translate(language, "Breaking: %(title)s", title=news.title)),
        "preheader": _one_line(news.summary or news.title)[:150],
        "href": safe_href,
        **template_marks(nonce),
    }
    html = env.get_template("email/breaking.html").render(context)
    text = env.get_template("email/breaking.txt").render(context)
    return RenderedEdition(
        subject=defuse(context["subject"], html=False),
        preheader=defuse(context["preheader"], html=False),
        html=seal(inline_css(html), nonce, html=True),
        text=seal(text, nonce, html=False),
        telegram=(defuse(telegram_message(news, language), html=True),),
        lead_url=safe_href(news.url),
        headlines=((news.title, news.url),),
        language=language,
        moment=now,  # each reader reads it in their own zone (-local_time-)
    )


def telegram_message(news: BreakingNews, language: str = "en") -> str:
    flag = escape(translate(language, "BREAKING"))
    parts = [f"🔴 <b>{flag}</b>", f"<b>{link(news.title, news.url)}</b>"]
    if news.summary:
        parts.append(escape(news.summary))
    if news.source:
        parts.append(f"<i>{escape(news.source)}</i>")
    return truncate_html("\n\n".join(parts), TELEGRAM_MAX_LENGTH)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- audiences ----------------------------------------------------------------------------


def _list(conn: Connection, list_name: str) -> int:
    list_pk = subscriber_store.list_id(conn, list_name)
    if list_pk is None:
        raise UnknownList(list_name)
    return int(list_pk)


def _audiences(chosen: Sequence[str]) -> tuple[str, ...]:
    picked = tuple(a for a in AUDIENCES if a in set(chosen))
    unknown = set(chosen) - set(AUDIENCES)
    if unknown:
        raise InvalidBreaking(f"unknown audience {sorted(unknown)[0]!r} (choose from {', '.join(AUDIENCES)})")
    if not picked:
        raise InvalidBreaking("choose at least one audience")
    return picked


def _earlier(conn: Connection, list_pk: int, key: str) -> list[EarlierSend]:
    return [EarlierSend(ed, at, by) for _, ed, at, by in breaking_store.breaking_repeats(conn, list_pk, key)]


# --- preview, send, stop ------------------------------------------------------------------


def preview(
    settings: Settings, news: BreakingNews, list_name: str, audiences: Sequence[str] = AUDIENCES
) -> BreakingPreview:
    """Exactly what would be sent, to how many per audience, and whether it went out before."""
    chosen = _audiences(audiences)
    with transaction(settings.database_url) as conn:
        list_pk = _list(conn, list_name)
        counts = subscriber_store.audience_counts(conn, list_pk, chosen)
        earlier = _earlier(conn, list_pk, news.key)
    rendered = render(settings, news, list_name, datetime.now(UTC))
    return BreakingPreview(news, list_name, chosen, counts, rendered, earlier)


def send_breaking(
    settings: Settings,
    news: BreakingNews,
    list_name: str,
    dispatch: Dispatch,
    *,
    actor: str,
    audiences: Sequence[str] = AUDIENCES,
    again: bool = False,
) -> BreakingSend:
    """Plan the breaking edition and hand its batches to ``dispatch``: channel posts first,
    then bot subscribers, then email (in small batches, so progress moves steadily). Raises
    ``DuplicateBreaking`` for a story already sent to this list unless ``again``."""
    chosen = _audiences(audiences)
    now = datetime.now(UTC)
    rendered = render(settings, news, list_name, now)
    with transaction(settings.database_url) as conn:
        list_pk = _list(conn, list_name)
        edition_id, variant_id = _create_edition(conn, list_pk, list_name, news, rendered, actor, again, now)
        counts: dict[str, int] = {}
        if "channel" in chosen:
            counts["channel"] = ledger.add_audience(conn, list_pk, "channel", edition_id, variant_id, now)
    sent = BreakingSend(edition_id, list_name, counts)
    if counts.get("channel"):
        sent.plans.append(_dispatch(settings, dispatch, sent, [str(Channel.TELEGRAM)]))
    # Telegram is fast and one message per chat: bot subscribers go before the emails.
    for audience, channel in (("bot", Channel.TELEGRAM), ("email", Channel.EMAIL)):
        if audience not in chosen:
            continue
        with transaction(settings.database_url) as conn:
            counts[audience] = ledger.add_audience(conn, list_pk, audience, edition_id, variant_id, now)
            if audience == "email":  # so the edition page can say how many the list held back
                suppression_store.add_suppressed_members(conn, list_pk, edition_id)
        done = {i for plan in sent.plans for _, ids in plan.batches for i in ids}
        if counts[audience]:
            sent.plans.append(_dispatch(settings, dispatch, sent, [str(channel)], done))
    log.info(
        "breaking edition %s to %s by %s: %s",
        edition_id,
        list_name,
        actor,
        ", ".join(f"{a} {n}" for a, n in counts.items()),
        extra={"edition": edition_id, "counts": counts},
    )
    return sent


def _create_edition(
    conn: Connection,
    list_pk: int,
    list_name: str,
    news: BreakingNews,
    rendered: RenderedEdition,
    actor: str,
    again: bool,
    now: datetime,
) -> tuple[int, int]:
    earlier = _earlier(conn, list_pk, news.key)
    if earlier and not again:
        raise DuplicateBreaking(list_name, earlier)
    repeat = len(earlier)
    slot = f"breaking-{uuid.uuid4().hex[:16]}"
    edition_id, _ = edition_store.get_or_create(
        conn, list_pk, slot, _one_line(f"Breaking: {news.title}")[:300], now
    )
    variant_id = edition_store.save_variant(conn, edition_id, TOPICS_KEY, rendered)
    if news.item_id is not None:
        edition_store.record_items(conn, edition_id, [news.item_id])
    row = {
        "list_id": list_pk,
        "item_key": news.key,
        "repeat": repeat,
        "edition_id": edition_id,
        "title": news.title,
        "url": news.url,
        "created_by": actor,
        "created_at": now,
    }
    try:
        with conn.begin_nested():
            breaking_store.add_breaking(conn, row)
    except IntegrityError:
        # Another editor sent the same story a moment ago.
        raise DuplicateBreaking(list_name, _earlier(conn, list_pk, news.key)) from None
    details = {"edition": edition_id, "title": news.title, "url": news.url, "repeat": repeat}
    audit_store.audit(conn, actor, "breaking.send", list_name, details, now)
    return edition_id, variant_id


def email_batch(settings: Settings) -> int:
    """Emails per send batch of a breaking send (and of a resumed or retried one)."""
    return min(settings.email_batch, BREAKING_EMAIL_BATCH)


def _dispatch(
    settings: Settings,
    dispatch: Dispatch,
    sent: BreakingSend,
    channels: list[str],
    skip: Collection[int] = frozenset(),
) -> SendPlan:
    sizes = email_batch_sizes(email_batch(settings))
    batches = open_batches(settings, sent.edition_id, channels, email_sizes=sizes, skip=skip)
    plan = SendPlan(sent.list_name, sent.edition_id, batches=batches)
    plan.recipients = plan.deliveries
    dispatch(plan)
    return plan


def email_batch_sizes(largest: int) -> Iterator[int]:
    """10, 25, then ``largest`` for ever (none above ``largest``)."""
    return chain((min(n, largest) for n in EMAIL_RAMP), repeat(largest))


def stop(settings: Settings, edition_id: int, actor: str) -> int:
    """Stop an edition: rows not yet handed to a provider are failed "stopped by <actor>".

    Send tasks already running finish the batch they hold; every later claim sees the flag.
    """
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if edition_store.info(conn, edition_id) is None:
            raise InvalidBreaking(f"no edition {edition_id}")
        stopped = stop_store.stop(conn, edition_id, actor, now)
        audit_store.audit(conn, actor, "edition.stop", str(edition_id), {"stopped": stopped}, now)
    log.warning("edition %s stopped by %s: %d deliveries cancelled", edition_id, actor, stopped)
    return stopped
