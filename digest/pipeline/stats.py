"""What an edition did, and what a list did over time: the figures editors see.

Every figure is a count of distinct recipients (a recipient is a subscriber on one channel),
except ``machine_clicks`` (requests). The README's "Edition figures" section says how each is
counted. Telegram has no delivery events: a message the Bot API accepted counts as delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from digest.config import Settings
from digest.machine_clicks import Click, classify
from digest.models import DeliveryState
from digest.store import clicks as click_store
from digest.store import edition_stories as story_store
from digest.store import events as event_store
from digest.store import reach
from digest.store import stats as ops_store
from digest.store.db import transaction
from digest.store.tables import editions, lists

__all__ = [
    "EMAIL_KEYS",
    "TELEGRAM_KEYS",
    "TREND_KEYS",
    "OpsFigures",
    "edition_stats",
    "engagement_lifts",
    "human_clicks",
    "list_trends",
    "ops_figures",
]

EMAIL_KEYS = (
    "recipients",
    "delivered",
    "bounced",
    "dropped",
    "deferred",
    "opened",
    "machine_opens",
    "clicked",
    "machine_clicks",
    "unsubscribed",
    "complaints",
)
TELEGRAM_KEYS = ("recipients", "delivered", "clicked", "machine_clicks")
UNSUBSCRIBE_EVENTS = ("unsubscribe", "group_unsubscribe")


@dataclass(slots=True)
class _Clicks:
    clickers: dict[str, set[int]] = field(default_factory=dict)  # channel -> human clickers
    machine: dict[str, int] = field(default_factory=dict)  # channel -> machine click requests
    by_story: dict[int, set[tuple[str, int]]] = field(default_factory=dict)  # item -> (channel, reader)


def human_clicks(stored: Sequence[click_store.StoredClick], links_in_edition: int) -> _Clicks:
    """One edition's clicks, judged together (``digest.machine_clicks.classify``)."""
    judged = classify(
        [
            Click(_recipient(c.subscriber_id, c.channel), f"{c.item_id}|{c.url}", c.at, c.machine_reason)
            for c in stored
        ],
        links_in_edition=links_in_edition,
    )
    out = _Clicks()
    for click, reason in zip(stored, judged, strict=True):
        if reason is not None:
            out.machine[click.channel] = out.machine.get(click.channel, 0) + 1
            continue
        out.clickers.setdefault(click.channel, set()).add(click.subscriber_id)
        if click.item_id:
            out.by_story.setdefault(click.item_id, set()).add((click.channel, click.subscriber_id))
    return out


def _recipient(subscriber_id: int, channel: str) -> int:
    return subscriber_id * 2 + (1 if channel == "telegram" else 0)


def edition_stats(settings: Settings, edition_id: int) -> dict[str, Any] | None:
    """The edition's figures as the stats API returns them, or None when it does not exist."""
    with transaction(settings.database_url) as conn:
        if conn.execute(select(editions.c.id).where(editions.c.id == edition_id)).first() is None:
            return None
        rows = reach.recipients(conn, [edition_id])
        readers = event_store.readers_by_event(conn, [edition_id])
        stories = story_store.shown(conn, edition_id)
        judged = human_clicks(click_store.for_editions(conn, [edition_id]), max(1, len(stories)))
    email = _email(rows.get((edition_id, "email"), {}), readers, judged)
    telegram = _telegram(rows.get((edition_id, "telegram"), {}), judged)
    totals = {key: email.get(key, 0) + telegram.get(key, 0) for key in EMAIL_KEYS}
    delivered = totals["delivered"]
    return {
        **totals,
        "by_channel": {"email": email, "telegram": telegram},
        "stories": [
            {
                "title": story.title,
                "url": story.url,
                "clicks": len(judged.by_story.get(story.item_id, ())),
                "click_rate": round(len(judged.by_story.get(story.item_id, ())) / delivered, 4)
                if delivered
                else 0.0,
            }
            for story in stories
        ],
    }


def _email(
    rows: dict[int, str], readers: dict[tuple[int, str, bool, str], set[int]], judged: _Clicks
) -> dict[str, int]:
    def who(*events: str, machine: bool | None = None, blocked: bool | None = None) -> set[int]:
        found: set[int] = set()
        for (_edition, event, is_machine, kind), ids in readers.items():
            if event not in events or (machine is not None and is_machine != machine):
                continue
            if blocked is None or (kind == "blocked") == blocked:
                found |= ids
        return found

    return {
        "recipients": len(rows),
        "delivered": len(who("delivered")),
        "bounced": len(who("bounce", blocked=False)),
        "dropped": len(who("dropped")),
        # SendGrid's "blocked" bounces are temporary refusals, retried like deferrals.
        "deferred": len(who("deferred") | who("bounce", blocked=True)),
        "opened": len(who("open", machine=False)),
        "machine_opens": len(who("open", machine=True) - who("open", machine=False)),
        "clicked": len(judged.clickers.get("email", ())),
        "machine_clicks": judged.machine.get("email", 0),
        "unsubscribed": len(who(*UNSUBSCRIBE_EVENTS)),
        "complaints": len(who("spamreport")),
    }


