"""Pure ranking: which story leads, and in what order stories appear.

A story's score is the product of three parts, each kept in ``Story.score_parts`` so
``--explain`` can show why a story is where it is:

- ``recency``: ``0.5 ** (age / half_life)`` on the lead's publication time (1.0 when new);
- ``source_weight``: the lead's ``Item.source_weight`` as editors set it on the feed;
- ``coverage``: ``1 + ln(distinct sources)``, so a second outlet counts more than a tenth.

``now`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import datetime

from digest.models import Item, Story

__all__ = ["UNDATED_AGE_HALF_LIVES", "lead_order", "make_story", "rank", "score"]

# An undated item is treated as one half-life old: neither buried nor pushed to the top.
UNDATED_AGE_HALF_LIVES = 1.0


def lead_order(item: Item) -> tuple[float, float, int, str]:
    """Sort key for choosing a lead: heaviest source, then earliest, then most complete."""
    published = item.published.timestamp() if item.published else math.inf
    completeness = bool(item.image_url) + bool(item.summary_text or item.summary_html)
    return (-item.source_weight, published, -completeness, item.key)


def make_story(items: Sequence[Item], *, updated: bool = False) -> Story:
    """A story from one cluster of items, with the best-placed item as its lead."""
    if not items:
        raise ValueError("a story needs at least one item")
    ordered = sorted(items, key=lead_order)
    return Story(lead=ordered[0], also=ordered[1:], updated=updated)


def score(story: Story, *, now: datetime, half_life_hours: float) -> Story:
    """A copy of ``story`` with its score and the parts that make it up."""
    published = story.lead.published
    if published is None:
        age_hours = UNDATED_AGE_HALF_LIVES * half_life_hours
    else:
        # A clock-skewed feed dated in the future is as fresh as it can be, not fresher.
        age_hours = max(0.0, (now - published).total_seconds() / 3600)
    parts = {
        "recency": 0.5 ** (age_hours / half_life_hours),
        "source_weight": story.lead.source_weight,
        "coverage": 1.0 + math.log(len(story.sources)),
        "age_hours": round(age_hours, 2),
    }
    total = parts["recency"] * parts["source_weight"] * parts["coverage"]
    return dataclasses.replace(story, score=total, score_parts=parts)


def rank(stories: Sequence[Story], *, now: datetime, half_life_hours: float) -> list[Story]:
    """Scored copies of ``stories``, best first; ties broken by freshness, then key."""
    scored = [score(story, now=now, half_life_hours=half_life_hours) for story in stories]
    return sorted(scored, key=_rank_order)


def _rank_order(story: Story) -> tuple[float, float, str]:
    published = story.lead.published.timestamp() if story.lead.published else -math.inf
    return (-story.score, -published, story.lead.key)
