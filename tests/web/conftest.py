"""Fixtures for the web app: a client over HTTPS, subscribers, lists and a little news."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from digest import links
from digest.config import Settings
from digest.models import FeedSpec, Item, Subscriber, SubscriberStatus
from digest.ratelimit import InProcessRateLimiter
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.db import transaction
from digest.store.tables import deliveries
from digest.web import create_app, editor_breaking

BASE = "https://testserver"


@pytest.fixture(autouse=True)
def in_process_sends_finish() -> Iterator[None]:
    """A breaking send started without a broker runs on a thread: it ends with its test."""
    yield
    editor_breaking.drain()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, limiter=InProcessRateLimiter(), webhook_key="")
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


def add_subscriber(
    settings: Settings,
    email: str,
    lists: tuple[str, ...] = ("daily",),
    status: SubscriberStatus = SubscriberStatus.ACTIVE,
) -> int:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for name in lists:
            subscriber_store.ensure_list(conn, name, now)
        sub_id, _ = subscriber_store.save(conn, Subscriber(email=email, lists=lists, status=status), now)
    return sub_id


def find(settings: Settings, email: str) -> Subscriber | None:
    with transaction(settings.database_url) as conn:
        return subscriber_store.find(conn, email=email)


def add_news(settings: Settings, count: int = 3, *, titles: Sequence[str] = ()) -> None:
    """``count`` items of one wire feed, an hour apart, newest first; with ``titles``, one
    item titled by each (stories that do not cluster), else numbered look-alikes."""
    now = datetime.now(UTC)
    titles = titles or [f"Story number {n} about the city council" for n in range(count)]
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://wire.example.org/rss", "Wire"), now)
        news = [
            Item(
                key=f"wire-{n}",
                feed_id=feed.id,
                source="Wire",
                url=f"https://wire.example.org/story-{n}",
                title=title,
                summary_text="What happened.",
                published=now - timedelta(hours=n + 1),
            )
            for n, title in enumerate(titles)
        ]
        item_store.save(conn, news, now)


def planned_subscribers(settings: Settings, edition_id: int | None) -> set[int]:
    if edition_id is None:
        return set()
    with transaction(settings.database_url) as conn:
        query = select(deliveries.c.subscriber_id).where(deliveries.c.edition_id == edition_id)
        return set(conn.execute(query).scalars())


def binding(settings: Settings, sub_id: int) -> str:
    """The subscriber's link token ("" for an id nobody has)."""
    with transaction(settings.database_url) as conn:
        found = subscription_store.link_binding(conn, sub_id)
    return found[0] if found else ""


def unsubscribe_path(settings: Settings, sub_id: int, list_name: str = "daily") -> str:
    url = links.unsubscribe_url(
        settings.public_url, settings.signing_key(), sub_id, list_name, binding(settings, sub_id)
    )
    return url.removeprefix(settings.public_url)


def preferences_path(settings: Settings, sub_id: int, now: datetime | None = None) -> str:
    url = links.preferences_url(
        settings.public_url,
        settings.signing_key(),
        sub_id,
        "daily",
        now or datetime.now(UTC),
        binding(settings, sub_id),
    )
    return url.removeprefix(settings.public_url)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)
