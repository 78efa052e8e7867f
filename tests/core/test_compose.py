"""Composing one edition variant from collected items."""

from __future__ import annotations

import pytest

from digest.compose import ComposeOptions, compose_edition, prepare
from digest.compose import compose as compose_with_reasons
from digest.editorial import Action, EditorAction

from .factories import NOW, item

OPTIONS = ComposeOptions(per_section=5, max_per_source=3, max_age_hours=36)


def same_event(items, _options) -> list[list]:
    """A stand-in clusterer: items whose titles start with the same "Event:" are one story,
    any other item is a story of its own.

    These tests are about composing; how well stories are found is ``digest.cluster``'s,
    and the real clusterer is used where it matters below.
    """
    events: dict[str, list] = {}
    for found in items:
        event = found.title.split(":")[0] if ":" in found.title else found.key
        events.setdefault(event, []).append(found)
    return list(events.values())


def compose(items, **kwargs):
    kwargs.setdefault("options", OPTIONS)
    pool = prepare(items, now=NOW, options=kwargs["options"], clusterer=same_event)
    return compose_edition(pool, list_name="daily", title="Morning briefing", now=NOW, **kwargs)


def lead_keys(content) -> list[str]:
    return [s.lead.key for s in content.stories]


def test_items_already_sent_are_left_out() -> None:
    content = compose([item("a"), item("b"), item("c")], exclude_keys=frozenset({"b"}))
    assert sorted(lead_keys(content)) == ["a", "c"]


QUAKE_SENT = item("old", "Japan quake: magnitude 7.1 earthquake strikes off coast", source="AP", hours_ago=20)
QUAKE_NEW = item(
    "new", "Japan quake: tsunami warning after 7.1 magnitude earthquake", source="BBC", hours_ago=2
)


def test_a_new_report_on_a_sent_story_comes_back_marked_updated() -> None:
    [only] = compose([QUAKE_SENT, QUAKE_NEW], exclude_keys={"old"}).stories
    assert only.lead.key == "new" and only.also == [] and only.updated


def test_a_story_that_grew_comes_back_once_then_not_again() -> None:
    first = compose([QUAKE_SENT], exclude_keys=set())
    second = compose([QUAKE_SENT, QUAKE_NEW], exclude_keys=sent_keys(first, set()))
    third = compose([QUAKE_SENT, QUAKE_NEW], exclude_keys=sent_keys(second, sent_keys(first, set())))
    assert [(s.lead.key, s.updated) for s in first.stories] == [("old", False)]
    assert [(s.lead.key, s.updated) for s in second.stories] == [("new", True)]
    assert third.stories == []


def sent_keys(content, before: set[str]) -> set[str]:
    """What planning records for an edition: its stories' items and what readers had before."""
    return before | {i.key for s in content.stories for i in s.items}


@pytest.mark.parametrize(
    ("exclude", "updated", "expected"),
    [
        pytest.param(set(), set(), [("a", False)], id="never sent: new"),
        pytest.param({"a"}, set(), [], id="sent and unchanged: left out"),
        pytest.param(set(), {"a"}, [("a", True)], id="sent, then changed at its source: back, updated"),
    ],
)
def test_an_item_sent_then_changed_comes_back_marked_updated(exclude, updated, expected) -> None:
    content = compose([item("a")], exclude_keys=exclude, updated_keys=updated)
    assert [(s.lead.key, s.updated) for s in content.stories] == expected


def test_an_excluded_story_is_left_out_and_says_why() -> None:
    actions = {"b": EditorAction("b", Action.EXCLUDE)}
    result = compose_all([item("a", hours_ago=2), item("b", hours_ago=1)], actions=actions)
    assert lead_keys(result.content) == ["a"]
    assert [(s.lead.key, why) for s, why in result.left_out] == [("b", "excluded by an editor")]


