"""Scoring and ordering stories; choosing the lead item of a story."""

from __future__ import annotations

import math

import pytest

from digest.editorial import Action, EditorAction, StoryAction
from digest.rank import PINNED_SCORE, diversity_factor, make_story, rank, score, topic_similarity

from .factories import NOW, item, story

PRIORITY = {"news": 1.5, "analysis": 1.2, "culture": 0.8}


def act(key: str, action: Action, factor: float = 2.0, **fields) -> EditorAction:
    return EditorAction(key, action, factor, **fields)


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


@pytest.mark.parametrize(
    ("stories", "actions", "expected"),
    [
        pytest.param(
            [story(item("n", section="news", hours_ago=4)), story(item("c", section="culture", hours_ago=1))],
            {},
            ["n", "c"],
            id="a priority section outweighs a few hours",
        ),
        pytest.param(
            [story(item("n", section="news", hours_ago=1)), story(item("x", section="sport", hours_ago=1))],
            {},
            ["n", "x"],
            id="an unlisted section weighs 1",
        ),
        pytest.param(
            [story(item("a", hours_ago=1)), story(item("b", hours_ago=10))],
            {"b": act("b", Action.BOOST, 3.0)},
            ["b", "a"],
            id="a boost lifts an older story",
        ),
        pytest.param(
            [story(item("a", hours_ago=1)), story(item("b", hours_ago=10))],
            {"a": act("a", Action.BURY, 4.0)},
            ["b", "a"],
            id="a bury sinks a fresh story",
        ),
        pytest.param(
            [story(item("a", hours_ago=1), item("a2", source="BBC")), story(item("b", hours_ago=30))],
            {"b": act("b", Action.PIN)},
            ["b", "a"],
            id="a pin beats anything",
        ),
        pytest.param(
            [story(item("a", hours_ago=1)), story(item("b", hours_ago=2), item("b2", hours_ago=9))],
            {"b2": act("b2", Action.BOOST, 2.0)},
            ["b", "a"],
            id="an action on any item acts on its story",
        ),
    ],
)
def test_section_priority_and_editor_actions_move_stories(stories, actions, expected) -> None:
    ordered = rank(stories, now=NOW, half_life_hours=12, section_priority=PRIORITY, actions=actions)
    assert [s.lead.key for s in ordered] == expected


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


def test_score_records_section_priority_editor_and_diversity_parts() -> None:
    scored = score(
        story(item("a", hours_ago=0, section="Analysis")),
        now=NOW,
        half_life_hours=12,
        section_priority=PRIORITY,
        action=StoryAction(factor=0.5),
    )
    parts = scored.score_parts
    assert (parts["section_priority"], parts["editor"], parts["diversity"], parts["pinned"]) == (
        1.2,
        0.5,
        1,
        0,
    )
    assert scored.score == pytest.approx(1.2 * 0.5)


def test_a_pinned_story_scores_its_own_score_above_every_unpinned_one() -> None:
    scored = score(
        story(item("a", hours_ago=12)), now=NOW, half_life_hours=12, action=StoryAction(pinned=True)
    )
    assert scored.score_parts["pinned"] == 1.0
    assert scored.score == pytest.approx(PINNED_SCORE + 0.5)


@pytest.mark.parametrize(
    ("a", "b", "similarity"),
    [
        ({"war"}, {"war"}, 1.0),
        ({"war", "kyiv"}, {"war"}, 0.5),
        ({"war"}, {"economy"}, 0.0),
        (set(), {"war"}, 0.0),
    ],
)
def test_topic_similarity_is_the_overlap_of_labels(a, b, similarity) -> None:
    assert topic_similarity(frozenset(a), frozenset(b)) == similarity


@pytest.mark.parametrize(("overlap", "kept"), [(0, 1.0), (1, 0.7), (2, 0.49), (0.5, 0.7**0.5)])
def test_diversity_keeps_less_of_the_score_the_more_a_topic_is_already_covered(overlap, kept) -> None:
    assert diversity_factor(overlap, 0.3) == pytest.approx(kept)


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
