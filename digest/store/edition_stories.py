"""The stories each edition showed (by lead item): what per-story click figures are about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from digest.store.common import insert_ignoring_conflicts
from digest.store.tables import edition_stories, items

__all__ = ["ShownStory", "count", "record", "shown", "shown_with_source"]


@dataclass(frozen=True, slots=True)
class ShownStory:
    item_id: int
    title: str
    url: str
    section: str


def record(conn: Connection, edition_id: int, lead_ids: Sequence[int]) -> None:
    """Record a variant's stories in order (variants share an edition: the first position wins)."""
    rows = [
        {"edition_id": edition_id, "item_id": item_id, "position": n} for n, item_id in enumerate(lead_ids)
    ]
    insert_ignoring_conflicts(conn, edition_stories, rows)


def shown(conn: Connection, edition_id: int) -> list[ShownStory]:
    query = (
        select(items.c.id, items.c.title, items.c.url, items.c.section)
        .join(edition_stories, edition_stories.c.item_id == items.c.id)
        .where(edition_stories.c.edition_id == edition_id)
        .order_by(edition_stories.c.position, items.c.id)
    )
    return [ShownStory(int(r.id), r.title, r.url, r.section) for r in conn.execute(query)]


def count(conn: Connection, edition_id: int) -> int:
    query = (
        select(func.count()).select_from(edition_stories).where(edition_stories.c.edition_id == edition_id)
    )
    return int(conn.execute(query).scalar_one())


def shown_with_source(conn: Connection, edition_id: int) -> list[tuple[ShownStory, int]]:
    """The edition's stories with their lead's feed id."""
    query = (
        select(items.c.id, items.c.title, items.c.url, items.c.section, items.c.feed_id)
        .join(edition_stories, edition_stories.c.item_id == items.c.id)
        .where(edition_stories.c.edition_id == edition_id)
        .order_by(edition_stories.c.position, items.c.id)
    )
    return [(ShownStory(int(r.id), r.title, r.url, r.section), int(r.feed_id)) for r in conn.execute(query)]
