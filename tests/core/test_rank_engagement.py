"""Engagement as an optional score part: capped, neutral without data, never above a pin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.editorial import StoryAction
from digest.models import Item, Story
from digest.rank import ENGAGEMENT_CAP, engagement_factor, rank_order, score

NOW = datetime(2026, 12, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lifts", "expected"),
    [
        ({}, 1.0),
        ({"section:news": 1.1}, 1.1),
        ({"section:news": 1.1, "source:3": 1.1}, 1.1),
        ({"section:news": 4.0, "source:3": 1.0}, ENGAGEMENT_CAP),  # capped above
        ({"section:news": 0.0}, 1 / ENGAGEMENT_CAP),  # and below
        ({"section:culture": 3.0, "source:9": 3.0}, 1.0),  # other sections and sources
    ],
)
def test_the_engagement_factor_is_the_mean_lift_of_section_and_source_within_the_cap(lifts, expected):
    assert engagement_factor(lifts, "News", 3) == pytest.approx(expected)


def story(key: str, hours_old: float) -> Story:
    item = Item(
        key=key,
        feed_id=1,
        source="Wire",
        url=f"https://w.example/{key}",
        title=key,
        published=NOW - timedelta(hours=hours_old),
    )
    return Story(lead=item)


def test_engagement_nudges_but_never_outweighs_a_pin_or_news_value():
    pinned = score(
        story("pinned", 20),
        now=NOW,
        half_life_hours=12,
        action=StoryAction(pinned=True),
        engagement=1 / ENGAGEMENT_CAP,
    )
    clicked = score(story("clicked", 20), now=NOW, half_life_hours=12, engagement=ENGAGEMENT_CAP)
    fresh = score(story("fresh", 1), now=NOW, half_life_hours=12, engagement=1 / ENGAGEMENT_CAP)
    order = [s.lead.key for s in sorted([clicked, fresh, pinned], key=rank_order)]
    assert order == ["pinned", "fresh", "clicked"]
    assert clicked.score_parts["engagement"] == ENGAGEMENT_CAP
