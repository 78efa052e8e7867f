"""Soak: collection rounds over 200 local feeds while an edition goes to 50,000 readers through
two real workers, with faults all along — SendGrid 5xx, 429 and slow answers, failing and slow
feeds, a worker killed with kill -9 and replaced, a second tick (beat twice). At the end the
ledger and the fake SendGrid agree: every due reader got the edition once (a repeat of at most
the killed worker's in-flight batch is allowed), and no story was stored twice.

Scaled down from production's "collect every 10 minutes": a round every few seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.store.db import transaction
from digest.store.tables import feeds, items
from tests.fakes import FakeSendGrid
from tests.faults.conftest import register_feeds, send_tasks, sendgrid_extra, worker_env
from tests.faults.infra import FeedSite, ledger_counts, rss, what_workers_did
from tests.integration.helpers import Worker
from tests.integration.population import subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEEDS = 200
READERS = 50_000
BATCH = 1000
BROKEN = {f"/feed{n}.xml" for n in range(0, FEEDS, 25)}  # 8 feeds answer 404


def feed_body(n: int, round_: int) -> bytes:
    entries = [
        (f"f{n}-r{r}", f"https://outlet{n}.example/r{r}", f"Outlet {n}, round {r}: story")
        for r in range(round_ + 1)
    ]
    return rss(f"outlet{n}", entries)


def test_collect_rounds_and_a_50000_reader_send_under_faults_deliver_everything_exactly_once(
    db_url, broker, tmp_path
):
    subscribers_bulk(db_url, emails=READERS)
    with FeedSite(delay=0.02) as site, FakeSendGrid(record="counts", schema_sample=1) as sendgrid:
        for n in range(FEEDS):
            site.feeds[f"/feed{n}.xml"] = feed_body(n, 0)
        for path in BROKEN:
            del site.feeds[path]
        register_feeds(db_url, [site.url(f"/feed{n}.xml") for n in range(FEEDS)])
        sendgrid.faults(error_rate=0.08, rate_limited_rate=0.05, slow_rate=0.05, slow_seconds=2, seed=11)
        env = worker_env(
            db_url,
            broker.url,
            tmp_path,
            **sendgrid_extra(sendgrid, BATCH),
            DIGEST_FETCH_INTERVAL="1",
            DIGEST_TASK_VISIBILITY_TIMEOUT="10",
            DIGEST_RESUME_AFTER="20",
        )
        workers = [Worker(env, tmp_path / f"w{n}.log", concurrency=2, name=f"w{n}") for n in (1, 2)]
        started = time.monotonic()
        try:
            send_tasks(env, [("digest.collect_due", [])])
            _wait(lambda: _fetched(db_url) >= FEEDS, 60, "the first collection round did not finish")
            send_tasks(env, [("digest.tick", [])])
            killed = False
            for round_ in range(1, 4):  # more rounds of collection while the edition goes out
                time.sleep(5)
                for n in range(FEEDS):
                    if f"/feed{n}.xml" not in BROKEN:
                        site.feeds[f"/feed{n}.xml"] = feed_body(n, round_)
                send_tasks(env, [("digest.collect_due", [])] + ([("digest.tick", [])] if round_ == 1 else []))
                if not killed and 0 < ledger_counts(db_url).get("sent", 0) < READERS:
                    workers[0].kill()  # kill -9 mid-send, then a replacement
                    workers[0] = Worker(env, tmp_path / "w3.log", concurrency=2, name="w3")
                    killed = True
            _wait(
                lambda: _done(db_url) >= READERS,
                150 - (time.monotonic() - started),
                lambda: f"the send did not finish: {ledger_counts(db_url)}\n{_what_workers_did(tmp_path)}",
            )
            send_tasks(env, [("digest.resume_stalled", [])])  # the sweeper finds nothing left to do
            time.sleep(2)
        finally:
            for worker in workers:
                worker.stop()
        received = sendgrid.recipient_counts()
        statuses = dict(sendgrid.statuses)
    counts = ledger_counts(db_url)
    assert counts["sent"] == READERS and counts["failed"] == 0, counts
    assert len(received) == READERS, "a due reader was skipped"
    repeated = sum(n - 1 for n in received.values())
    assert repeated <= BATCH, f"{repeated} repeats: more than the killed worker's in-flight batch"
    assert statuses.get(429, 0) and statuses.get(500, 0) + statuses.get(503, 0), statuses
    with transaction(db_url) as conn:
        stored = conn.execute(select(func.count()).select_from(items)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(items.c.url)))).scalar_one()
        failing = conn.execute(
            select(func.count()).select_from(feeds).where(feeds.c.error_count > 0)
        ).scalar_one()
    assert stored == distinct, "a story was stored twice"
    assert stored >= (FEEDS - len(BROKEN)) * 2, "the later collection rounds stored nothing"
    assert failing == len(BROKEN)
    assert killed, "the kill -9 did not happen mid-send"


def _wait(condition, timeout: float, message) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``condition``; ``message``: the failure's text, or a function that makes it then."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message() if callable(message) else message
        time.sleep(0.5)


def _what_workers_did(folder: Path) -> str:
    return what_workers_did(
        {log.stem: log.read_text(errors="replace") for log in sorted(folder.glob("w*.log"))}
    )


def _fetched(db_url: str) -> int:
    with transaction(db_url) as conn:
        query = select(func.count()).select_from(feeds).where(feeds.c.last_fetched_at.is_not(None))
        return int(conn.execute(query).scalar_one())


def _done(db_url: str) -> int:
    counts = ledger_counts(db_url)
    return counts.get("sent", 0) + counts.get("failed", 0)