def test_excluding_a_sent_item_keeps_its_story_out_when_it_grows() -> None:
    actions = {"old": EditorAction("old", Action.EXCLUDE)}
    content = compose([QUAKE_SENT, QUAKE_NEW], exclude_keys={"old"}, actions=actions)
    assert content.stories == []


def test_a_pinned_story_leads_the_edition_in_top_stories() -> None:
    actions = {"p": EditorAction("p", Action.PIN)}
    content = compose([item("a", hours_ago=1), item("p", hours_ago=30, section="culture")], actions=actions)
    assert [(s.name, [st.lead.key for st in s.stories]) for s in content.sections] == [
        ("top", ["p"]),
        ("news", ["a"]),
    ]
    assert max(content.stories, key=lambda s: s.score).lead.key == "p"


def compose_all(items, **kwargs):
    kwargs.setdefault("options", OPTIONS)
    pool = prepare(items, now=NOW, options=kwargs["options"], clusterer=same_event)
    return compose_with_reasons(pool, list_name="daily", title="Morning briefing", now=NOW, **kwargs)


@pytest.mark.parametrize(
    ("categories", "section"),
    [
        pytest.param((), "news", id="the feed's section"),
        pytest.param(("Opinion",), "analysis", id="a mapped category moves it"),
        pytest.param(("Kyiv", "video"), "video", id="the first mapped category, any case"),
        pytest.param(("Kyiv",), "news", id="unmapped categories change nothing"),
    ],
)
def test_a_category_map_sets_the_section(categories, section) -> None:
    options = ComposeOptions(category_sections=(("opinion", "analysis"), ("Video", "video")))
    [story] = compose([item("a", categories=categories)], options=options).stories
    assert story.lead.section == section


def test_a_lists_layout_orders_and_sizes_its_sections() -> None:
    items = [item(f"n{i}", hours_ago=i + 1) for i in range(3)]
    items += [item("v", section="video"), item("c", section="culture"), item("s", section="sport")]
    options = OPTIONS.with_layout((("video", None), ("news", 2), ("culture", 0)))
    content = compose(items, options=options)
    assert [(s.name, len(s.stories)) for s in content.sections] == [("video", 1), ("news", 2), ("sport", 1)]


def test_variants_compose_from_one_clustering_by_the_real_clusterer() -> None:
    items = [QUAKE_SENT, QUAKE_NEW, item("c", "Opera premiere lit by generators", section="culture")]
    pool = prepare(items, now=NOW, options=OPTIONS)
    for topics in ((), ("culture",)):
        direct = compose_edition(items, list_name="daily", title="t", now=NOW, options=OPTIONS, topics=topics)
        assert (
            compose_edition(pool, list_name="daily", title="t", now=NOW, options=OPTIONS, topics=topics)
            == direct
        )


def test_items_older_than_max_age_are_dropped() -> None:
    content = compose([item("fresh", hours_ago=35), item("stale", hours_ago=37)])
    assert lead_keys(content) == ["fresh"]


def test_topics_keep_items_whose_section_or_category_matches_case_insensitively() -> None:
    items = [
        item("n", section="news"),
        item("c", section="culture"),
        item("s", section="news", categories=("Sport", "Football")),
    ]
    assert sorted(lead_keys(compose(items, topics=("CULTURE", "sport")))) == ["c", "s"]
    assert sorted(lead_keys(compose(items))) == ["c", "n", "s"]


def test_sections_are_capped_per_section_and_per_source() -> None:
    items = [item(f"ap{i}", source="AP", hours_ago=i + 1) for i in range(4)]
    items += [item(f"n{i}", hours_ago=i + 1.5) for i in range(6)]
    content = compose(items, options=ComposeOptions(per_section=4, max_per_source=2))
    [news] = content.sections
    assert len(news.stories) == 4
    assert [s.lead.source for s in news.stories].count("AP") == 2


