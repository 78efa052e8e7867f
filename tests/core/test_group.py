"""Placing ranked stories into sections: sizes, source caps, diversity and pins.

Clustering items into stories is ``digest.cluster``'s (tests/core/test_cluster.py).
"""

from __future__ import annotations

import pytest

from digest.group import other_sources, place, section_title
from digest.rank import score

from .factories import NOW, item, story


def ranked(*specs: tuple[str, str, str]) -> list:
    """Stories best first from (key, section, source) triples."""
    return [story(item(key, section=section, source=source)) for key, section, source in specs]


def scored(
    key: str,
    hours_ago: float,
    *,
    topics: tuple[str, ...] = (),
    source: str = "",
    pinned: bool = False,
    section: str = "news",
):
    made = score(
        story(item(key, hours_ago=hours_ago, categories=topics, source=source, section=section)),
        now=NOW,
        half_life_hours=12,
    )
    if pinned:
        made.score_parts["pinned"] = 1.0
    return made


def layout(sections) -> dict[str, list[str]]:
    return {s.name: [st.lead.key for st in s.stories] for s in sections}


def test_placement_follows_the_requested_order_and_titles() -> None:
    stories = ranked(("v", "video", "A"), ("n", "news", "B"), ("c", "culture", "C"), ("s", "sport", "D"))
    sections = place(stories, order=("news", "analysis", "video"), per_section=5, max_per_source=3).sections
    assert [(s.name, s.title) for s in sections] == [
        ("news", "News"),
        ("video", "Video"),
        ("culture", "Culture"),
        ("sport", "Sport"),
    ]


def test_placement_keeps_the_top_stories_of_each_section() -> None:
    stories = ranked(*((f"n{i}", "news", f"S{i}") for i in range(4)))
    [news] = place(stories, order=None, per_section=2, max_per_source=3).sections
    assert [s.lead.key for s in news.stories] == ["n0", "n1"]


def test_placement_caps_leads_per_source_across_the_edition() -> None:
    stories = ranked(
        ("n1", "news", "AP"), ("a1", "analysis", "AP"), ("n2", "news", "AP"), ("n3", "news", "BBC")
    )
    sections = place(stories, order=None, per_section=5, max_per_source=2).sections
    assert layout(sections) == {"news": ["n1", "n3"], "analysis": ["a1"]}


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        pytest.param({}, {"news": ["n0", "n1", "n2"], "video": ["v0", "v1"]}, id="default size everywhere"),
        pytest.param({"news": 1}, {"news": ["n0"], "video": ["v0", "v1"]}, id="a list's own size"),
        pytest.param({"video": 0}, {"news": ["n0", "n1", "n2"]}, id="size 0 hides a section"),
    ],
)
def test_each_list_sizes_its_sections(sizes, expected) -> None:
    stories = ranked(
        ("n0", "news", "A"),
        ("v0", "video", "B"),
        ("n1", "news", "C"),
        ("v1", "video", "D"),
        ("n2", "news", "E"),
    )
    assert layout(place(stories, per_section=3, sizes=sizes).sections) == expected


def test_every_story_left_out_says_why() -> None:
    stories = ranked(
        ("n0", "news", "AP"),
        ("n1", "news", "AP"),
        ("n2", "news", "BBC"),
        ("c0", "culture", "X"),
        ("n3", "news", "DW"),
    )
    placement = place(stories, per_section=2, max_per_source=1, sizes={"culture": 0})
    assert layout(placement.sections) == {"news": ["n0", "n2"]}
    assert [(s.lead.key, why) for s, why in placement.left_out] == [
        ("n1", "AP already leads 1"),
        ("c0", "section culture is not in this list"),
        ("n3", "section news is full (2)"),
    ]


@pytest.mark.parametrize(
    ("diversity", "expected"),
    [
        pytest.param(0.0, ["w1", "w2", "w3", "e1"], id="off: the best scores, all on one topic"),
        pytest.param(0.3, ["w1", "w2", "e1", "w3"], id="on: the third war story gives way"),
        pytest.param(0.9, ["w1", "e1", "w2", "w3"], id="strong: the second already gives way"),
    ],
)
def test_diversity_discounts_stories_on_a_topic_already_placed(diversity, expected) -> None:
    stories = [
        scored("w1", 1, topics=("War",)),
        scored("w2", 2, topics=("war",)),
        scored("w3", 3, topics=("War",)),
        scored("e1", 10, topics=("Economy",)),
    ]
    [news] = place(stories, per_section=4, diversity=diversity).sections
    assert [s.lead.key for s in news.stories] == expected


