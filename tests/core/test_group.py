"""Clustering items into stories and arranging stories into sections."""

from __future__ import annotations

import pytest

from digest.group import arrange_sections, cluster, other_sources, section_title

from .factories import item, story

QUAKE = [
    item(
        "r", "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued", source="Reuters"
    ),
    item("b", "Japan earthquake: tsunami warning after 7.1 magnitude quake off coast", source="BBC"),
    item("a", "Strong earthquake strikes Japan coast, tsunami warning", source="AP"),
]
BUDGET = item("k", "Parliament passes 2026 budget after late-night vote", source="Kyiv Independent")
FINAL = item("g", "Shakhtar reach Europa League quarter-final", source="Guardian")


def keys(groups: list[list]) -> list[set[str]]:
    return sorted(({i.key for i in group} for group in groups), key=sorted)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param(QUAKE, [{"r", "b", "a"}], id="same story from three outlets is merged"),
        pytest.param([*QUAKE, BUDGET, FINAL], [{"a", "b", "r"}, {"g"}, {"k"}], id="different stories apart"),
        pytest.param(
            [
                item("u1", "Верховна Рада ухвалила бюджет на 2026 рік", source="Українська правда"),
                item("u2", "Рада ухвалила держбюджет-2026: бюджет на 2026 рік", source="Суспільне"),
            ],
            [{"u1", "u2"}],
            id="inflected cyrillic headlines are merged",
        ),
        pytest.param(
            [
                item("old", "Magnitude 7.1 earthquake strikes off coast of Japan", hours_ago=60),
                item("new", "Magnitude 7.1 earthquake strikes off coast of Japan", hours_ago=1),
            ],
            [{"new"}, {"old"}],
            id="same words outside the time window stay apart",
        ),
        pytest.param(
            [item("x", "Kyiv mayor opens new bridge"), item("y", "Kyiv marathon draws record crowd")],
            [{"x"}, {"y"}],
            id="one shared name is not enough",
        ),
        pytest.param([], [], id="nothing in, nothing out"),
    ],
)
def test_cluster_groups_items_about_the_same_event(items: list, expected: list[set[str]]) -> None:
    assert keys(cluster(items, window_hours=36)) == sorted(expected, key=sorted)


def test_cluster_is_deterministic_whatever_the_input_order() -> None:
    items = [*QUAKE, BUDGET, FINAL]
    first = cluster(items)
    again = cluster(list(reversed(items)))
    assert [[i.key for i in g] for g in first] == [[i.key for i in g] for g in again]


def test_every_item_lands_in_exactly_one_group() -> None:
    items = [*QUAKE, BUDGET, FINAL]
    assert sorted(i.key for g in cluster(items) for i in g) == sorted(i.key for i in items)


def ranked(*specs: tuple[str, str, str]) -> list:
    """Stories best first from (key, section, source) triples."""
    return [story(item(key, section=section, source=source)) for key, section, source in specs]


def test_arrange_sections_follows_the_requested_order_and_titles() -> None:
    stories = ranked(("v", "video", "A"), ("n", "news", "B"), ("c", "culture", "C"), ("s", "sport", "D"))
    sections = arrange_sections(stories, order=("news", "analysis", "video"), per_section=5, max_per_source=3)
    assert [(s.name, s.title) for s in sections] == [
        ("news", "News"),
        ("video", "Video"),
        ("culture", "Culture"),
        ("sport", "Sport"),
    ]


def test_arrange_sections_keeps_the_top_stories_of_each_section() -> None:
    stories = ranked(*((f"n{i}", "news", f"S{i}") for i in range(4)))
    [news] = arrange_sections(stories, order=None, per_section=2, max_per_source=3)
    assert [s.lead.key for s in news.stories] == ["n0", "n1"]


def test_arrange_sections_caps_leads_per_source_across_the_edition() -> None:
    stories = ranked(
        ("n1", "news", "AP"), ("a1", "analysis", "AP"), ("n2", "news", "AP"), ("n3", "news", "BBC")
    )
    sections = arrange_sections(stories, order=None, per_section=5, max_per_source=2)
    assert {s.name: [st.lead.key for st in s.stories] for s in sections} == {
        "news": ["n1", "n3"],
        "analysis": ["a1"],
    }


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