def test_sections_follow_the_configured_order() -> None:
    items = [item("c", section="culture", hours_ago=1), item("v", section="video"), item("n", hours_ago=5)]
    assert [s.name for s in compose(items).sections] == ["news", "video", "culture"]


def test_the_same_input_makes_the_same_edition() -> None:
    items = [item(str(i), hours_ago=i % 5, source=f"S{i % 3}") for i in range(20)]
    assert compose(items) == compose(list(reversed(items)))


def test_the_edition_carries_list_title_date_and_topics() -> None:
    content = compose([item("a")], topics=["news"])
    assert (content.list_name, content.title, content.date, content.topics) == (
        "daily",
        "Morning briefing",
        NOW,
        ("news",),
    )


def test_options_come_from_settings_and_the_lists_layout() -> None:
    class Settings:
        half_life_hours = 6.0
        items_per_section = 7
        max_per_source = 2
        max_age_hours = 24.0
        section_priority = (("news", 1.5),)
        category_sections = (("opinion", "analysis"),)
        diversity = 0.2

    options = ComposeOptions.from_settings(Settings(), (("culture", 2), ("news", None)))
    assert (options.half_life_hours, options.per_section, options.max_per_source, options.max_age_hours) == (
        6.0,
        7,
        2,
        24.0,
    )
    assert (options.section_priority, options.category_sections, options.diversity) == (
        (("news", 1.5),),
        (("opinion", "analysis"),),
        0.2,
    )
    assert options.section_order == ("culture", "news", "analysis", "video")
    assert options.section_sizes == (("culture", 2),)


def test_a_reader_of_culture_gets_the_culture_piece_of_a_story_in_the_culture_section() -> None:
    items = [
        item("report", "Opera: premiere goes ahead", source="Ledger", source_weight=1.2, hours_ago=3),
        item("review", "Opera: the show must go on", source="Signal", section="culture", hours_ago=2),
        item("war", "Frontline: village retaken", source="Ledger", hours_ago=1),
        item("essay", "Budget: what the vote means", source="Dispatch", section="analysis", hours_ago=3),
    ]
    content = compose(items, topics=("analysis", "culture"))
    assert [(s.name, [st.lead.key for st in s.stories]) for s in content.sections] == [
        ("analysis", ["essay"]),
        ("culture", ["review"]),
    ]
    assert [i.key for i in content.sections[1].stories[0].also] == ["report"]


def test_a_topic_readers_story_is_led_by_an_item_of_that_section_before_one_of_that_category() -> None:
    items = [
        item(
            "report",
            "Opera: premiere goes ahead",
            source="Ledger",
            categories=("Culture",),
            source_weight=1.2,
        ),
        item("review", "Opera: the show must go on", source="Signal", section="culture"),
    ]
    [culture] = compose(items, topics=("culture",)).sections
    assert (culture.name, [s.lead.key for s in culture.stories]) == ("culture", ["review"])


def test_readers_without_topics_keep_the_best_lead() -> None:
    items = [
        item("report", "Opera: premiere goes ahead on generator power", source="Ledger", source_weight=1.2),
        item("review", "Opera: the show must go on", source="Signal", section="culture"),
    ]
    [story] = compose(items).stories
    assert story.lead.key == "report"


def strands_by_word(word: str):
    """A stand-in follow-up clusterer: within an "Event:" story, items that share ``word``
    in their title are one strand, the others one strand each."""

    def cluster(items, options):
        if options != OPTIONS.follow_up:
            return same_event(items, options)
        strands: dict[str, list] = {}
        for found in items:
            strands.setdefault(word if word in found.title else found.key, []).append(found)
        return list(strands.values())

    return cluster


