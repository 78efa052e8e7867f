"""A feed's health tells the truth: a failed fetch moves the last attempt and the next fetch,
never the last success; the desk shows the three apart, with the error in full."""

from __future__ import annotations

import functools
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from digest import pipeline
from digest.models import FeedSpec
from digest.pipeline import feeds_desk
from digest.store import feeds as feed_store
from digest.store.db import transaction
from tests.pipeline.conftest import NOW
from tests.pipeline.test_refresh import FEED


class _WorksThenFails(BaseHTTPRequestHandler):
    """200 for the first request, then 503 with a long reason."""

    answered: list[int]

    def do_GET(self) -> None:
        status = 200 if not self.answered else 503
        self.answered.append(status)
        body = FEED if status == 200 else b"down"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_failed_fetch_keeps_the_last_success_and_records_the_attempt_and_the_error(settings):
    answered: list[int] = []
    handler = type("Handler", (_WorksThenFails,), {"answered": answered})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    later = NOW + timedelta(hours=2)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed"
        with transaction(settings.database_url) as conn:
            feed, _ = feed_store.add(conn, FeedSpec(url, "Local"), NOW)
        first = pipeline.refresh_feed(feed.id, settings, now=NOW)
        second = pipeline.refresh_feed(feed.id, settings, now=later)
    finally:
        server.shutdown()
        server.server_close()
    assert (first.status, second.status) == ("ok", "error")
    row = next(r for r in feeds_desk.all_feeds(settings) if r.feed.id == feed.id)
    assert row.feed.last_success_at == NOW
    assert row.feed.last_fetched_at == later
    assert row.feed.next_fetch_at is not None and row.feed.next_fetch_at > later
    assert row.feed.error_count == 1 and "503" in (row.feed.last_error or "")


def test_a_success_after_errors_moves_the_last_success_and_clears_the_error(settings):
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://a.example/rss", "A"), NOW)
        feed_store.record_error(conn, feed.id, now=NOW, next_fetch_at=NOW, error="HTTP 500")
        failing = feed_store.by_id(conn, feed.id)
        later = NOW + timedelta(minutes=30)
        next_fetch = later + timedelta(minutes=15)
        validators = {"etag": None, "last_modified": None}
        feed_store.record_success(conn, feed.id, now=later, next_fetch_at=next_fetch, **validators)
        healed = feed_store.by_id(conn, feed.id)
    assert failing is not None and failing.last_success_at is None and failing.last_fetched_at == NOW
    assert healed is not None and healed.last_success_at == later and healed.last_error is None
