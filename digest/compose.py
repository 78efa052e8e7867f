"""Pure composition: from a pile of items to what one edition variant says.

The steps, in order: drop items that are too old, cluster the rest into stories, take
out what the previous edition already sent, rank, keep the subscriber's topics, and
arrange sections. Same input, same edition.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from digest.group import arrange_sections, cluster
from digest.models import EditionContent, Item, Story
from digest.rank import make_story, rank

__all__ = ["ComposeOptions", "compose_edition", "matches_topics"]


class _EditorialSettings(Protocol):
    @property
    def half_life_hours(self) -> float: ...
    @property
    def items_per_section(self) -> int: ...
    @property
    def max_per_source(self) -> int: ...
    @property
    def max_age_hours(self) -> float: ...


@dataclass(frozen=True)
class ComposeOptions:
    """The editorial knobs of an edition."""

    half_life_hours: float = 12
    per_section: int = 5
    max_per_source: int = 3
    max_age_hours: float = 36
    section_order: tuple[str, ...] = ("news", "analysis", "video", "culture")
    window_hours: float = 36

    @classmethod
    def from_settings(cls, settings: _EditorialSettings) -> ComposeOptions:
        """Options from ``digest.config.Settings`` (or anything with the same fields)."""
        return cls(
            half_life_hours=settings.half_life_hours,
            per_section=settings.items_per_section,
            max_per_source=settings.max_per_source,
            max_age_hours=settings.max_age_hours,
        )


def compose_edition(
    items: Sequence[Item],
    *,
    list_name: str,
    title: str,
    now: datetime,
    options: ComposeOptions = ComposeOptions(),  # frozen, so one shared default is safe
    topics: Sequence[str] = (),
    exclude_keys: Collection[str] = frozenset(),
) -> EditionContent:
    """The edition for one list and one set of topics.

    Items whose key is in ``exclude_keys`` (already sent) never appear again. They still
    take part in clustering, so a new report on an already-sent event is shown as that
    story *updated* (``Story.updated``) rather than as a new story.
    """
    fresh = [item for item in items if _is_fresh(item, now, options.max_age_hours)]
    clusters = cluster(fresh, window_hours=options.window_hours)
    stories = [story for group in clusters if (story := _unsent_story(group, exclude_keys))]
    ranked = rank(stories, now=now, half_life_hours=options.half_life_hours)
    chosen = [story for story in ranked if matches_topics(story, topics)]
    sections = arrange_sections(
        chosen,
        order=options.section_order,
        per_section=options.per_section,
        max_per_source=options.max_per_source,
    )
    return EditionContent(list_name=list_name, title=title, date=now, sections=sections, topics=tuple(topics))


def _is_fresh(item: Item, now: datetime, max_age_hours: float) -> bool:
    # Undated items are kept: collection stamps them when first seen, so this is rare,
    # and dropping them would silently hide whole feeds that omit dates.
    if item.published is None:
        return True
    return now - item.published <= timedelta(hours=max_age_hours)


def _unsent_story(group: Sequence[Item], exclude_keys: Collection[str]) -> Story | None:
    unsent = [item for item in group if item.key not in exclude_keys]
    if not unsent:
        return None
    return make_story(unsent, updated=len(unsent) < len(group))


def matches_topics(story: Story, topics: Sequence[str]) -> bool:
    """True when no topics are asked for, or any item's section or category is one of them."""
    if not topics:
        return True
    wanted = {topic.casefold() for topic in topics}
    for item in story.items:
        labels = {item.section.casefold(), *(category.casefold() for category in item.categories)}
        if labels & wanted:
            return True
    return False
