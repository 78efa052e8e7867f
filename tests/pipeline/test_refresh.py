"""refresh_feed against a local server: validators kept across a bare 304."""

from __future__ import annotations

import functools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from digest import pipeline
from digest.models import FeedSpec
from digest.store import feeds as feed_store
from digest.store.db import transaction
from tests.pipeline.conftest import NOW

FEED = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>Bridge reopens in Kyiv</title><link>https://n.example/1</link></item>
</channel></rss>"""


class _Bare304(BaseHTTPRequestHandler):
    """200 with an ETag, then a 304 that repeats no validator (servers may do that)."""

    seen: list[str | None]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args: object) -> None:
        pass


def test_a_bare_304_keeps_the_etag_so_the_next_fetch_is_conditional_too(settings):
    seen: list[str | None] = []
    handler = type("Handler", (_Bare304,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed"
        with transaction(settings.database_url) as conn:
            feed, _ = feed_store.add(conn, FeedSpec(url, "Local"), NOW)
        results = [pipeline.refresh_feed(feed.id, settings, now=NOW) for _ in range(3)]
    finally:
        server.shutdown()
        server.server_close()
    assert [r.status for r in results] == ["ok", "not-modified", "not-modified"]
    assert seen == [None, '"v1"', '"v1"']
