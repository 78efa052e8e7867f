"""normalize and its helpers: canonical URLs, keys, the sanitizer, text, reading time, items."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from digest.collect.normalize import (
    SUMMARY_MAX,
    canonical_url,
    html_to_text,
    item_key,
    normalize,
    reading_minutes,
    sanitize_html,
)
from digest.models import Feed, RawEntry

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FEED = Feed(
    id=7, url="https://kyivledger.example/feed.xml", name="Kyiv Ledger", section="analysis", weight=1.5
)
BASE = "https://kyivledger.example/news/a"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://KyivLedger.Example:443/News/A?id=3#comments", "https://kyivledger.example/News/A?id=3"),
        ("http://kyivledger.example:80", "http://kyivledger.example/"),
        ("http://kyivledger.example:8080/a", "http://kyivledger.example:8080/a"),
        ("https://x.example/a?utm_source=rss&utm_medium=feed&id=1", "https://x.example/a?id=1"),
        ("https://x.example/a?b=2&fbclid=XYZ&a=1&gclid=1&mc_cid=2&mc_eid=3", "https://x.example/a?b=2&a=1"),
        ("https://x.example/a?yclid=1&igshid=2&_hsenc=3&ref_src=twsrc&UTM_Campaign=x", "https://x.example/a"),
        ("https://x.example/a?q=a%20b&empty=&x", "https://x.example/a?q=a%20b&empty=&x"),
        ("https://x.example/a?", "https://x.example/a"),
        ("  https://x.example/a  ", "https://x.example/a"),
        ("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"),
        ("tag:example.com,2026:a", "tag:example.com,2026:a"),
        ("/relative/path", "/relative/path"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_item_keys_are_stable_short_and_prefer_the_guid() -> None:
    key = item_key(1, "guid-1", "https://x.example/a")
    assert key == item_key(1, "guid-1", "https://x.example/other")  # the guid decides
    assert re.fullmatch(r"[0-9a-f]{20}", key)
    assert key != item_key(2, "guid-1", "https://x.example/a")  # feeds do not share guids
    assert item_key(1, None, "https://x.example/a") == item_key(1, "  ", "https://x.example/a")
    assert item_key(1, None, "https://x.example/a") != item_key(1, None, "https://x.example/b")


def test_item_key_does_not_change_between_runs() -> None:
    # Stored keys must survive upgrades: pin one value.
    assert item_key(1, "guid-1", "https://x.example/a") == "955a13a9cebd3176149f"


HOSTILE = [
    ("<p>hi</p><script>alert(1)</script>", "<script"),
    ('<img src="https://x.example/a.jpg" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "script:"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "script:"),
    ('<img src="data:image/png;base64,AAAA">', "data:"),
    ('<a href="data:text/html,<script>x</script>">x</a>', "data:"),
    ('<p style="background:url(https://evil.example/x)">x</p>', "style"),
    ("<style>body{display:none}</style><p>x</p>", "<style"),
    ('<link rel="stylesheet" href="https://evil.example/x.css"><p>x</p>', "<link"),
    ('<iframe src="https://evil.example/"></iframe><p>x</p>', "iframe"),
    ('<svg onload="alert(1)"><circle/></svg>', "onload"),
    ('<form action="https://evil.example/"><input name="q"></form>', "<form"),
    ('<object data="x.swf"></object><embed src="x.swf">', "swf"),
    ('<p onclick="steal()">x</p>', "onclick"),
    ('<base href="https://evil.example/"><a href="/a">x</a>', "evil"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "refresh"),
    ("<p><!-- comment --></p>", "comment"),
]


@pytest.mark.parametrize(("markup", "forbidden"), HOSTILE)
def test_the_sanitizer_removes_hostile_markup(markup: str, forbidden: str) -> None:
    assert forbidden.lower() not in sanitize_html(markup, BASE).lower()


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Hello <b>world</b></p>", "<p>Hello <b>world</b></p>"),
        (
            '<a href="/news/b">more</a>',
            '<a href="https://kyivledger.example/news/b" rel="noopener noreferrer nofollow">more</a>',
        ),
        ('<img src="photo.jpg" alt="A">', '<img src="https://kyivledger.example/news/photo.jpg" alt="A">'),
        ('<p>Text<img src="https://t.example/p.gif" width="1" height="1"></p>', "<p>Text</p>"),
        ('<img src="https://t.example/p.gif" height="0">', ""),
        ('<img src="https://x.example/photo.jpg" width="640" height="1">', ""),
        (
            '<img src="https://x.example/photo.jpg" width="640">',
            '<img src="https://x.example/photo.jpg" width="640">',
        ),
        ('<div class="x"><span>plain</span></div>', "plain"),
        ("<p>Tom &amp; Jerry &lt;3</p>", "<p>Tom &amp; Jerry &lt;3</p>"),
        (
            '<a href="mailto:tips@kyivledger.example">tips</a>',
            '<a href="mailto:tips@kyivledger.example" rel="noopener noreferrer nofollow">tips</a>',
        ),
    ],
)
def test_the_sanitizer_keeps_the_story_with_absolute_links(markup: str, expected: str) -> None:
    assert sanitize_html(markup, BASE) == expected


def test_relative_links_are_dropped_when_there_is_no_web_base() -> None:
    assert (
        sanitize_html('<a href="/a">x</a>', "/local/feed.xml")
        == '<a rel="noopener noreferrer nofollow">x</a>'
    )


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Kyiv &amp; Lviv</p><p>second\n\n  paragraph</p>", "Kyiv & Lviv second paragraph"),
        ("Tom&nbsp;&amp;&#160;Jerry &#8212; &quot;cats&quot;", 'Tom & Jerry — "cats"'),
        ("<script>var x = 1;</script><style>p{}</style>Visible", "Visible"),
        ("line<br>break", "line break"),
        ("double &amp;#8217; escaped", "double ’ escaped"),
        ("Укренерго <b>відключення</b> 🔦", "Укренерго відключення 🔦"),
        ("", ""),
        ("a < b and c > d", "a < b and c > d"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("", 1),
        ("word " * 100, 1),
        ("word " * 231, 2),
        ("<p>" + "word " * 690 + "</p>", 3),
        ("<p>Teaser.</p><p>7 min read</p>", 7),
        ("A 12-minute read", 12),
        ("Minutes read by the council: 5", 1),
        ("Reading time: 4 mins read", 4),
        ("5 minutes read " + "word " * 2000, 5),
        ("0 min read", 1),
    ],
)
def test_reading_minutes(text: str, minutes: int) -> None:
    assert reading_minutes(text) == minutes


def _entry(**fields: object) -> RawEntry:
    base: dict[str, object] = {
        "guid": "g-1",
        "link": "https://kyivledger.example/news/a?utm_source=rss#top",
        "title": "EU agrees &amp; <b>approves</b>   loan",
        "summary_html": '<p>Summary <a href="/b">link</a></p><p>4 min read</p>',
        "published": datetime(2026, 11, 25, 7, 30, tzinfo=UTC),
    }
    base.update(fields)
    return RawEntry(**base)  # type: ignore[arg-type]


def test_a_full_entry_becomes_an_item() -> None:
    entry = _entry(
        categories=["War", " war ", "Kyiv", ""],
        author="<b>Olena</b>",
        image_url="/media/p.jpg",
        image_caption="<i>Smoke</i> over Kyiv",
        media_type="video",
    )
    item = normalize(entry, FEED, first_seen=NOW)
    assert item is not None
    assert item.title == "EU agrees & approves loan"
    assert item.url == "https://kyivledger.example/news/a"
    assert item.key == item_key(7, "g-1", item.url)
    assert item.summary_text == "Summary link"
    assert 'href="https://kyivledger.example/b"' in item.summary_html  # relative to the item's link
    assert item.reading_minutes == 4
    assert item.categories == ("War", "Kyiv")
    assert (item.author, item.image_url, item.image_caption) == (
        "Olena",
        "https://kyivledger.example/media/p.jpg",
        "Smoke over Kyiv",
    )
    assert (item.section, item.source, item.source_weight, item.feed_id) == (
        "analysis",
        "Kyiv Ledger",
        1.5,
        7,
    )
    assert item.is_video


@pytest.mark.parametrize(
    ("published", "updated", "expected"),
    [
        (
            datetime(2026, 11, 25, 9, 30, tzinfo=timezone(timedelta(hours=2))),
            None,
            datetime(2026, 11, 25, 7, 30, tzinfo=UTC),
        ),
        (None, datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)),
        (None, None, NOW),
        (NOW + timedelta(hours=20), None, NOW + timedelta(hours=20)),
        (NOW + timedelta(days=3), None, NOW),
    ],
    ids=["to-utc", "updated-fallback", "missing", "slightly-ahead", "far-future"],
)
def test_published_is_utc_with_fallbacks(
    published: datetime | None, updated: datetime | None, expected: datetime
) -> None:
    item = normalize(_entry(published=published, updated=updated), FEED, first_seen=NOW)
    assert item is not None and item.published == expected and item.published.utcoffset() == timedelta(0)


def test_an_entry_without_title_takes_the_first_words_of_its_text() -> None:
    item = normalize(
        _entry(title=None, summary_html="<p>" + "Drones hit Kyiv overnight. " * 20 + "</p>"),
        FEED,
        first_seen=NOW,
    )
    assert item is not None
    assert item.title.startswith("Drones hit Kyiv overnight.") and item.title.endswith("…")
    assert len(item.title) <= 100


def test_an_entry_without_link_uses_a_url_guid_else_the_feed_url() -> None:
    with_url_guid = normalize(_entry(link=None, guid="https://kyivledger.example/p/9"), FEED, first_seen=NOW)
    assert with_url_guid is not None and with_url_guid.url == "https://kyivledger.example/p/9"
    plain_guid = normalize(_entry(link=None, guid="abc"), FEED, first_seen=NOW)
    assert plain_guid is not None and plain_guid.url == FEED.url


def test_entries_without_guid_or_link_get_distinct_keys() -> None:
    first = normalize(_entry(link=None, guid=None, title="One"), FEED, first_seen=NOW)
    second = normalize(_entry(link=None, guid=None, title="Two"), FEED, first_seen=NOW)
    assert first is not None and second is not None and first.key != second.key


def test_an_empty_entry_is_dropped() -> None:
    assert normalize(RawEntry(guid="x", summary_html="<p> </p>"), FEED, first_seen=NOW) is None


def test_long_summaries_and_titles_are_capped_on_a_word_boundary() -> None:
    text = " ".join(f"word{i}" for i in range(300))
    item = normalize(_entry(title=text, summary_html=text), FEED, first_seen=NOW)
    assert item is not None
    for capped, limit in ((item.summary_text, SUMMARY_MAX), (item.title, 300)):
        assert len(capped) <= limit and capped.endswith("…")
        assert (text + " ").startswith(capped[:-1] + " ")  # cut between words, not inside one


def test_content_only_entries_get_a_short_plain_summary() -> None:
    item = normalize(
        _entry(summary_html=None, content_html="<p>" + "text " * 1000 + "</p>"), FEED, first_seen=NOW
    )
    assert item is not None
    assert item.summary_html.startswith("<p>text") and len(item.summary_html) < SUMMARY_MAX + 10
    assert item.reading_minutes == 5


def test_the_source_falls_back_to_the_feed_host() -> None:
    feed = Feed(id=1, url="https://www.frontline.example/rss", name="")
    item = normalize(_entry(), feed, first_seen=NOW)
    assert item is not None and item.source == "www.frontline.example"
