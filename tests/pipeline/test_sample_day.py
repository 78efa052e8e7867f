"""The bundled sample day, collected and composed as the demo does, against its true stories.

``digest/sample/stories.csv`` gives every sample item its story: several are covered by several
outlets, and several look alike but are different events (strikes on Kyiv, Kharkiv, Sumy and
Izmail; two prizes; two court rulings). The demo moves the feeds' dates up to "now"
(``sample.materialize``), collects them from disk and composes the edition; so does this test.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest import sample
from digest.cluster.model import shipped_model
from digest.compose import ComposeOptions, Composition, compose, compose_edition
from digest.models import Story, Subscriber
from digest.opml import parse_opml
from digest.pipeline.collecting import refresh_feed
from digest.pipeline.preview import preview_edition
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

# The parts an explanation names: the meaning's only when the shipped model gives it a share.
PART_NAMES = ["title and summary words", "character n-grams"] + (
    ["meaning (word embeddings)"] if shipped_model().embed_weight > 0 else []
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def true_stories() -> dict[tuple[str, str], str]:
    with sample.STORIES.open(encoding="utf-8", newline="") as handle:
        return {(row["source"], row["title"]): row["story"] for row in csv.DictReader(handle)}


def collect_sample(settings, folder: Path, now: datetime) -> None:
    """What `digest demo` does before sending: the sample feeds, dated up to ``now``, collected."""
    opml = sample.materialize(folder, now)
    specs = parse_opml(opml.read_bytes(), str(opml), local_dir=opml.parent)
    with transaction(settings.database_url) as conn:
        feeds = [feed_store.add(conn, spec, now)[0] for spec in specs]
        subscriber_store.save(conn, Subscriber(email="reader@example.org", lists=("daily",)), now)
    for feed in feeds:
        assert refresh_feed(feed.id, settings, now=now).status == "ok", feed.url


def entries(composition: Composition) -> list[Story]:
    """Every story the edition was composed of: those shown and those left out."""
    return composition.content.stories + [story for story, _ in composition.left_out]


def labels(story: Story, truth: dict[tuple[str, str], str]) -> list[str]:
    return [truth[(item.source, item.title)] for item in story.items]


@pytest.fixture
def sample_day(settings, tmp_path) -> Composition:
    collect_sample(settings, tmp_path / "sample", NOW)
    return preview_edition("daily", settings, now=NOW, new_reader=True).composition


def test_every_sample_item_has_its_true_story_and_reaches_the_edition(sample_day) -> None:
    truth = true_stories()
    composed = [(item.source, item.title) for story in entries(sample_day) for item in story.items]
    assert sorted(composed) == sorted(truth), "stories.csv and the collected sample differ"


def test_the_sample_stays_fresh_whatever_day_the_demo_runs(tmp_path) -> None:
    """Every item falls inside the edition's 36 hours and the newest is minutes old."""
    folder = tmp_path / "sample"
    sample.materialize(folder, NOW)
    dates = [sample.newest_date(path.read_text()) for path in (folder / "feeds").iterdir()]
    oldest = [sample.oldest_date(path.read_text()) for path in (folder / "feeds").iterdir()]
    assert max(d for d in dates if d) > NOW - timedelta(minutes=30)
    assert min(d for d in oldest if d) > NOW - timedelta(hours=36)


@pytest.mark.xfail(
    strict=True,
    reason="known limit of a headline similarity: Kharkiv's theater tour and underground schools join its "
    "glide-bomb story, the Black Sea corridor the Izmail strike, and the early heating season the first "
    "snow in Kyiv (one topic, two events, whose headlines are close in the meaning embedding)",
)
def test_no_sample_item_joins_a_story_it_does_not_belong_to(sample_day) -> None:
    truth = true_stories()
    mixed = [labels(story, truth) for story in entries(sample_day) if len(set(labels(story, truth))) > 1]
    assert mixed == []


