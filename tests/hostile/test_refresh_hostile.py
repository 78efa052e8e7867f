"""Hostile and broken feeds through the whole of ``refresh_feed``: each gets a clear error
recorded on its feed (or is read as well as it can be), and nothing else stops — the good
feed collected after them is stored as usual.

The fetcher's and parser's own tests (tests/collect) check each defence in isolation; here
they are shown to hold end to end, against a real server, into the database.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import select

from digest import pipeline
from digest.store import feeds as feed_store
from digest.store.db import transaction
from digest.store.tables import items
from tests.collect.test_parse import BILLION_LAUGHS, XXE
from tests.conftest import make_settings
from tests.faults.conftest import register_feeds
from tests.faults.infra import FeedSite, rss

Route = Callable[[BaseHTTPRequestHandler], None]
MB = 1024 * 1024


def reply(body: bytes, content_type: str = "application/rss+xml", **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def endless(chunks: int, chunk: bytes = b"<item>" + b"x" * (MB - 6)) -> Route:
    """A body of ``chunks`` megabytes with no Content-Length: the cap must stop it, not a header."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        for _ in range(chunks):
            handler.wfile.write(chunk)

    return route


def stalling(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(60):  # a byte a second: each read is quick, the whole never comes
        handler.wfile.write(b"<")
        handler.wfile.flush()
        time.sleep(1)


def redirect(to: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


GZIP_BOMB = gzip.compress(b"\0" * (100 * MB), compresslevel=9)  # ~100 kB on the wire
HTML = b"<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Welcome</h1></body></html>"
NOW = datetime.now(UTC)

# path, route, what the feed's error says
REFUSED: list[tuple[str, Route, str]] = [
    (
        "/billion-laughs",
        reply(BILLION_LAUGHS),
        "refused: XML declares external, parameter or nested entities",
    ),
    ("/xxe", reply(XXE), "refused: XML declares external"),
    ("/gzip-bomb", reply(GZIP_BOMB, Content_Encoding="gzip"), "body larger than"),
    ("/sixty-megabytes", endless(60), "body larger than"),
    ("/stalling", stalling, "timed out after 2 s"),
    ("/loop-a", redirect("/loop-b"), "redirect loop"),
    ("/loop-b", redirect("/loop-a"), "redirect loop"),
    ("/to-metadata", redirect("http://169.254.169.254/latest/meta-data/"), "refused"),
    ("/html", reply(HTML, "text/html; charset=utf-8"), "not a feed: got an HTML page"),
    ("/empty", reply(b""), "not a feed: empty body"),
    ("/json-junk", reply(b'{"version": "x", "items": 7', "application/feed+json"), "not a feed"),
]


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with FeedSite() as served:
        yield served


@pytest.fixture
def hostile_settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path, DIGEST_FETCH_TIMEOUT="2")


def test_every_hostile_feed_gets_a_clear_error_and_the_good_feed_after_them_is_collected(
    site: FeedSite, hostile_settings
) -> None:
    for path, route, _ in REFUSED:
        site.routes[path] = route
    site.feeds["/good"] = rss(
        "good", [(f"g{n}", f"https://good.example/{n}", f"Good story {n}") for n in range(3)]
    )
    paths = [path for path, _, _ in REFUSED] + ["/good"]
    ids = register_feeds(hostile_settings.database_url, [site.url(p) for p in paths])
    results = [pipeline.refresh_feed(feed_id, hostile_settings) for feed_id in ids]

    for (path, _, expected), result in zip(REFUSED, results, strict=False):
        assert result.status == "error", path
        assert expected in (result.error or ""), f"{path}: {result.error}"
        assert (result.error or "").startswith(site.url(path)), "the error does not name the feed"
    assert (results[-1].status, results[-1].new) == ("ok", 3)
    with transaction(hostile_settings.database_url) as conn:
        feeds = {feed.url: feed for feed in feed_store.all_feeds(conn)}
        stored = conn.execute(select(items.c.feed_id, items.c.title)).all()
    for path, _, expected in REFUSED:
        feed = feeds[site.url(path)]
        assert feed.error_count == 1 and expected in (feed.last_error or "")
        assert feed.next_fetch_at is not None and feed.next_fetch_at > NOW, (
            "a failing feed is retried at once"
        )
    assert {feed_id for feed_id, _ in stored} == {ids[-1]}
    assert not any("root:" in title or "lol" in title for _, title in stored)


def test_a_server_answering_a_gzip_bomb_or_60_mb_is_cut_off_within_bounded_memory(
    site: FeedSite, hostile_settings
) -> None:
    site.routes["/bomb"] = reply(GZIP_BOMB, Content_Encoding="gzip")
    site.routes["/huge"] = endless(60)
    ids = register_feeds(hostile_settings.database_url, [site.url("/bomb"), site.url("/huge")])
    tracemalloc.start()
    try:
        results = [pipeline.refresh_feed(feed_id, hostile_settings) for feed_id in ids]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.status for r in results] == ["error", "error"]
    assert peak < 60 * MB, f"peak {peak / MB:.0f} MB for a 15 MB cap"


