"""plan_send: decide who gets which edition now, render each variant once, fill the ledger.

Planning is idempotent: running it twice (beat ticking twice, two workers, a retry)
finds the same edition by its slot and adds no ledger row twice, because the ledger
is unique per (edition, recipient, channel) and per (list, recipient, channel, period).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from digest import schedule
from digest.compose import ComposeOptions, Pool, compose_edition, prepare
from digest.config import Settings
from digest.editorial import EditorAction, active_actions
from digest.errors import DigestError
from digest.models import Channel, EditorsWords, Item, Subscriber
from digest.pipeline import editors_words
from digest.pipeline.stand_ins import for_anyone
from digest.pipeline.stats import engagement_lifts
from digest.render import Branding, Renderer
from digest.store import edition_stories as story_store
from digest.store import editions as edition_store
from digest.store import editorial as editorial_store
from digest.store import items as item_store
from digest.store import languages as language_store
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from digest.tracking import LinkTracker

log = logging.getLogger(__name__)

PAGE = 5000
TELEGRAM_BATCH = 50


class UnknownList(DigestError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no list named {name!r} (see `digest lists`)")


class BreakingOnlyList(DigestError):
    """The list gets breaking news only, never the full digest."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name!r} is a breaking-news list: it gets no digest. "
            f"Send it one story with `digest breaking --list {name} …`"
        )
        self.name = name


@dataclass(slots=True)
class SendPlan:
    list_name: str
    edition_id: int | None = None
    batches: list[tuple[str, list[int]]] = field(default_factory=list)  # (channel, delivery ids)
    recipients: int = 0
    skipped: int = 0  # due but nothing new for them

    @property
    def deliveries(self) -> int:
        return sum(len(ids) for _, ids in self.batches)


@dataclass(slots=True)
class _Context:
    """What one planning run shares across pages: the edition, its variants, the items."""

    settings: Settings
    list_pk: int
    list_name: str
    list_title: str
    now: datetime
    manual: bool
    ignore_hour: bool
    items: list[Item]
    options: ComposeOptions
    actions: dict[str, EditorAction]  # editor actions in force, by item key
    words: EditorsWords  # what an editor wrote for the list's next editions
    language: str = "en"  # the list's: what its editions speak
    edition_id: int | None = None
    pool: Pool | None = None  # the items clustered into stories, once per edition, when first needed
    variants: dict[str, int | None] = field(default_factory=dict)
    # (subscriber, period) of the due readers whose email the suppression list held back:
    # recorded once the run is over, as the edition may only exist after their page.
    suppressed: list[tuple[int, str]] = field(default_factory=list)


def plan_every_list(settings: Settings, *, ignore_hour: bool = False) -> Iterator[SendPlan]:
    """The tick (and ``digest run``'s cycle): a plan for each list with a scheduled digest, one
    after the other, so each can be queued before the next list is planned."""
    with transaction(settings.database_url) as conn:
        names = subscriber_store.digest_lists(conn)
    for name in names:
        yield plan_send(name, settings, ignore_hour=ignore_hour)


def plan_send(
    list_name: str,
    settings: Settings,
    *,
    now: datetime | None = None,
    manual: bool = False,
    ignore_hour: bool = False,
) -> SendPlan:
    """Build (or find) this slot's edition of the list and add a ledger row per due recipient."""
    now = now or datetime.now(UTC)
    ctx = _context(list_name, settings, now, manual=manual, ignore_hour=ignore_hour)
    plan = SendPlan(list_name)
    for page in _pages(settings.database_url, ctx.list_pk):
        with transaction(settings.database_url) as conn:
            added, skipped = _plan_page(conn, ctx, page)
        plan.recipients += added
        plan.skipped += skipped
    plan.edition_id = ctx.edition_id
    if ctx.edition_id is not None:
        _record_suppressed(settings, ctx, ctx.edition_id)
        plan.batches = open_batches(settings, ctx.edition_id)
    return plan


def _record_suppressed(settings: Settings, ctx: _Context, edition_id: int) -> None:
    if not ctx.suppressed:
        return
    rows = [
        {
            "edition_id": edition_id,
            "list_id": ctx.list_pk,
            "subscriber_id": subscriber_id,
            "channel": str(Channel.EMAIL),
            "period": f"edition:{edition_id}" if period == "manual" else period,
        }
        for subscriber_id, period in ctx.suppressed
    ]
    with transaction(settings.database_url) as conn:
        suppression_store.record_suppressed(conn, rows)