@pytest.mark.xfail(
    strict=True,
    reason="known limit of a headline similarity: kyiv-strike's analysis piece and drone-industry's video "
    "share too little with their stories' reports (words 0.08-0.16, meaning 0.13-0.36) to join them; "
    "kyiv-strike's three reports and emergency-outages are one entry each since the meaning embedding",
)
def test_each_multi_outlet_sample_story_is_one_entry(sample_day) -> None:
    truth = true_stories()
    holding: dict[str, int] = defaultdict(int)
    for story in entries(sample_day):
        for label in set(labels(story, truth)):
            holding[label] += 1
    split = {label: n for label, n in holding.items() if n > 1}
    assert split == {}


def test_the_sample_edition_shows_every_section_that_leads_a_story(sample_day) -> None:
    leading = {story.lead.section for story in entries(sample_day)}
    assert {section.name for section in sample_day.content.sections} == leading


def test_the_source_cap_leaves_out_no_sample_story_carried_wider_than_one_it_kept(sample_day) -> None:
    kept = sample_day.content.stories
    capped = [story for story, why in sample_day.left_out if why.endswith(" already leads 3")]
    wider = [
        (story.lead.title, other.lead.title)
        for story in capped
        for other in kept
        if other.lead.source == story.lead.source and len(other.sources) < len(story.sources)
    ]
    assert wider == []


def test_a_sample_reader_of_analysis_and_culture_gets_those_sections_only(settings, tmp_path) -> None:
    """Amira Haddad in the sample's subscribers chose analysis and culture."""
    collect_sample(settings, tmp_path / "sample", NOW)
    chosen = preview_edition("daily", settings, now=NOW, new_reader=True, topics=("analysis", "culture"))
    assert [section.name for section in chosen.composition.content.sections] == ["analysis", "culture"]


def test_updated_marks_only_stories_whose_event_was_sent_before(settings, tmp_path) -> None:
    """An edition five hours before the sample's end, then the next one: what comes back
    marked [Updated] holds only items of events readers had in the first."""
    collect_sample(settings, tmp_path / "sample", NOW)
    truth = true_stories()
    with transaction(settings.database_url) as conn:
        items = item_store.recent(conn, NOW - timedelta(hours=settings.max_age_hours))
    options = ComposeOptions.from_settings(settings)
    earlier = NOW - timedelta(hours=5)
    first = compose_edition(
        [i for i in items if i.published and i.published <= earlier],
        list_name="daily",
        title="Daily",
        now=earlier,
        options=options,
    )
    sent = {item.key for story in first.stories for item in story.items}
    had = {truth[(item.source, item.title)] for item in items if item.key in sent}
    second = compose_edition(
        items, list_name="daily", title="Daily", now=NOW, options=options, exclude_keys=sent
    )
    updated = [labels(story, truth) for story in second.stories if story.updated]
    assert [found for found in updated if not set(found) <= had] == []
    assert "heating-season" not in {label for found in updated for label in found}


