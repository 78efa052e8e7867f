"""Feed furniture (reading times, "Read more", WordPress footers) leaves summaries once, at normalize."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.collect.furniture import strip_furniture, strip_furniture_text
from digest.collect.normalize import normalize
from digest.models import Feed, RawEntry

FEED = Feed(id=1, url="https://ledger.example/rss", name="Ledger")
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        ("<p>Talks resume.</p><p><em>Reading time: 6 min read</em></p>", "<p>Talks resume.</p>"),
        ("<p>Talks resume.</p><p>4 min read</p>", "<p>Talks resume.</p>"),
        ("<p>Talks resume.</p><p>Read time: 5 minutes</p>", "<p>Talks resume.</p>"),
        ('<p>Talks resume.</p><p><a href="https://x.example/a">Read more</a></p>', "<p>Talks resume.</p>"),
        ("<p>Talks resume.</p><p>Continue reading on The Ledger »</p>", "<p>Talks resume.</p>"),
        (
            '<p>Talks resume.</p><p>The post <a href="https://x.example/a">Talks</a> appeared first on '
            '<a href="https://x.example">The Ledger</a>.</p>',
            "<p>Talks resume.</p>",
        ),
        ('<p>Talks resume. <a href="https://x.example/a">Read more</a></p>', "<p>Talks resume. </p>"),
    ],
)
def test_furniture_blocks_are_removed(markup: str, kept: str) -> None:
    assert strip_furniture(markup) == kept


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Readers have 5 minutes to vote, the council said.</p>",
        "<p>Read more books, the minister urged.</p>",
        "<p>Why we read more slowly on screens</p>",
        '<p><img src="https://x.example/a.jpg" alt="4 min read"></p>',
    ],
)
def test_text_that_merely_mentions_reading_stays(markup: str) -> None:
    assert strip_furniture(markup) == markup


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Talks resume after a pause. Read more »", "Talks resume after a pause."),
        ("Talks resume after a pause [...] Continue reading", "Talks resume after a pause"),
        ("6 min read", ""),
        ("Read more books, the minister urged.", "Read more books, the minister urged."),
    ],
)
def test_plain_summaries_lose_a_trailing_read_more(text: str, kept: str) -> None:
    assert strip_furniture_text(text) == kept


def test_an_item_says_its_reading_time_once_and_keeps_the_feeds_figure() -> None:
    entry = RawEntry(
        guid="a",
        link="https://ledger.example/a",
        title="Prisoner exchange",
        summary_html="<p>Exchanges have continued.</p><p><em>Reading time: 6 min read</em></p>",
    )
    item = normalize(entry, FEED, first_seen=NOW)
    assert item is not None
    assert item.reading_minutes == 6
    assert "read" not in item.summary_html.lower() and "read" not in item.summary_text.lower()
    assert item.summary_text == "Exchanges have continued."


def test_a_summary_that_is_only_furniture_becomes_empty() -> None:
    entry = RawEntry(guid="b", link="https://ledger.example/b", title="Map", summary_html="<p>3 min read</p>")
    item = normalize(entry, FEED, first_seen=NOW)
    assert item is not None and item.summary_html == "" and item.summary_text == ""