def _context(
    list_name: str, settings: Settings, now: datetime, *, manual: bool, ignore_hour: bool
) -> _Context:
    with transaction(settings.database_url) as conn:
        found = [row for row in subscriber_store.all_lists(conn) if row[1] == list_name]
        if not found:
            raise UnknownList(list_name)
        if list_name not in subscriber_store.digest_lists(conn):
            raise BreakingOnlyList(list_name)
        since = now - timedelta(hours=settings.max_age_hours)
        items = item_store.recent(conn, since)
        layout = editorial_store.layout(conn, list_name)
        actions = active_actions(editorial_store.actions(conn, now=now), list_name=list_name, now=now)
        list_pk, _, title, _ = found[0]
        words = editors_words.words_in_force(conn, list_pk, now)
        language = language_store.language_of(conn, list_name)
    options = ComposeOptions.from_settings(settings, layout).with_engagement(engagement_lifts(settings, now))
    return _Context(
        settings,
        list_pk,
        list_name,
        title,
        now,
        manual,
        ignore_hour,
        items,
        options,
        actions,
        words,
        language,
    )


def _pages(database_url: str, list_pk: int) -> Iterator[list[Subscriber]]:
    after = 0
    while True:
        with transaction(database_url) as conn:
            page = subscriber_store.members_page(conn, list_pk, after=after, limit=PAGE)
        if not page:
            return
        yield page
        after = page[-1].id or 0


def _plan_page(conn: Connection, ctx: _Context, page: list[Subscriber]) -> tuple[int, int]:
    due = [(sub, p) for sub in page if (p := _period(ctx, sub)) is not None]
    if not due:
        return 0, 0
    ids = [sub.id or 0 for sub, _ in due]
    taken = ledger.periods_taken(conn, ctx.list_pk, ids, [p for _, p in due if p != "manual"])
    previous = ledger.latest_editions(conn, ctx.list_pk, ids)
    suppressed = suppression_store.suppressed(conn, [sub.email for sub, _ in due if sub.email])
    rows: list[dict[str, Any]] = []
    skipped = 0
    for sub, period in due:
        wanted = [(ch, addr) for ch, addr in _addresses(sub, suppressed) if (sub.id, ch, period) not in taken]
        held_back = bool(sub.email) and (sub.email or "").lower() in suppressed  # counted, not sent
        if not wanted:
            if held_back:
                ctx.suppressed.append((sub.id or 0, period))
            continue
        variant_id = _variant(conn, ctx, sub, previous.get(sub.id or 0))
        if variant_id is None:
            skipped += 1
            continue
        if held_back:
            ctx.suppressed.append((sub.id or 0, period))
        assert ctx.edition_id is not None
        final_period = f"edition:{ctx.edition_id}" if period == "manual" else period
        rows += [_row(ctx, sub, ch, addr, variant_id, final_period) for ch, addr in wanted]
    return ledger.add(conn, rows), skipped


def _period(ctx: _Context, sub: Subscriber) -> str | None:
    if ctx.manual:
        return "manual"
    return schedule.period(sub, ctx.now, ignore_hour=ctx.ignore_hour)


def _addresses(sub: Subscriber, suppressed: set[str]) -> list[tuple[str, str]]:
    out = []
    if sub.email and sub.email.lower() not in suppressed:
        out.append((str(Channel.EMAIL), sub.email))
    if sub.telegram_chat_id:
        out.append((str(Channel.TELEGRAM), sub.telegram_chat_id))
    return out


def _row(
    ctx: _Context, sub: Subscriber, channel: str, address: str, variant_id: int, period: str
) -> dict[str, Any]:
    return {
        "edition_id": ctx.edition_id,
        "list_id": ctx.list_pk,
        "subscriber_id": sub.id,
        "channel": channel,
        "address": address,
        "variant_id": variant_id,
        "period": period,
        "state": "pending",
        "attempts": 0,
        "parts_sent": 0,
        "updated_at": ctx.now,
    }


def _variant(conn: Connection, ctx: _Context, sub: Subscriber, previous: int | None) -> int | None:
    """The rendered variant for this subscriber's topics and previous edition (rendered once)."""
    key = _variant_key(sub.topics, previous)
    if key not in ctx.variants:
        ctx.variants[key] = _render_variant(conn, ctx, key, sub.topics, previous)
    return ctx.variants[key]


