"""kill -9 of a worker in the middle of collecting: the refresh tasks it held come back
(acks_late: on Redis after the visibility timeout, on RabbitMQ as soon as the dead worker's
connection closes) and every feed is stored once, nothing twice; on both brokers. On Redis
also when the worker died holding the lock that workers take to hand such tasks back.

(kill -9 mid-send is tests/integration/test_delivery.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from digest import config
from digest.celery_app import create_app
from digest.store.db import transaction
from digest.store.tables import feeds, items
from tests.faults.conftest import call_task, register_feeds, worker_env
from tests.faults.infra import FeedSite, rss, wait_for
from tests.integration.helpers import Worker

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEEDS = 12
PER_FEED = 5


def test_a_worker_killed_mid_collect_is_replaced_and_every_feed_is_stored_once(
    db_url, broker, queues, tmp_path
):
    with FeedSite(delay=2.0) as site:
        ids = _serve_feeds(site, db_url)
        env = worker_env(db_url, broker.url, tmp_path, DIGEST_TASK_VISIBILITY_TIMEOUT="4", **queues)
        with _killed_mid_collect(env, site, tmp_path) as in_flight:
            assert wait_for(lambda: _fetched(db_url) == FEEDS, timeout=50), "a feed was never collected"
    with transaction(db_url) as conn:
        stored = conn.execute(select(func.count()).select_from(items)).scalar_one()
        per_url = conn.execute(
            select(items.c.feed_id, items.c.url, func.count()).group_by(items.c.feed_id, items.c.url)
        ).all()
        errors = conn.execute(select(func.sum(feeds.c.error_count))).scalar_one()
    assert stored == FEEDS * PER_FEED
    assert {n for *_, n in per_url} == {1}, "a story was stored twice"
    assert errors == 0
    assert len(ids) == FEEDS and in_flight >= 2
    assert sum(site.hits.values()) > FEEDS - 1, "the interrupted fetches were not made again"


def test_a_worker_killed_holding_the_restore_lock_delays_its_tasks_by_no_more_than_the_visibility_timeout(
    db_url, broker, tmp_path
):
    """Redis workers hand a dead worker's tasks back under a lock (kombu's ``unacked_mutex``),
    taken every 10 s for a moment. A worker killed inside that moment leaves the lock to
    expire on its own, and until then no worker hands anything back. The state it leaves is
    set here as it would be: the key, with the expiry the app's settings give a holder, as
    the worker with the tasks in flight is killed; the tasks must still come back within
    about one visibility timeout (kombu's default lock of 300 s would hold them five minutes).
    """
    with FeedSite(delay=2.0) as site:
        _serve_feeds(site, db_url)
        env = worker_env(db_url, broker.url, tmp_path, DIGEST_TASK_VISIBILITY_TIMEOUT="4")
        options = create_app(config.load(env, dotenv=False)).conf.broker_transport_options
        lock = f"{options.get('global_keyprefix', '')}unacked_mutex"

        def hold_the_lock() -> None:
            with redis.Redis.from_url(broker.url) as client:
                client.set(lock, uuid.uuid4().hex, ex=int(options["unacked_mutex_expire"]))

        with _killed_mid_collect(env, site, tmp_path, before_kill=hold_the_lock):
            assert wait_for(lambda: _fetched(db_url) == FEEDS, timeout=45), (
                "the dead worker's tasks never came back"
            )


def _serve_feeds(site: FeedSite, db_url: str) -> list[int]:
    """FEEDS feeds of PER_FEED stories each on ``site``, registered; their ids."""
    for n in range(FEEDS):
        stories = [
            (f"g{n}-{i}", f"https://outlet{n}.example/{i}", f"Story {i} of {n}") for i in range(PER_FEED)
        ]
        site.feeds[f"/f{n}.xml"] = rss(f"outlet{n}", stories)
    return register_feeds(db_url, [site.url(f"/f{n}.xml") for n in range(FEEDS)])


@contextmanager
def _killed_mid_collect(
    env: dict[str, str], site: FeedSite, tmp_path: Path, before_kill: Callable[[], None] | None = None
) -> Iterator[int]:
    """Start a worker and a collection, kill -9 the worker once two fetches are in flight
    (``before_kill`` just before), start a replacement; yield the fetches made by then, and
    stop both workers afterwards."""
    first = Worker(env, tmp_path / "w1.log", concurrency=2, name="w1")
    replacement = None
    try:
        call_task(env, "digest.collect_due")
        assert wait_for(lambda: sum(site.hits.values()) >= 2, timeout=30, step=0.05)
        if before_kill:
            before_kill()
        first.kill()  # two fetches in flight, the other ten queued or prefetched
        in_flight = sum(site.hits.values())
        replacement = Worker(env, tmp_path / "w2.log", concurrency=2, name="w2")
        yield in_flight
    finally:
        first.stop()
        if replacement:
            replacement.stop()


def _fetched(db_url: str) -> int:
    with transaction(db_url) as conn:
        query = select(func.count()).select_from(feeds).where(feeds.c.last_fetched_at.is_not(None))
        return int(conn.execute(query).scalar_one())