def test_the_diversity_part_records_the_discount_a_story_was_placed_with() -> None:
    stories = [scored("w1", 1, topics=("War",)), scored("w2", 1, topics=("War", "Kyiv"))]
    [news] = place(stories, diversity=0.5).sections
    first, second = news.stories
    assert first.score_parts["diversity"] == 1.0
    assert second.score_parts["diversity"] == pytest.approx(0.5**0.5)  # half the labels shared
    assert second.score == pytest.approx(second.score_parts["recency"] * 0.5**0.5)


def test_stories_without_topics_are_never_discounted() -> None:
    stories = [scored("a", 1), scored("b", 2)]
    [news] = place(stories, diversity=0.9).sections
    assert [s.score_parts["diversity"] for s in news.stories] == [1.0, 1.0]


def test_pinned_stories_lead_in_their_own_section_outside_sizes_but_inside_source_caps() -> None:
    stories = [
        scored("p", 30, source="AP", pinned=True),
        scored("n1", 1, source="AP"),
        scored("n2", 2, source="BBC"),
    ]
    sections = place(stories, per_section=1, max_per_source=1).sections
    assert [(s.name, s.title) for s in sections] == [("top", "Top stories"), ("news", "News")]
    assert layout(sections) == {"top": ["p"], "news": ["n2"]}


def test_other_sources_lists_each_outlet_once_and_not_the_leads() -> None:
    s = story(
        item("1", source="AP"), item("2", source="AP"), item("3", source="BBC"), item("4", source="BBC")
    )
    assert [i.key for i in other_sources(s)] == ["3"]


@pytest.mark.parametrize(
    ("name", "title"), [("news", "News"), ("analysis", "Analysis"), ("long-reads", "Long Reads")]
)
def test_section_title_reads_well(name: str, title: str) -> None:
    assert section_title(name) == title


def covered(key: str, hours_ago: float, lead_source: str, *others: str, section: str = "news"):
    """A scored story led by ``lead_source`` and carried by ``others`` too (same section)."""
    items = [item(key, hours_ago=hours_ago, source=lead_source, section=section)]
    items += [
        item(f"{key}-{n}", hours_ago=hours_ago, source=s, section=section) for n, s in enumerate(others)
    ]
    return score(story(*items), now=NOW, half_life_hours=12)


def test_a_story_of_many_outlets_is_led_by_another_when_its_leads_source_is_at_its_cap() -> None:
    stories = [
        covered("a", 1, "Ledger"),
        covered("b", 2, "Ledger"),
        covered("front", 20, "Ledger", "Wire", "TV", "Dispatch", "Signal"),
    ]
    [news] = place(stories, per_section=5, max_per_source=2).sections
    assert [(s.lead.key, s.lead.source) for s in news.stories] == [
        ("a", "Ledger"),
        ("b", "Ledger"),
        ("front-0", "Wire"),
    ]
    assert {i.key for i in news.stories[2].items} == {"front", "front-0", "front-1", "front-2", "front-3"}


def test_coverage_wins_over_the_source_cap_when_no_other_outlet_can_lead() -> None:
    wide = covered("wide", 20, "Ledger", "TV")
    wide.also[0].section = "video"  # its only other outlet is in another section
    placement = place([covered("a", 1, "Ledger"), covered("b", 2, "Ledger"), wide], max_per_source=2)
    assert layout(placement.sections) == {"news": ["a", "b", "wide"]}
    assert placement.left_out == []


def test_the_source_cap_still_decides_among_stories_of_equal_coverage() -> None:
    stories = [covered("a", 1, "Ledger", "Wire"), covered("b", 2, "Ledger"), covered("c", 3, "Ledger")]
    placement = place(stories, per_section=5, max_per_source=2)
    assert layout(placement.sections) == {"news": ["a", "b"]}
    assert [(s.lead.key, why) for s, why in placement.left_out] == [("c", "Ledger already leads 2")]


def test_each_section_with_stories_shows_at_least_its_best_one() -> None:
    stories = [
        covered("n1", 1, "Signal"),
        covered("n2", 2, "Signal"),
        covered("c1", 3, "Signal", section="culture"),
        covered("c2", 4, "Signal", section="culture"),
    ]
    placement = place(stories, per_section=5, max_per_source=2)
    assert layout(placement.sections) == {"news": ["n1", "n2"], "culture": ["c1"]}
    assert [(s.lead.key, why) for s, why in placement.left_out] == [("c2", "Signal already leads 2")]


def test_a_hidden_section_stays_hidden_even_with_stories() -> None:
    stories = [covered("n1", 1, "Signal"), covered("c1", 3, "Other", section="culture")]
    placement = place(stories, per_section=5, max_per_source=2, sizes={"culture": 0})
    assert layout(placement.sections) == {"news": ["n1"]}
