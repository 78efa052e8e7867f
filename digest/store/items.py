"""News items: stored once, updated when seen again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, tuple_, update

from digest.models import Item
from digest.store.common import aware
from digest.store.tables import edition_items, feeds, items

_CONTENT = (
    "url",
    "title",
    "summary_html",
    "summary_text",
    "author",
    "image_url",
    "image_caption",
    "reading_minutes",
    "section",
    "is_video",
)


@dataclass(frozen=True, slots=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def save(conn: Connection, found: Sequence[Item], now: datetime) -> SaveCounts:
    """Insert new items and update changed ones.

    An item is matched by its key, else by its feed and URL: a CMS migration that changes
    every GUID must not turn old stories into new ones.
    """
    if not found:
        return SaveCounts()
    by_key = _existing_by_key(conn, [item.key for item in found])
    by_url = _existing_by_url(conn, [(item.feed_id, item.url) for item in found if item.key not in by_key])
    fresh: list[dict[str, Any]] = []
    updated = unchanged = 0
    for item in found:
        row = by_key.get(item.key) or by_url.get((item.feed_id, item.url))
        if row is None:
            fresh.append({**_values(item), "first_seen": now, "updated_at": now})
        elif _changed(row, item):
            conn.execute(update(items).where(items.c.id == row.id).values(**_content(item), updated_at=now))
            updated += 1
        else:
            unchanged += 1
    if fresh:  # one executemany: a feed of 10,000 items is stored in a second, not ten
        conn.execute(items.insert(), fresh)
    return SaveCounts(len(fresh), updated, unchanged)


# Lookups go in pages: PostgreSQL refuses an IN of 10,000 (feed, url) pairs ("stack depth
# limit exceeded"), and a feed may well carry that many items.
LOOKUP_PAGE = 500


def _existing_by_key(conn: Connection, keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for start in range(0, len(keys), LOOKUP_PAGE):
        page = keys[start : start + LOOKUP_PAGE]
        found.update((row.key, row) for row in conn.execute(select(items).where(items.c.key.in_(page))))
    return found


def _existing_by_url(conn: Connection, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    found: dict[tuple[int, str], Any] = {}
    for start in range(0, len(pairs), LOOKUP_PAGE):
        page = pairs[start : start + LOOKUP_PAGE]
        rows = conn.execute(select(items).where(tuple_(items.c.feed_id, items.c.url).in_(page)))
        found.update(((row.feed_id, row.url), row) for row in rows)
    return found


def _content(item: Item) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in _CONTENT}
    values["categories"] = list(item.categories)
    return values


def _values(item: Item) -> dict[str, Any]:
    return {**_content(item), "key": item.key, "feed_id": item.feed_id, "published": item.published}


def _changed(row: Any, item: Item) -> bool:
    return any(getattr(row, name) != value for name, value in _content(item).items())


def recent(conn: Connection, since: datetime) -> list[Item]:
    """Items published since ``since``, with their feed's name and weight."""
    query = (
        select(items, feeds.c.name.label("source"), feeds.c.weight.label("source_weight"))
        .join(feeds, feeds.c.id == items.c.feed_id)
        .where(items.c.published >= since)
        .order_by(items.c.published.desc(), items.c.id)
    )
    return [_item(row) for row in conn.execute(query)]


def by_id(conn: Connection, item_id: int) -> Item | None:
    """One item, with its feed's name and weight."""
    query = (
        select(items, feeds.c.name.label("source"), feeds.c.weight.label("source_weight"))
        .join(feeds, feeds.c.id == items.c.feed_id)
        .where(items.c.id == item_id)
    )
    row = conn.execute(query).first()
    return _item(row) if row is not None else None


def _item(row: Any) -> Item:
    return Item(
        key=row.key,
        feed_id=row.feed_id,
        source=row.source,
        url=row.url,
        title=row.title,
        summary_html=row.summary_html,
        summary_text=row.summary_text,
        author=row.author,
        published=aware(row.published),
        categories=tuple(row.categories or ()),
        image_url=row.image_url,
        image_caption=row.image_caption,
        reading_minutes=row.reading_minutes,
        section=row.section,
        is_video=row.is_video,
        id=row.id,
        source_weight=row.source_weight,
    )


def keys_in_editions(conn: Connection, edition_ids: Iterable[int]) -> frozenset[str]:
    """Keys of the items that went out in these editions (never repeated in the next one)."""
    ids = list(edition_ids)
    if not ids:
        return frozenset()
    query = select(items.c.key).join(
        edition_items, and_(edition_items.c.item_id == items.c.id, edition_items.c.edition_id.in_(ids))
    )
    return frozenset(conn.execute(query).scalars())
