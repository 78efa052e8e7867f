"""Scoring and ordering stories; choosing the lead item of a story."""

from __future__ import annotations

import math

import pytest

from digest.rank import make_story, rank, score

from .factories import NOW, item, story


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        pytest.param(
            story(item("a", hours_ago=1)), story(item("b", hours_ago=10)), id="fresher wins at equal weight"
        ),
        pytest.param(
            story(item("a", hours_ago=3, source_weight=2.0)),
            story(item("b", hours_ago=3, source_weight=1.0)),
            id="heavier source wins at equal age",
        ),
        pytest.param(
            story(item("a", source="AP"), item("a2", source="BBC"), item("a3", source="Reuters")),
            story(item("b", source="AP")),
            id="wider coverage wins",
        ),
        pytest.param(
            story(item("a", source="AP"), item("a2", source="BBC")),
            story(item("b", source="AP"), item("b2", source="AP"), item("b3", source="AP")),
            id="coverage counts distinct sources, not items",
        ),
    ],
)
def test_rank_puts_the_better_story_first(better, worse) -> None:
    ordered = rank([worse, better], now=NOW, half_life_hours=12)
    assert [s.lead.key for s in ordered] == [better.lead.key, worse.lead.key]


def test_score_records_its_parts_for_explain() -> None:
    scored = score(
        story(item("a", hours_ago=12, source_weight=1.5, source="AP"), item("b", source="BBC")),
        now=NOW,
        half_life_hours=12,
    )
    assert scored.score_parts["recency"] == pytest.approx(0.5)
    assert scored.score_parts["source_weight"] == 1.5
    assert scored.score_parts["coverage"] == pytest.approx(1 + math.log(2))
    assert scored.score_parts["age_hours"] == 12
    assert scored.score == pytest.approx(0.5 * 1.5 * (1 + math.log(2)))


def test_score_returns_a_copy_and_leaves_the_story_alone() -> None:
    original = story(item("a"), score=0.0)
    score(original, now=NOW, half_life_hours=12)
    assert original.score == 0.0 and original.score_parts == {}


def test_future_dates_count_as_brand_new() -> None:
    assert score(story(item("a", hours_ago=-5)), now=NOW, half_life_hours=12).score_parts["recency"] == 1.0


def test_rank_breaks_ties_deterministically() -> None:
    stories = [story(item(k, hours_ago=2)) for k in "cab"]
    assert [s.lead.key for s in rank(stories, now=NOW, half_life_hours=12)] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("items", "lead"),
    [
        pytest.param(
            [item("a", source_weight=1), item("b", source_weight=2)], "b", id="heaviest source leads"
        ),
        pytest.param([item("a", hours_ago=1), item("b", hours_ago=3)], "b", id="then the earliest report"),
        pytest.param(
            [item("a"), item("b", image_url="https://img.example/1.jpg", summary_text="More.")],
            "b",
            id="then the most complete",
        ),
    ],
)
def test_make_story_picks_the_best_placed_lead(items, lead) -> None:
    made = make_story(items)
    assert made.lead.key == lead
    assert {i.key for i in made.items} == {i.key for i in items}