@functools.lru_cache(maxsize=4096)
def _variant_key(topics: tuple[str, ...], previous: int | None) -> str:
    """Cached: a million subscribers share a few dozen keys."""
    return f"{','.join(sorted(t.lower() for t in topics))}|after={previous or 0}"


def _render_variant(
    conn: Connection, ctx: _Context, key: str, topics: tuple[str, ...], previous: int | None
) -> int | None:
    sent = editorial_store.sent_items(conn, [previous] if previous else [])
    if ctx.pool is None:
        ctx.pool = prepare(ctx.items, now=ctx.now, options=ctx.options)
    title = ctx.list_title
    content = compose_edition(
        ctx.pool,
        list_name=ctx.list_name,
        title=title,
        now=ctx.now,
        options=ctx.options,
        topics=topics,
        exclude_keys=sent.unchanged,
        updated_keys=sent.changed,
        actions=ctx.actions,
    )
    if not content.stories:
        log.info("nothing new for variant %s of list %s", key, ctx.list_name)
        return None
    content.words = ctx.words
    content.language = ctx.language
    if ctx.edition_id is None:
        slot = f"manual-{uuid.uuid4().hex[:12]}" if ctx.manual else ctx.now.strftime("%Y-%m-%dT%H")
        ctx.edition_id, _ = edition_store.get_or_create(conn, ctx.list_pk, slot, title, ctx.now)
    existing = edition_store.variant_id(conn, ctx.edition_id, key)
    if existing is not None:
        return existing
    web_url = f"{ctx.settings.public_url}/editions/{ctx.edition_id}"
    rendered = renderer_for(ctx.settings).render(content, edition_id=ctx.edition_id, web_url=web_url)
    variant_pk = edition_store.save_variant(conn, ctx.edition_id, key, rendered)
    # What this variant's readers have now had: what it shows, plus what they had before that
    # is still fresh, so a story that grew comes back once, not again in the next edition.
    shown = [i.id for s in content.stories for i in s.items if i.id]
    had = [i.id for group in ctx.pool.clusters for i in group if i.key in sent.all and i.id]
    edition_store.record_items(conn, ctx.edition_id, shown + had)
    story_store.record(conn, ctx.edition_id, [s.lead.id for s in content.stories if s.lead.id])
    _write_web_view(ctx.settings, ctx.edition_id, key, rendered.html)
    return variant_pk


def _write_web_view(settings: Settings, edition_id: int, key: str, html: str) -> None:
    """The 'view in browser' page: the variant for readers without topic choices,
    with neutral values where each email has its reader's own links."""
    if not key.startswith("|"):
        return
    html = for_anyone(settings, html)
    folder = Path(settings.outbox_dir).parent / "editions"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{edition_id}.html"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)


@functools.cache  # settings are frozen, so they are a key
def renderer_for(settings: Settings) -> Renderer:
    """One renderer (and so one compiled Jinja environment) per settings."""
    tracker = LinkTracker(settings.public_url, settings.signing_key()) if settings.track_clicks else None
    return Renderer(Branding.from_settings(settings), settings.templates_dir, tracker)


def open_batches(
    settings: Settings,
    edition_id: int,
    channels: Sequence[str] = (str(Channel.EMAIL), str(Channel.TELEGRAM)),
    *,
    email_sizes: Iterator[int] | None = None,
    skip: Collection[int] = frozenset(),
) -> list[tuple[str, list[int]]]:
    """The edition's unsent rows, channel by channel in the given order, cut into send batches
    of one variant each (emails in batches of the sizes ``email_sizes`` yields, else
    ``DIGEST_EMAIL_BATCH`` each); rows in ``skip`` were handed out already."""
    sizes = {
        str(Channel.EMAIL): email_sizes or repeat(settings.email_batch),
        str(Channel.TELEGRAM): repeat(TELEGRAM_BATCH),
    }
    batches: list[tuple[str, list[int]]] = []
    with transaction(settings.database_url) as conn:
        for channel in channels:
            current: list[int] = []
            current_variant, size = None, next(sizes[channel])
            for delivery_id, variant_id in ledger.open_ids(conn, edition_id, channel):
                if delivery_id in skip:
                    continue
                if current and (len(current) >= size or variant_id != current_variant):
                    batches.append((channel, current))
                    current, size = [], next(sizes[channel])
                current.append(delivery_id)
                current_variant = variant_id
            if current:
                batches.append((channel, current))
    return batches