def _awkward(body: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>awkward</title>'
        f"<link>https://awkward.example/</link>{body}</channel></rss>"
    )


WINDOWS_1251 = (
    '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новини</title>'
    "<item><guid>cp1251-1</guid><link>https://awkward.example/cp</link><title>Київ отримав світло</title>"
    "</item></channel></rss>"
).encode("cp1251")
UNDECLARED_LATIN1 = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Café</title>'
    "<item><guid>latin-1</guid><link>https://awkward.example/cafe</link><title>Café reopens</title>"
    "</item></channel></rss>"
).encode("latin-1")  # no encoding declared, not UTF-8: the parser must not give up
WRONG_HEADER = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
    "<item><guid>utf8-1</guid><link>https://awkward.example/u</link><title>Львів — Одеса</title>"
    "</item></channel></rss>"
).encode()
BAD_DATES = _awkward(
    "<item><guid>d1</guid><link>https://awkward.example/d1</link><title>Date is junk</title>"
    "<pubDate>the day after tomorrow</pubDate></item>"
    "<item><guid>d2</guid><link>https://awkward.example/d2</link><title>Date from the future</title>"
    "<pubDate>Tue, 01 Jan 2999 00:00:00 GMT</pubDate></item>"
    "<item><guid>d3</guid><link>https://awkward.example/d3</link><title>Date before time</title>"
    "<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item>"
).encode()
NO_LINKS_OR_TITLES = _awkward(
    "<item><guid>n1</guid><description>No title, no link, only words about grain.</description></item>"
    "<item><title>Title only</title></item>"
    "<item><link>https://awkward.example/link-only</link></item>"
    "<item></item>"
).encode()

NUL_IN_JSON = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "nul",
        "items": [
            {
                "id": "1",
                "url": "https://awkward.example/nul",
                "title": "Null\u0000 byte\u001b",
                "content_html": "<p>text\u0000more</p>",
            }
        ],
    }
).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "titles"),
    [
        (WINDOWS_1251, "application/rss+xml", {"Київ отримав світло"}),
        # XML's default is UTF-8, but bytes that are not UTF-8 are read as Windows-1252.
        (UNDECLARED_LATIN1, "application/rss+xml", {"Café reopens"}),
        (WRONG_HEADER, "application/rss+xml; charset=iso-8859-1", {"Львів — Одеса"}),
        (BAD_DATES, "application/rss+xml", {"Date is junk", "Date from the future", "Date before time"}),
        (NO_LINKS_OR_TITLES, "application/rss+xml", None),
        (NUL_IN_JSON, "application/feed+json", {"Null byte"}),  # PostgreSQL refuses NUL in text
    ],
    ids=[
        "windows-1251",
        "undeclared-latin-1",
        "header-contradicts-body",
        "invalid-dates",
        "no-links-or-titles",
        "nul",
    ],
)
def test_awkward_but_honest_feeds_are_read_with_sane_fallbacks(
    site: FeedSite, hostile_settings, body: bytes, content_type: str, titles: set[str] | None
) -> None:
    site.routes["/feed"] = reply(body, content_type)
    [feed_id] = register_feeds(hostile_settings.database_url, [site.url("/feed")])
    result = pipeline.refresh_feed(feed_id, hostile_settings, now=NOW)
    assert result.status == "ok", result.error
    with transaction(hostile_settings.database_url) as conn:
        stored = conn.execute(select(items.c.title, items.c.url, items.c.published)).all()
    assert stored, "nothing was read"
    for title, url, published in stored:
        assert url.startswith(("https://awkward.example/", site.url("/feed"))), (title, url)
        # a link-only entry keeps an empty title (nothing to take one from); any other has one
        assert title.strip() or url.endswith("/link-only"), (title, url)
        published = published if published.tzinfo else published.replace(tzinfo=UTC)
        assert published <= NOW + timedelta(days=1), "a date from the future was kept"
    if titles is not None:
        assert {title for title, *_ in stored} == titles
    else:
        assert len(stored) >= 3  # the empty <item> alone is dropped


def test_ten_thousand_items_in_one_feed_are_stored_in_bounded_time_and_memory(
    site: FeedSite, hostile_settings
):
    entries = [
        (f"big-{n}", f"https://big.example/story/{n}", f"Story number {n} of the big feed")
        for n in range(10_000)
    ]
    site.feeds["/big"] = rss("big", entries)
    [feed_id] = register_feeds(hostile_settings.database_url, [site.url("/big")])
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = pipeline.refresh_feed(feed_id, hostile_settings)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.status, result.new) == ("ok", 10_000), result
    assert elapsed < 90, f"{elapsed:.0f} s for 10,000 items"
    assert peak < 400 * MB, f"peak {peak / MB:.0f} MB for 10,000 items"
    again = pipeline.refresh_feed(feed_id, hostile_settings)
    assert (again.new, again.updated) == (0, 0)