def _telegram(rows: dict[int, str], judged: _Clicks) -> dict[str, int]:
    return {
        "recipients": len(rows),
        "delivered": sum(1 for state in rows.values() if state == DeliveryState.SENT),
        "clicked": len(judged.clickers.get("telegram", ())),
        "machine_clicks": judged.machine.get("telegram", 0),
    }


TREND_KEYS = ("subscribers", "delivered", "clicked", "unsubscribed", "complaints")


def list_trends(
    settings: Settings, list_name: str, days: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One entry per edition of the list in the last ``days`` days, oldest first: its date,
    subscribers (recipients addressed), delivered, unique human clickers, unsubscribes, complaints."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        ids = _editions_since(conn, list_name, now - timedelta(days=days))
    out = []
    for edition_id, created in ids:
        figures = edition_stats(settings, edition_id)
        if figures is None:
            continue
        out.append(
            {
                "edition_id": edition_id,
                "date": f"{created:%Y-%m-%d}",
                "subscribers": figures["recipients"],
                "delivered": figures["delivered"],
                "clicked": figures["clicked"],
                "unsubscribed": figures["unsubscribed"],
                "complaints": figures["complaints"],
            }
        )
    return out


def _editions_since(conn: Connection, list_name: str, since: datetime) -> list[tuple[int, datetime]]:
    query = (
        select(editions.c.id, editions.c.created_at)
        .join(lists, lists.c.id == editions.c.list_id)
        .where(lists.c.name == list_name, editions.c.created_at >= since)
        .order_by(editions.c.created_at, editions.c.id)
    )
    return [(int(i), created) for i, created in conn.execute(query)]


def engagement_lifts(settings: Settings, now: datetime) -> dict[str, float]:
    """Click lifts for the ranking's engagement part (``digest.rank.engagement_factor``):
    for each section and source, unique human clicks per story shown in the last day's
    editions over the same for every story, pulled towards 1 by ``DIGEST_ENGAGEMENT_WEIGHT``.
    Empty when the weight is 0 or nobody clicked."""
    if settings.engagement_weight <= 0:
        return {}
    with transaction(settings.database_url) as conn:
        recent = select(editions.c.id).where(editions.c.created_at >= now - timedelta(days=1))
        edition_ids = [int(i) for i in conn.execute(recent.where(editions.c.created_at <= now)).scalars()]
        shown = {e: story_store.shown_with_source(conn, e) for e in edition_ids}
        stored = click_store.for_editions(conn, edition_ids)
    per_story: list[tuple[str, int, int]] = []  # (section, feed id, unique human clicks)
    for edition_id, stories in shown.items():
        judged = human_clicks([c for c in stored if c.edition_id == edition_id], max(1, len(stories)))
        per_story += [(s.section, feed, len(judged.by_story.get(s.item_id, ()))) for s, feed in stories]
    overall = sum(n for *_, n in per_story) / len(per_story) if per_story else 0.0
    if overall <= 0:
        return {}
    groups: dict[str, list[int]] = {}
    for section, feed, n in per_story:
        groups.setdefault(f"section:{section.casefold()}", []).append(n)
        groups.setdefault(f"source:{feed}", []).append(n)
    weight = settings.engagement_weight
    return {key: 1 + weight * (sum(ns) / len(ns) / overall - 1) for key, ns in groups.items()}


@dataclass(frozen=True, slots=True)
class OpsFigures:
    """What the operators' metrics show, read in one transaction at each scrape."""

    deliveries: dict[tuple[str, str], int]  # (state, channel) -> ledger rows
    retries: dict[str, int]  # channel -> attempts beyond the first
    statuses: dict[str, int]  # subscriber status -> subscribers
    suppressed: int
    failing_feeds: int


def ops_figures(settings: Settings) -> OpsFigures:
    with transaction(settings.database_url) as conn:
        return OpsFigures(
            deliveries=ops_store.deliveries_by_state(conn),
            retries=ops_store.delivery_retries(conn),
            statuses=ops_store.subscribers_by_status(conn),
            suppressed=ops_store.suppressed_count(conn),
            failing_feeds=ops_store.failing_feeds(conn),
        )
