"""The story of a breaking send: one of the collected items, or one an editor writes by hand.

``key`` says what "the same story" is (an item's key, or a digest of the link of a written
one), so a story goes to a list once (``digest.pipeline.breaking``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest.config import Settings
from digest.errors import DigestError
from digest.models import Item
from digest.render.html import safe_href
from digest.store import items as item_store
from digest.store.db import transaction

__all__ = [
    "SUMMARY_MAX",
    "TITLE_MAX",
    "BreakingNews",
    "InvalidBreaking",
    "latest_items",
    "news_from_item",
    "news_from_text",
]

TITLE_MAX = 300
SUMMARY_MAX = 600


class InvalidBreaking(DigestError):
    """The story or the audience cannot be sent (no title, a bad link, an unknown item …)."""


@dataclass(frozen=True, slots=True)
class BreakingNews:
    title: str
    url: str
    summary: str = ""
    source: str = ""
    item_id: int | None = None
    key: str = ""  # what "the same story" means: the item's key or "url:<digest>"


def news_from_text(title: str, url: str, summary: str = "", source: str = "") -> BreakingNews:
    """A story written by hand: a headline, an http(s) link and an optional summary."""
    title = " ".join(title.split())
    if not title:
        raise InvalidBreaking("write a headline")
    if len(title) > TITLE_MAX:
        raise InvalidBreaking(f"the headline is longer than {TITLE_MAX} characters")
    href = safe_href(url)
    if href is None:
        raise InvalidBreaking("the link must be a full http:// or https:// address")
    summary = " ".join(summary.split())
    if len(summary) > SUMMARY_MAX:
        raise InvalidBreaking(f"the summary is longer than {SUMMARY_MAX} characters")
    key = "url:" + hashlib.sha256(href.lower().rstrip("/").encode()).hexdigest()[:40]
    return BreakingNews(title, href, summary, " ".join(source.split())[:200], None, key)


def news_from_item(settings: Settings, item_id: int) -> BreakingNews:
    """One of the collected items, as breaking news."""
    with transaction(settings.database_url) as conn:
        item = item_store.by_id(conn, item_id)
    if item is None:
        raise InvalidBreaking(f"no item {item_id}")
    summary = " ".join(item.summary_text.split())
    if len(summary) > SUMMARY_MAX:
        summary = summary[:SUMMARY_MAX].rsplit(" ", 1)[0] + "…"
    return BreakingNews(item.title[:TITLE_MAX], item.url, summary, item.source, item.id, item.key)


def latest_items(settings: Settings, text: str = "", hours: int = 48, limit: int = 30) -> list[Item]:
    """The items of the last ``hours``, newest first; those whose headline, summary or source
    contains every word of ``text`` when one is given."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    with transaction(settings.database_url) as conn:
        found = item_store.recent(conn, since)
    words = text.lower().split()
    if words:
        found = [i for i in found if all(w in _searchable(i) for w in words)]
    return found[:limit]


def _searchable(item: Item) -> str:
    return f"{item.title} {item.summary_text} {item.source}".lower()