def test_a_new_item_that_only_resembles_a_sent_story_starts_a_story_of_its_own() -> None:
    sent = item("kyiv", "Strikes: Russia hits Kyiv overnight", source="Ledger", hours_ago=10)
    follow = item("toll", "Strikes: Kyiv death toll rises to nine", source="Wire", hours_ago=2)
    other = item("kharkiv", "Strikes: glide bombs hit Kharkiv", source="Wire", hours_ago=1)
    pool = prepare([sent, follow, other], now=NOW, options=OPTIONS, clusterer=strands_by_word("Kyiv"))
    content = compose_edition(
        pool, list_name="daily", title="t", now=NOW, options=OPTIONS, exclude_keys={"kyiv"}
    )
    assert sorted((s.lead.key, [i.key for i in s.also], s.updated) for s in content.stories) == [
        ("kharkiv", [], False),
        ("toll", [], True),
    ]


KYIV_SENT = [
    item(
        "kyiv-1",
        "Russia launches 470 drones and 38 missiles at Ukraine overnight, "
        "Kyiv's left bank left without power",
        source="The Kyiv Ledger",
        hours_ago=20,
        summary_text="Russian forces launched one of the largest attacks of the war overnight, "
        "targeting energy facilities in Kyiv. At least six people were killed in the capital.",
    ),
    item(
        "kyiv-2",
        "Kyiv: six killed, dozens injured as Russia strikes energy sites in overnight attack",
        source="Black Sea Wire",
        hours_ago=19,
        summary_text="Six people were killed and dozens injured in Kyiv as Russia struck energy sites.",
    ),
]
KYIV_FOLLOW_UP = item(
    "kyiv-3",
    "Death toll from Russia's overnight attack on Kyiv rises to nine",
    source="Frontline TV",
    hours_ago=6,
    summary_text="Rescuers in Kyiv found three more bodies under the rubble after Russia's overnight "
    "drone and missile attack on energy sites.",
)
LOOK_ALIKES = [
    pytest.param(
        item(
            "heating",
            "Heating season starts early in Kyiv as frost sets in",
            source="The Kyiv Ledger",
            hours_ago=1,
            summary_text="Kyiv City Council ordered radiators switched on from Nov. 27 as night frosts "
            "reach the capital.",
        ),
        id="heating season in Kyiv",
    ),
    pytest.param(
        item(
            "glide-bombs",
            "Russian glide bombs hit Kharkiv, injuring 14",
            source="Frontline TV",
            hours_ago=2,
            summary_text="Russian forces struck Kharkiv with four guided aerial bombs, damaging a school "
            "and apartment blocks.",
        ),
        id="glide bombs on Kharkiv",
    ),
    pytest.param(
        item(
            "kharkiv-energy",
            "Russian drones hit Kharkiv energy sites overnight, 14 injured",
            source="Frontline TV",
            hours_ago=2,
            summary_text="Russia attacked energy facilities in Kharkiv overnight; fourteen people were "
            "injured, the mayor said.",
        ),
        id="drones on Kharkiv energy sites",
    ),
]


def real(items, **kwargs):
    """Composed with the real clusterer."""
    return compose_edition(items, list_name="daily", title="t", now=NOW, options=OPTIONS, **kwargs)


def test_updated_marks_a_sent_story_that_gained_an_item_about_the_same_event() -> None:
    content = real([*KYIV_SENT, KYIV_FOLLOW_UP], exclude_keys={"kyiv-1", "kyiv-2"})
    assert [(s.lead.key, s.updated) for s in content.stories] == [("kyiv-3", True)]


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_an_item_that_resembles_a_sent_story_is_not_marked_updated(look_alike) -> None:
    content = real([*KYIV_SENT, look_alike], exclude_keys={"kyiv-1", "kyiv-2"})
    assert [(s.lead.key, s.updated) for s in content.stories] == [(look_alike.key, False)]


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_also_in_lists_only_items_of_the_same_story(look_alike) -> None:
    content = real([*KYIV_SENT, look_alike])
    assert [s.lead.key for s in content.stories if look_alike in s.items] == [look_alike.key]
    assert [i.key for s in content.stories for i in s.also if i.key == look_alike.key] == []
