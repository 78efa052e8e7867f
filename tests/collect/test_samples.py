"""The bundled sample feeds and their OPML: every listed feed is there, reads and normalizes cleanly."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from digest.collect.fetch import FetchOptions, fetch
from digest.collect.normalize import normalize
from digest.collect.parse import parse
from digest.models import Feed, Item

from .conftest import SAMPLE_FEEDS

OPML = SAMPLE_FEEDS.parent / "feeds.opml"
WEIGHT = "{https://github.com/digest-news/digest}weight"
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _outlines() -> list[ElementTree.Element]:
    return ElementTree.parse(OPML).getroot().findall("./body/outline")


def _items() -> list[Item]:
    items: list[Item] = []
    for number, outline in enumerate(_outlines(), start=1):
        result = fetch(str(OPML.parent / outline.attrib["xmlUrl"]), options=FetchOptions())
        assert result.body is not None
        feed = Feed(
            id=number,
            url=result.url,
            name=outline.attrib["text"],
            section=outline.attrib["category"],
            weight=float(outline.attrib[WEIGHT]),
        )
        parsed = parse(result.body, result.url, result.content_type)
        items += [item for entry in parsed.entries if (item := normalize(entry, feed, first_seen=NOW))]
    return items


def test_the_opml_lists_every_sample_feed_with_a_section_and_weight() -> None:
    outlines = _outlines()
    assert sorted(o.attrib["xmlUrl"].removeprefix("feeds/") for o in outlines) == sorted(
        p.name for p in SAMPLE_FEEDS.iterdir()
    )
    assert {o.attrib["category"] for o in outlines} == {"news", "analysis", "video", "culture"}
    assert all(0 < float(o.attrib[WEIGHT]) <= 2 for o in outlines)


def test_every_sample_item_normalizes_with_a_date_in_the_recent_past() -> None:
    items = _items()
    assert len(items) == 61
    assert len({item.key for item in items}) == len(items)
    assert all(datetime(2026, 11, 20, tzinfo=UTC) < item.published < NOW for item in items if item.published)
    assert Counter(item.section for item in items) == {"news": 30, "analysis": 10, "video": 10, "culture": 11}
    assert all(item.is_video for item in items if item.section == "video")


@pytest.mark.parametrize("pattern", [r"utm_", r"ref_src", r"pixel\.tracker", r"<script", r"\son\w+="])
def test_sample_items_carry_no_tracking_or_unsafe_markup(pattern: str) -> None:
    for item in _items():
        assert not re.search(pattern, item.url + item.summary_html + (item.image_url or ""))


def test_several_outlets_cover_the_same_stories() -> None:
    items = _items()
    for words in (("prisoner", "pow"), ("€90", "loan"), ("huliaipole",), ("opera",), ("drones", "attack")):
        sources = {i.source for i in items if any(w in (i.title + i.summary_text).lower() for w in words)}
        assert len(sources) >= 3, words


def test_stated_reading_times_and_captions_survive() -> None:
    ledger = [i for i in _items() if i.source == "The Kyiv Ledger"]
    assert {i.reading_minutes for i in ledger} >= {2, 3, 4, 5}
    assert sum(1 for i in ledger if i.image_url and i.image_caption) == 7
    assert not any("min read" in i.summary_text for i in ledger)
