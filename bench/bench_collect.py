"""Refresh 500 feeds served by a local HTTP server, then refresh them again, all unchanged.

    python bench/bench_collect.py [--quick]

Every fetch goes through the real path, ``digest.pipeline.refresh_feed`` (fetch with the SSRF
guard, conditional GET, parse, normalize, store), called by a thread pool of 2 × cores as the
collect workers would. The server (a separate process, ``http.server`` answering
``If-Modified-Since`` with 304) serves one RSS file of 20 items per feed.

- ours: the second pass, every feed unchanged (304, nothing parsed or stored). Target: 500 in < 10 s.
- baseline: the same pass without conditional GET (validators cleared: every body fetched,
  parsed and compared with the stored items).
- ceiling: the 304 round trips alone (plain httpx, same concurrency, no database).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from bench import common
from bench.common import Row, row

THREADS = 2 * (os.cpu_count() or 1)
ITEMS_PER_FEED = 20


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(folder: str, pipe: Connection) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
    server.daemon_threads = True
    server.request_queue_size = 256
    pipe.send(server.server_address[1])
    server.serve_forever()


def _write_feeds(folder: Path, count: int, now: datetime) -> None:
    words = common.WORDS
    for n in range(count):
        items = "".join(
            f"<item><title>{words[(n + k) % len(words)]} {words[(n * 7 + k) % len(words)]} {n}-{k}</title>"
            f"<link>https://feed{n}.example/{k}</link><guid>https://feed{n}.example/{k}</guid>"
            f"<description>{' '.join(words[(n + k + j) % len(words)] for j in range(40))}</description>"
            f"<pubDate>{format_datetime(now - timedelta(minutes=k * 5))}</pubDate></item>"
            for k in range(ITEMS_PER_FEED)
        )
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>https://feed{n}.example/</link><description>Feed {n}</description>{items}</channel></rss>"
        )
        (folder / f"{n}.xml").write_text(body, encoding="utf-8")


def _pass(ids: list[int], refresh: Callable[[int], object]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(refresh, ids))
    return time.perf_counter() - started


def _ceiling(urls: list[str], last_modified: dict[str, str | None]) -> float:
    """Conditional GETs alone, through one pooled client: as cheap as a refresh can get."""
    import httpx

    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=THREADS)) as client:

        def get(url: str) -> None:
            response = client.get(url, headers={"If-Modified-Since": last_modified[url] or ""})
            assert response.status_code == 304, response.status_code

        return _pass(list(range(len(urls))), lambda i: get(urls[i]))


def _validators(url: str) -> dict[str, str | None]:
    from digest.store.db import transaction
    from digest.store.tables import feeds

    with transaction(url) as conn:
        query = feeds.select().with_only_columns(feeds.c.url, feeds.c.last_modified)
        return {str(u): m for u, m in conn.execute(query)}


def _measure(kind: str, count: int, folder: Path, base_url: str) -> dict[str, float]:
    from sqlalchemy import update

    from digest import config
    from digest.models import FeedSpec
    from digest.pipeline import refresh_feed
    from digest.store import feeds as feed_store
    from digest.store.db import transaction
    from digest.store.tables import feeds

    with common.database(kind, folder, f"collect_{kind}") as url:
        settings = config.load(
            {
                "DIGEST_DATABASE_URL": url,
                "DIGEST_OUTBOX_DIR": str(folder / "outbox"),
                "DIGEST_SECRET_KEY": "bench",
                "DIGEST_FETCH_ALLOWLIST": "127.0.0.1",
                "DIGEST_LOG_LEVEL": "WARNING",
            },
            dotenv=False,
        )
        now = datetime.now(UTC)
        with transaction(url) as conn:
            ids = [
                feed_store.add(conn, FeedSpec(f"{base_url}/{n}.xml", f"Feed {n}"), now)[0].id
                for n in range(count)
            ]
        statuses: list[str] = []

        def refresh(feed_id: int) -> None:
            statuses.append(refresh_feed(feed_id, settings).status)

        first = _pass(ids, refresh)
        assert statuses.count("ok") == count, statuses[:5]
        validators = _validators(url)
        statuses.clear()
        unchanged = _pass(ids, refresh)
        assert statuses.count("not-modified") == count, set(statuses)
        kept = sum(1 for value in _validators(url).values() if value)
        with transaction(url) as conn:
            conn.execute(update(feeds).values(etag=None, last_modified=None))
        statuses.clear()
        naive = _pass(ids, refresh)
        assert statuses.count("ok") == count, set(statuses)
    ceiling = _ceiling([f"{base_url}/{n}.xml" for n in range(count)], validators)
    print(
        f"[collect] {kind}: first {first:.2f}s, unchanged {unchanged:.2f}s, without conditional GET "
        f"{naive:.2f}s, 304s alone {ceiling:.2f}s",
        file=sys.stderr,
        flush=True,
    )
    return {"first": first, "unchanged": unchanged, "naive": naive, "ceiling": ceiling, "kept": kept}


def run(quick: bool = False) -> list[Row]:
    count = 50 if quick else 500
    kinds = (["postgresql"] if not quick and common.postgres_available() else []) + ["sqlite"]
    rows: list[Row] = []
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        _write_feeds(site, count, datetime.now(UTC))
        pipe, child = context.Pipe()
        server = context.Process(target=_serve, args=(str(site), child), daemon=True)
        server.start()
        try:
            base_url = f"http://127.0.0.1:{pipe.recv()}"
            for kind in kinds:
                t = _measure(kind, count, Path(tmp), base_url)
                note = (
                    f"{count} feeds × {ITEMS_PER_FEED} items, {THREADS} threads; first pass (all new) "
                    f"{t['first']:.2f}s; target: 500 unchanged in < 10 s; feeds still holding "
                    f"their validators after the 304 pass: {t['kept']:.0f}/{count}"
                )
                rows.append(
                    row(
                        f"collect unchanged {kind}",
                        count / t["unchanged"],
                        count / t["naive"],
                        "feeds/s",
                        ceiling=count / t["ceiling"],
                        note=note,
                    )
                )
        finally:
            server.terminate()
            server.join(5)
    return rows


if __name__ == "__main__":
    print(common.table(run(quick="--quick" in sys.argv)))
