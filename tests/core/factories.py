"""Builders for the core tests: items and stories with sensible defaults, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from digest.models import EditionContent, Item, Section, Story

NOW = datetime(2025, 3, 5, 7, 0, tzinfo=UTC)


def item(key: str, title: str = "", *, source: str = "", hours_ago: float = 1.0, **fields: Any) -> Item:
    """An item published ``hours_ago`` before NOW; the source defaults to one per key."""
    source = source or f"Source {key}"
    return Item(
        key=key,
        feed_id=fields.pop("feed_id", 1),
        source=source,
        url=fields.pop("url", f"https://{source.lower().replace(' ', '-')}.example/{key}"),
        title=title or f"Headline {key}",
        published=NOW - timedelta(hours=hours_ago),
        **fields,
    )


def story(*items: Item, score: float = 1.0) -> Story:
    return Story(lead=items[0], also=list(items[1:]), score=score)


def edition(*sections: tuple[str, list[Story]], title: str = "Morning briefing") -> EditionContent:
    return EditionContent(
        list_name="daily",
        title=title,
        date=NOW,
        sections=[Section(name=name.lower(), title=name, stories=stories) for name, stories in sections],
    )