# More reports of the Kyiv strike, as on a day it dominates: "Kyiv" is then mostly the strike's.
MORE_STRIKE_REPORTS = [
    (
        "Kyiv Post Wire",
        "Death toll in Kyiv rises to nine after overnight Russian strike",
        "Rescuers in Kyiv recovered three more bodies from a damaged apartment block on "
        "Nov. 25, raising the toll of the overnight attack to nine.",
    ),
    (
        "Capital Daily",
        "Kyiv metro stations shelter thousands during record attack",
        "Thousands of Kyiv residents spent the night in metro stations as Russia launched "
        "hundreds of drones and missiles at the capital.",
    ),
    (
        "Capital Daily",
        "Power restored to half of Kyiv's left bank after massive strike",
        "Engineers restored electricity to about half of the homes on Kyiv's left bank, "
        "DTEK said on Nov. 25, after the overnight attack.",
    ),
    (
        "Kyiv Post Wire",
        "Zelensky calls for more air defense after record strike on Kyiv",
        "President Volodymyr Zelensky urged partners to deliver more air defense systems "
        "after Russia's largest combined attack on Kyiv.",
    ),
    (
        "Kyiv Post Wire",
        "Kyiv mayor: water supply back in most districts after attack",
        "Kyiv Mayor Vitali Klitschko said water supply had resumed in most districts "
        "after the overnight strike damaged power facilities.",
    ),
    (
        "City Wire",
        "Kyiv schools switch to remote learning after strike on power grid",
        "Kyiv's education department moved classes online on Nov. 25 as the overnight "
        "attack left schools without power.",
    ),
    (
        "City Wire",
        "Photos: Kyiv the morning after Russia's largest attack",
        "Smoke over the Dnipro, queues at water points and damaged cars: Kyiv on the morning of Nov. 25.",
    ),
    (
        "Capital Daily",
        "Kyiv declares day of mourning after deadly overnight attack",
        "Kyiv will observe a day of mourning on Nov. 26 for the nine people killed in the "
        "overnight Russian strike, the city administration said.",
    ),
    (
        "Kyiv Post Wire",
        "Debris falls on three Kyiv districts as air defense downs drones",
        "Falling debris damaged buildings in Kyiv's Darnytskyi, Dniprovskyi and "
        "Solomianskyi districts during the overnight attack.",
    ),
    (
        "City Wire",
        "Kyiv hospitals run on generators after overnight strike",
        "Kyiv's hospitals switched to backup generators after the Nov. 25 attack cut power to the left bank.",
    ),
    (
        "Capital Daily",
        "Heating outages hit 1,200 Kyiv buildings after attack",
        "About 1,200 apartment buildings in Kyiv were left without heating after the "
        "overnight Russian strike damaged a thermal power plant.",
    ),
]
# Sample stories that share nothing with the strike but the city's name.
ONLY_THE_CITY = {"opera-premiere", "design-week", "first-snow", "kyiv-winter-preparations", "book-arsenal"}


def test_on_a_day_the_strike_dominates_kyiv_joins_nothing_else_to_it(settings, tmp_path) -> None:
    collect_sample(settings, tmp_path / "sample", NOW)
    with transaction(settings.database_url) as conn:
        items = item_store.recent(conn, NOW - timedelta(hours=settings.max_age_hours))
    report = next(item for item in items if true_stories()[(item.source, item.title)] == "kyiv-strike")
    more = [
        replace(
            report,
            key=f"more-{n}",
            id=None,
            source=source,
            url=f"https://more.example/{n}",
            title=title,
            summary_text=summary,
            summary_html=summary,
        )
        for n, (source, title, summary) in enumerate(MORE_STRIKE_REPORTS)
    ]
    truth = {**true_stories(), **{(i.source, i.title): "kyiv-strike" for i in more}}
    options = ComposeOptions.from_settings(settings)
    day = compose([*items, *more], list_name="daily", title="Daily", now=NOW, options=options)
    stories = [set(labels(story, truth)) for story in entries(day)]
    assert [found for found in stories if "kyiv-strike" in found and found & ONLY_THE_CITY] == []
    culture = {"opera-premiere", "design-week", "book-arsenal"}  # first snow has its own look-alike (above)
    assert [found for found in stories if found & culture and len(found) > 1] == []


def test_the_preview_says_for_each_joined_sample_item_its_similarity_and_the_parts_that_made_it(
    settings, tmp_path
) -> None:
    collect_sample(settings, tmp_path / "sample", NOW)
    preview = preview_edition("daily", settings, now=NOW, new_reader=True)
    joined = [item.key for story in entries(preview.composition) for item in story.also]
    assert joined and sorted(preview.joins) == sorted(joined)
    for reason in preview.joins.values():
        assert reason.similarity is not None and 0 < reason.similarity <= 1
        assert [name for name, _ in reason.parts] == PART_NAMES
        assert "; similarity " in reason.text and "character n-grams" in reason.text
