"""Breaking news through a real Celery worker on Redis: its tasks travel on the ``breaking``
queue and overtake a big daily send queued before them on ``send``."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from digest.models import Subscriber
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import editions, lists
from tests.conftest import REDIS_PREFIX
from tests.fakes import FakeSendGrid
from tests.integration.helpers import ROOT, VENV_BIN, Worker, cli, environment
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DAILY_EMAILS, BATCH = 4000, 200  # 20 daily batches, each answered by SendGrid after 0.4 s


def edition_of(db_url: str, list_name: str) -> int | None:
    query = select(func.max(editions.c.id)).join(lists, lists.c.id == editions.c.list_id)
    with transaction(db_url) as conn:
        return conn.execute(query.where(lists.c.name == list_name)).scalar()


def open_rows(db_url: str, edition_id: int) -> int:
    with transaction(db_url) as conn:
        counts = ledger.counts(conn, [edition_id])
    return counts["pending"] + counts["retrying"] + counts["sending"]


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_breaking_news_goes_through_the_breaking_queue_ahead_of_a_queued_daily_send(
    db_url, redis_url, tmp_path
):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=DAILY_EMAILS)
    subscribers_bulk(db_url, chats=3, list_name="breaking", chat_start=900_000)
    with transaction(db_url) as conn:
        now = datetime.now(UTC)
        subscriber_store.save(conn, Subscriber(telegram_chat_id="@newsroom_live", lists=("breaking",)), now)
        for n in range(300):
            subscriber_store.save(conn, Subscriber(email=f"alert{n}@example.org", lists=("breaking",)), now)
    queues = redis.Redis.from_url(redis_url)
    with FakeSendGrid(record="counts", schema_sample=1) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.4)
        env = environment(
            DIGEST_DATABASE_URL=db_url,
            DIGEST_BROKER_URL=redis_url,
            DIGEST_OUTBOX_DIR=str(tmp_path / "outbox"),
            DIGEST_SECRET_KEY="integration",
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=fake.api_key,
            DIGEST_SENDGRID_API_URL=fake.url,
            DIGEST_SENDGRID_RATE="500",
            DIGEST_EMAIL_BATCH=str(BATCH),
            DIGEST_LOG_LEVEL="WARNING",
        )
        daily = cli(env, "send", "daily", "--no-follow")
        assert daily.returncode == 0, daily.stderr
        assert queues.llen(f"{REDIS_PREFIX}send") == DAILY_EMAILS // BATCH
        # The CLI queues the breaking send, then follows its progress until it is done.
        breaking = subprocess.Popen(
            [
                str(VENV_BIN / "digest"),
                "breaking",
                "--title",
                "Dam breached upstream",
                "--url",
                "https://wire.example.org/dam",
                "--list",
                "breaking",
                "--yes",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert wait_for(lambda: queues.llen(f"{REDIS_PREFIX}breaking") >= 3, timeout=60), (
            "breaking tasks not on the breaking queue"
        )
        assert queues.llen(f"{REDIS_PREFIX}send") == DAILY_EMAILS // BATCH, (
            "breaking tasks must not go to the send queue"
        )
        worker = Worker(env, tmp_path / "worker.log", concurrency=1)
        try:
            out, err = breaking.communicate(timeout=120)
            assert breaking.returncode == 0, err
            daily_edition = edition_of(db_url, "daily")
            assert daily_edition is not None
            left = open_rows(db_url, daily_edition)
            assert left >= DAILY_EMAILS // 2, f"breaking waited for the daily send ({left} daily rows left)"
            assert wait_for(lambda: open_rows(db_url, daily_edition) == 0, timeout=120, step=0.5)
        finally:
            worker.stop()
    breaking_edition = edition_of(db_url, "breaking")
    assert breaking_edition is not None
    with transaction(db_url) as conn:
        assert ledger.counts(conn, [breaking_edition])["sent"] == 304
    assert "sent 304" in out
    channel_post = Path(tmp_path / "outbox" / "telegram" / str(breaking_edition) / "@newsroom_live-1.json")
    assert channel_post.exists()
