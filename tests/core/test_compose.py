"""Composing one edition variant from collected items."""

from __future__ import annotations

from digest.compose import ComposeOptions, compose_edition

from .factories import NOW, item

OPTIONS = ComposeOptions(per_section=5, max_per_source=3, max_age_hours=36)


def compose(items, **kwargs):
    kwargs.setdefault("options", OPTIONS)
    return compose_edition(items, list_name="daily", title="Morning briefing", now=NOW, **kwargs)


def lead_keys(content) -> list[str]:
    return [s.lead.key for s in content.stories]


def test_items_already_sent_are_left_out() -> None:
    content = compose([item("a"), item("b"), item("c")], exclude_keys=frozenset({"b"}))
    assert sorted(lead_keys(content)) == ["a", "c"]


def test_a_new_report_on_a_sent_story_comes_back_marked_updated() -> None:
    sent = item("old", "Magnitude 7.1 earthquake strikes off coast of Japan", source="AP", hours_ago=20)
    new = item("new", "Japan earthquake: magnitude 7.1 quake strikes off coast", source="BBC", hours_ago=2)
    [only] = compose([sent, new], exclude_keys={"old"}).stories
    assert only.lead.key == "new" and only.also == [] and only.updated


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


def test_options_come_from_settings() -> None:
    class Settings:
        half_life_hours = 6.0
        items_per_section = 7
        max_per_source = 2
        max_age_hours = 24.0

    options = ComposeOptions.from_settings(Settings())
    assert (options.half_life_hours, options.per_section, options.max_per_source, options.max_age_hours) == (
        6.0,
        7,
        2,
        24.0,
    )
