"""Pure ranking: which story leads, and in what order stories appear.

A story's score is the product of these parts, each kept in ``Story.score_parts`` so
``digest preview --explain`` can show why a story is where it is:

- ``recency``: ``0.5 ** (age / half_life)`` on the lead's publication time (1.0 when new);
- ``source_weight``: the lead's ``Item.source_weight`` as editors set it on the feed;
- ``coverage``: ``1 + ln(distinct sources)``, so a second outlet counts more than a tenth;
- ``section_priority``: the weight of the lead's section (``DIGEST_SECTION_PRIORITY``, 1 if unset);
- ``editor``: ×factor for a boost, ÷factor for a bury, 1 otherwise (``digest.editorial``);
- ``diversity``: 1 here; ``digest.group`` lowers it while it fills the edition, for each
  already chosen story on the same topic (see ``diversity_factor``);
- ``engagement``: optional (``DIGEST_ENGAGEMENT_WEIGHT``), how readers of yesterday's editions
  clicked stories of the lead's section and source compared with all stories
  (``engagement_factor``), kept within ``[1/ENGAGEMENT_CAP, ENGAGEMENT_CAP]`` so it nudges the
  order but never outweighs the news value or an editor's pin.

A pinned story (``pinned`` = 1) gets ``PINNED_SCORE`` added, so it outranks every unpinned
one and leads the edition (the renderer leads with the best score).

``now`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from digest.editorial import NO_ACTION, EditorAction, StoryAction, story_action
from digest.models import Item, Story

__all__ = [
    "ENGAGEMENT_CAP",
    "PINNED_SCORE",
    "UNDATED_AGE_HALF_LIVES",
    "base_score",
    "diversity_factor",
    "engagement_factor",
    "lead_order",
    "make_story",
    "rank",
    "score",
    "topic_labels",
    "topic_similarity",
]

# An undated item is treated as one half-life old: neither buried nor pushed to the top.
UNDATED_AGE_HALF_LIVES = 1.0
# Far above any unpinned score (recency <= 1, times weights and coverage of a few units).
PINNED_SCORE = 1000.0
_MULTIPLIED = (
    "recency",
    "source_weight",
    "coverage",
    "section_priority",
    "editor",
    "diversity",
    "engagement",
)
# The most the engagement part may raise (or, inverted, lower) a score: a nudge, not a verdict.
ENGAGEMENT_CAP = 1.2


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


def score(
    story: Story,
    *,
    now: datetime,
    half_life_hours: float,
    section_priority: Mapping[str, float] | None = None,
    action: StoryAction = NO_ACTION,
    engagement: float = 1.0,
) -> Story:
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
        "section_priority": (section_priority or {}).get(story.lead.section.casefold(), 1.0),
        "editor": action.factor,
        "diversity": 1.0,
        "engagement": engagement,
        "pinned": 1.0 if action.pinned else 0.0,
        "age_hours": round(age_hours, 2),
    }
    return dataclasses.replace(story, score=total(parts), score_parts=parts)


def total(parts: Mapping[str, float]) -> float:
    """The score the parts add up to (products of the multiplied parts, plus the pin)."""
    return base_score(parts) + (PINNED_SCORE if parts.get("pinned") else 0.0)


def base_score(parts: Mapping[str, float]) -> float:
    return math.prod(parts.get(name, 1.0) for name in _MULTIPLIED)


def rank(
    stories: Sequence[Story],
    *,
    now: datetime,
    half_life_hours: float,
    section_priority: Mapping[str, float] | None = None,
    actions: Mapping[str, EditorAction] | None = None,
) -> list[Story]:
    """Scored copies of ``stories``, best first; ties broken by freshness, then key.

    Editor actions apply to the story holding the acted-on item; excluded stories are
    scored like the others (``--explain`` shows them) and left for the caller to drop.
    """
    scored = [
        score(
            story,
            now=now,
            half_life_hours=half_life_hours,
            section_priority=section_priority,
            action=story_action(story.items, actions or {}),
        )
        for story in stories
    ]
    return sorted(scored, key=rank_order)


def rank_order(story: Story) -> tuple[float, float, str]:
    published = story.lead.published.timestamp() if story.lead.published else -math.inf
    return (-story.score, -published, story.lead.key)


def topic_labels(story: Story) -> frozenset[str]:
    """The topics a story is about: its items' categories, casefolded."""
    return frozenset(category.casefold() for item in story.items for category in item.categories)


def topic_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard overlap of two stories' topic labels; 0 when either has none."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def diversity_factor(overlap: float, diversity: float) -> float:
    """``(1 - diversity) ** overlap``: the score kept by a story whose topics overlap the
    already chosen stories by ``overlap`` (the sum of its similarities to them).

    With diversity 0.3, the second story on a topic keeps 70% of its score, the third 49%,
    the fourth 34%: a soft per-topic cap that still lets a big day's topic lead.
    """
    return float((1.0 - diversity) ** overlap)


def engagement_factor(lifts: Mapping[str, float], section: str, feed_id: int) -> float:
    """The engagement part of a story: the geometric mean of its section's and its source's
    click lifts (``"section:<name>"``, ``"source:<feed id>"``: 1 is average), capped."""
    found = [lifts[key] for key in (f"section:{section.casefold()}", f"source:{feed_id}") if key in lifts]
    if not found:
        return 1.0
    mean = math.prod(max(lift, 1e-9) for lift in found) ** (1 / len(found))
    return min(ENGAGEMENT_CAP, max(1 / ENGAGEMENT_CAP, mean))
