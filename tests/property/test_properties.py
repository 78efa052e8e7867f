"""Properties that must hold for any input (hypothesis): the parser and the normalizer never
crash on anything a server can send, the Telegram splitter stays within the platform's tags and
length whatever the items say, and the email renderer stays within its size budget.

(tests/core/test_render_telegram.py checks the splitter with arbitrary text; here the items
carry arbitrary URLs, markup and sizes as well, and go through the whole renderer.)
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from xml.sax.saxutils import escape as xml_escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.collect.normalize import normalize
from digest.collect.parse import parse
from digest.errors import ParseError
from digest.limits import TELEGRAM_MAX_ENTITIES, TELEGRAM_MAX_LENGTH
from digest.models import EditionContent, Feed, Item, RawEntry, Section, Story
from digest.render import Branding, Renderer, email_size
from digest.render.telegram import TELEGRAM_ALLOWED_TAGS, utf16_len
from tests.hostile.test_corpus_pipeline import email_problems

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FEED = Feed(id=1, url="https://outlet.example/rss", name="Outlet")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
markup_bits = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<p style="background:url(https://evil.example/p.gif)">',
        "<style>body{display:none}</style>",
        '<iframe src="https://evil.example"></iframe>',
        '<a href="data:text/html,<b>x</b>">d</a>',
        "<svg onload=alert(1)>",
        '<img src="https://outlet.example/a.jpg" width="1" height="1">',
        *("<b>", "</i>", "<p>", "</p>", "<br/>", "<", "<![CDATA[", "]]>"),
        *("&amp;", "&lt;", "&#0;", "&#x1F600;", "&nbsp;", "\u202e", "\x00", "\x1b"),
    ]
)
markup = st.lists(st.one_of(text, markup_bits), max_size=12).map("".join)
urls = st.one_of(
    st.sampled_from(
        [
            "https://outlet.example/story",
            "http://outlet.example/a?utm_source=x&id=3",
            "javascript:alert(1)",
            "data:text/html;base64,AAAA",
            "//evil.example/x",
            "/relative/path",
            "mailto:a@b.example",
            "ftp://x",
            "https://[::1]/",
            "https://xn--80ak6aa92e.example/",
            "https://outlet.example/" + "a" * 3000,
            "",
        ]
    ),
    text,
)
dates = st.one_of(st.none(), st.datetimes(timezones=st.sampled_from([UTC, None])))


# --- the parser ------------------------------------------------------------------------------


def rss_body(entries: list[tuple[str, str, str, str]], encoding: str) -> bytes:
    items = "".join(
        f"<item><guid>{xml_escape(g)}</guid><link>{xml_escape(link)}</link><title>{xml_escape(t)}</title>"
        f"<description>{xml_escape(d)}</description></item>"
        for g, link, t, d in entries
    )
    body = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>{items}'
    return (body + "</channel></rss>").encode(encoding, errors="replace")


@SETTINGS
@given(
    body=st.binary(max_size=3000), content_type=st.sampled_from([None, "application/rss+xml", "text/html"])
)
def test_the_parser_never_crashes_on_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    with contextlib.suppress(ParseError):  # refusing is an answer; any other exception is a bug
        parse(body, FEED.url, content_type)


@SETTINGS
@given(
    prefix=st.sampled_from([b"", b"<?xml version='1.0'?>", b"<rss version='2.0'><channel>", b'{"items": [']),
    body=st.binary(max_size=1500),
)
def test_the_parser_never_crashes_on_truncated_or_corrupted_feeds(prefix: bytes, body: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse(prefix + body, FEED.url)


@SETTINGS
@given(
    entries=st.lists(st.tuples(text, urls, markup, markup), max_size=8),
    encoding=st.sampled_from(["utf-8", "iso-8859-1", "windows-1251", "utf-16"]),
)
def test_every_entry_of_a_well_formed_feed_is_parsed_and_normalized_safely(
    entries: list[tuple[str, str, str, str]], encoding: str
) -> None:
    try:
        parsed = parse(rss_body(entries, encoding), FEED.url)
    except ParseError:
        return  # XML cannot carry some characters (control codes): refusing is fine
    for entry in parsed.entries:
        check_item(normalize(entry, FEED, first_seen=NOW))


# --- the normalizer --------------------------------------------------------------------------

raw_entries = st.builds(
    RawEntry,
    guid=st.one_of(st.none(), text),
    link=st.one_of(st.none(), urls),
    title=st.one_of(st.none(), markup),
    summary_html=st.one_of(st.none(), markup),
    content_html=st.one_of(st.none(), markup),
    author=st.one_of(st.none(), text),
    published=dates,
    updated=dates,
    categories=st.lists(text, max_size=5),
    image_url=st.one_of(st.none(), urls),
    image_caption=st.one_of(st.none(), markup),
    media_type=st.one_of(st.none(), st.sampled_from(["video", "audio", "image"])),
)


def check_item(item: Item | None) -> None:
    if item is None:
        return
    assert not email_problems(f"<html><body>{item.summary_html}</body></html>"), item.summary_html
    assert item.url.startswith(("http://", "https://")), item.url
    assert item.image_url is None or item.image_url.startswith(("http://", "https://"))
    assert item.published is not None and item.published.tzinfo is not None
    assert len(item.title) <= 400 and len(item.summary_text) <= 2000
    assert "\x00" not in item.title + item.summary_text


@SETTINGS
@given(entry=raw_entries)
def test_the_normalizer_never_crashes_and_lets_nothing_unsafe_through(entry: RawEntry) -> None:
    check_item(normalize(entry, FEED, first_seen=NOW))


# --- rendering -------------------------------------------------------------------------------


class TelegramTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.stack: list[str] = []
        self.entities = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.stack.append(tag)
        self.entities += 1
        for name, value in attrs:
            if name == "href":
                assert (value or "").startswith(("http://", "https://")), value

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def stored_item(n: int, entry: RawEntry, source: str) -> Item | None:
    item = normalize(
        entry, Feed(id=n % 7 + 1, url=f"https://outlet{n % 7}.example/rss", name=source), first_seen=NOW
    )
    if item is not None:
        item.published = NOW - timedelta(minutes=n)
        item.source = source
        item.id = n + 1
    return item


editions = st.builds(
    lambda entries, sources, title, split: _edition(entries, sources, title, split),
    st.lists(raw_entries, min_size=1, max_size=45),
    st.lists(text, min_size=1, max_size=5),
    text,
    st.integers(1, 4),
)


def _edition(entries: list[RawEntry], sources: list[str], title: str, split: int) -> EditionContent:
    found = [stored_item(n, e, sources[n % len(sources)] or "src") for n, e in enumerate(entries)]
    stories = [Story(lead=i, also=[], score=1.0 / (n + 1)) for n, i in enumerate(found) if i is not None]
    per = max(1, len(stories) // split)
    sections = [
        Section(name=f"s{k}", title=f"Section {k}", stories=stories[k * per : (k + 1) * per])
        for k in range(split)
    ]
    return EditionContent(list_name="daily", title=title or "Daily", date=NOW, sections=sections)


RENDERER = Renderer(Branding("The Daily Digest", "1 Example Street, Kyiv", "https://news.example.org"))
SMALL_BUDGET = Renderer(
    Branding(
        "The Daily Digest", "1 Example Street, Kyiv", "https://news.example.org", max_email_bytes=40 * 1024
    )
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(content=editions)
def test_any_edition_renders_within_the_email_budget_and_telegrams_rules(content: EditionContent) -> None:
    for renderer in (RENDERER, SMALL_BUDGET):
        rendered = renderer.render(content, edition_id=7, web_url="https://news.example.org/editions/7")
        assert email_size(rendered.html) <= renderer.branding.max_email_bytes, "over the size budget"
        assert rendered.html.rstrip().endswith("</html>")
        assert "-unsubscribe_url-" in rendered.html, "the unsubscribe link was trimmed away"
    for message in rendered.telegram:
        checker = TelegramTags()
        checker.feed(message)
        checker.close()
        assert not checker.stack, f"unclosed {checker.stack}"
        assert checker.tags <= TELEGRAM_ALLOWED_TAGS
        assert checker.entities <= TELEGRAM_MAX_ENTITIES
        assert utf16_len(message) <= TELEGRAM_MAX_LENGTH
