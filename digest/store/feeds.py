"""Feeds and their fetch state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from digest.models import Feed, FeedSpec
from digest.store.common import aware
from digest.store.tables import feed_pauses, feeds


def _feed(row: Any) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        name=row.name,
        section=row.section,
        weight=row.weight,
        etag=row.etag,
        last_modified=row.last_modified,
        last_fetched_at=aware(row.last_fetched_at),
        last_error=row.last_error,
        error_count=row.error_count,
        next_fetch_at=aware(row.next_fetch_at),
        last_success_at=aware(row.last_success_at),
    )


def add(conn: Connection, spec: FeedSpec, now: datetime) -> tuple[Feed, bool]:
    """Register a feed, or update its name/section/weight; return it and whether it is new."""
    existing = conn.execute(select(feeds.c.id).where(feeds.c.url == spec.url)).scalar()
    values = {"name": spec.name or spec.url, "section": spec.section, "weight": spec.weight}
    if existing is None:
        conn.execute(feeds.insert().values(url=spec.url, created_at=now, error_count=0, **values))
    else:
        conn.execute(update(feeds).where(feeds.c.id == existing).values(**values))
    feed = by_url(conn, spec.url)
    assert feed is not None
    return feed, existing is None


def add_given(
    conn: Connection, url: str, values: dict[str, Any], now: datetime
) -> tuple[Feed, bool, list[str]]:
    """Register a feed with these values (name, section, weight; the defaults for the
    others), or change only these of the one with this URL; (feed, new, fields changed)."""
    before = by_url(conn, url)
    if before is None:
        defaults = {"name": url, "section": "news", "weight": 1.0}
        conn.execute(feeds.insert().values(url=url, created_at=now, error_count=0, **{**defaults, **values}))
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(before, k) != v)
        if changed:
            statement = update(feeds).where(feeds.c.id == before.id)
            conn.execute(statement.values(**{k: values[k] for k in changed}))
    feed = by_url(conn, url)
    assert feed is not None
    return feed, before is None, changed


def by_url(conn: Connection, url: str) -> Feed | None:
    row = conn.execute(select(feeds).where(feeds.c.url == url)).first()
    return _feed(row) if row else None


def by_id(conn: Connection, feed_id: int) -> Feed | None:
    row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()
    return _feed(row) if row else None


def all_feeds(conn: Connection) -> list[Feed]:
    return [_feed(row) for row in conn.execute(select(feeds).order_by(feeds.c.id))]


def due(conn: Connection, now: datetime) -> list[Feed]:
    """Feeds never fetched, or whose next fetch time has come; not the paused ones."""
    query = select(feeds).where(or_(feeds.c.next_fetch_at.is_(None), feeds.c.next_fetch_at <= now))
    query = query.where(feeds.c.id.not_in(select(feed_pauses.c.feed_id)))
    return [_feed(row) for row in conn.execute(query.order_by(feeds.c.id))]


def remove(conn: Connection, url_or_id: str) -> bool:
    condition = feeds.c.id == int(url_or_id) if url_or_id.isdigit() else feeds.c.url == url_or_id
    return bool(conn.execute(delete(feeds).where(condition)).rowcount)


def record_success(
    conn: Connection,
    feed_id: int,
    *,
    now: datetime,
    next_fetch_at: datetime,
    etag: str | None,
    last_modified: str | None,
) -> None:
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            last_fetched_at=now,
            last_success_at=now,
            next_fetch_at=next_fetch_at,
            etag=etag,
            last_modified=last_modified,
            last_error=None,
            error_count=0,
        )
    )


def record_error(
    conn: Connection, feed_id: int, *, now: datetime, next_fetch_at: datetime, error: str
) -> None:
    """A failed attempt: ``last_success_at`` stays as it was, so the desk can tell how long
    the feed has been failing."""
    conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            last_fetched_at=now,
            next_fetch_at=next_fetch_at,
            last_error=error[:2000],
            error_count=feeds.c.error_count + 1,
        )
    )
