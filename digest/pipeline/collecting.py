"""refresh_feed: fetch → parse → normalize → store, for one feed."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest.collect.fetch import FetchOptions, fetch
from digest.collect.normalize import normalize
from digest.collect.parse import parse
from digest.config import Settings
from digest.errors import FeedError
from digest.models import Feed, Item
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store.db import transaction

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    feed_id: int
    url: str
    status: str  # "ok", "not-modified" or "error"
    new: int = 0
    updated: int = 0
    error: str | None = None


def due_feed_ids(settings: Settings, now: datetime | None = None) -> list[int]:
    with transaction(settings.database_url) as conn:
        return [feed.id for feed in feed_store.due(conn, now or datetime.now(UTC))]


def refresh_feed(feed_id: int, settings: Settings, now: datetime | None = None) -> RefreshResult:
    """Bring one feed's items up to date; a failure is recorded on the feed, never raised."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed = feed_store.by_id(conn, feed_id)
    if feed is None:
        return RefreshResult(feed_id, "", "error", error="feed no longer registered")
    try:
        result = fetch(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            options=FetchOptions.from_settings(settings),
        )
        found = _items(feed, result.body, result.content_type, now) if result.body is not None else []
    except FeedError as exc:
        return _record_failure(settings, feed, exc, now)
    interval = max(settings.fetch_interval, result.ttl_seconds or 0)
    with transaction(settings.database_url) as conn:
        counts = item_store.save(conn, found, now)
        feed_store.record_success(
            conn,
            feed.id,
            now=now,
            next_fetch_at=now + timedelta(seconds=interval),
            # A 304 need not repeat the validators: keep the ones the feed already has.
            etag=result.etag or feed.etag,
            last_modified=result.last_modified or feed.last_modified,
        )
    status = "not-modified" if result.status == 304 else "ok"
    log.info(
        "feed %s: %s, %d new, %d updated",
        feed.url,
        status,
        counts.new,
        counts.updated,
        extra={
            "feed": feed.id,
            "url": feed.url,
            "status": status,
            "new": counts.new,
            "updated": counts.updated,
        },
    )
    return RefreshResult(feed.id, feed.url, status, counts.new, counts.updated)


def _items(feed: Feed, body: bytes, content_type: str | None, now: datetime) -> list[Item]:
    parsed = parse(body, feed.url, content_type)
    found: dict[str, Item] = {}
    for entry in parsed.entries:
        item = normalize(entry, feed, first_seen=now)
        if item is not None:
            found.setdefault(item.key, item)  # a feed repeating an entry still stores it once
    return list(found.values())


def _record_failure(settings: Settings, feed: Feed, exc: FeedError, now: datetime) -> RefreshResult:
    delay = backoff(feed.error_count + 1, settings.fetch_interval, permanent=exc.permanent)
    if exc.retry_after:
        delay = max(delay, timedelta(seconds=exc.retry_after))
    with transaction(settings.database_url) as conn:
        feed_store.record_error(conn, feed.id, now=now, next_fetch_at=now + delay, error=str(exc))
    log.warning(
        "feed failed (%d in a row): %s",
        feed.error_count + 1,
        exc,
        extra={"feed": feed.id, "url": feed.url, "status": "error", "errors": feed.error_count + 1},
    )
    return RefreshResult(feed.id, feed.url, "error", error=str(exc))


def backoff(errors: int, interval: int, *, permanent: bool) -> timedelta:
    """Exponential backoff with jitter, capped: a broken feed is retried less often, never dropped."""
    base = interval * (2 ** min(errors, 10)) * (4 if permanent else 1)
    seconds = min(base, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))
