from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.models import FeedSpec, Item, Subscriber
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


TOPICS = [
    "Parliament approves winter energy budget",
    "Drone factory opens near Lviv",
    "Grain corridor ships reach Istanbul",
    "Opera premiere lit by generators",
    "Football club wins cup final in Kharkiv",
    "Railway restores night trains to Odesa",
    "Scientists map Dnipro river pollution",
    "Teachers strike over unpaid wages",
]


def news_item(feed_id: int, n: int, *, hours_ago: float = 1.0, title: str = "") -> Item:
    return Item(
        key=f"k{feed_id}-{n}",
        feed_id=feed_id,
        source="",
        url=f"https://news{feed_id}.example/{n}",
        title=title or TOPICS[n % len(TOPICS)],
        summary_text="A summary.",
        published=NOW - timedelta(hours=hours_ago),
        section="news",
    )


class World:
    """A database with one feed and helpers to add items and subscribers."""

    def __init__(self, url: str) -> None:
        self.url = url
        with transaction(url) as conn:
            feed, _ = feed_store.add(conn, FeedSpec("https://news1.example/rss", "News One"), NOW)
        self.feed_id = feed.id
        self.count = 0

    def add_items(self, n: int, *, now: datetime = NOW) -> None:
        found = [news_item(self.feed_id, self.count + i, hours_ago=1) for i in range(n)]
        for item in found:
            item.published = now - timedelta(hours=1)
        self.count += n
        with transaction(self.url) as conn:
            item_store.save(conn, found, now)

    def subscribe(self, *subs: Subscriber) -> list[int]:
        with transaction(self.url) as conn:
            return [subscriber_store.save(conn, sub, NOW)[0] for sub in subs]


@pytest.fixture
def world(settings) -> World:
    return World(settings.database_url)
