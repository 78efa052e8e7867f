"""Email delivery through real Celery workers on Redis and the real sendgrid library, against
the local SendGrid test server: exactly once under faults, and after kill -9 mid-send."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.models import Subscriber
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.fakes import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram
from tests.integration.helpers import Worker, cli, environment
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "123456:integration-token"


def sendgrid_env(
    db_url: str, redis_url: str, tmp_path: Path, fake: FakeSendGrid, **extra: str
) -> dict[str, str]:
    return environment(
        DIGEST_DATABASE_URL=db_url,
        DIGEST_BROKER_URL=redis_url,
        DIGEST_OUTBOX_DIR=str(tmp_path / "outbox"),
        DIGEST_SECRET_KEY="integration",
        DIGEST_EMAIL_CHANNEL="sendgrid",
        SENDGRID_API_KEY=fake.api_key,
        DIGEST_SENDGRID_API_URL=fake.url,
        DIGEST_SENDGRID_RATE="500",
        DIGEST_LOG_LEVEL="INFO",
        **extra,
    )


def wait_until_sent(db_url: str, total: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with transaction(db_url) as conn:
            edition = conn.exec_driver_sql("select max(edition_id) from deliveries").scalar()
            counts = ledger.counts(conn, [edition]) if edition else {}
        if counts.get("sent", 0) + counts.get("failed", 0) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


GROUP, MIGRATED_TO = "-1001000000001", "-1001000000999"
BLOCKED = [str(500_000 + n) for n in range(0, 300, 60)]  # five chats that blocked the bot


def test_5000_emails_and_300_chats_each_get_the_edition_once_despite_faults(db_url, redis_url, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=5000, chats=300)
    with transaction(db_url) as conn:
        subscriber_store.save(
            conn, Subscriber(telegram_chat_id=GROUP, name="Newsroom group"), datetime.now(UTC)
        )
    with FakeSendGrid(record="full", schema_sample=5) as sendgrid, FakeTelegram(token=TOKEN) as telegram:
        sendgrid.faults(error_rate=0.1, rate_limited_rate=0.05, slow_rate=0.02, slow_seconds=3, seed=7)
        sendgrid.script(503, 429, 500)
        for chat in BLOCKED:
            telegram.block(chat)
        telegram.migrate(GROUP, MIGRATED_TO)
        telegram.fail_next(3, status=502, description="Bad Gateway", after=20)
        telegram.force_flood(retry_after=3, times=2)
        env = sendgrid_env(
            db_url,
            redis_url,
            tmp_path,
            sendgrid,
            DIGEST_EMAIL_BATCH="250",
            DIGEST_TELEGRAM_CHANNEL="telegram",
            TELEGRAM_BOT_TOKEN=TOKEN,
            DIGEST_TELEGRAM_API_URL=telegram.base_url,
            PTB_TIMEDELTA="1",
        )
        worker = Worker(env, tmp_path / "w1.log", concurrency=2, name="w1")
        try:
            sent = cli(env, "send", "daily", "--no-follow")
            assert sent.returncode == 0, sent.stderr
            counts = wait_until_sent(db_url, 5000 + 301, timeout=240)
        finally:
            worker.stop()
        assert (counts["sent"], counts["failed"]) == (5000 + 301 - len(BLOCKED), len(BLOCKED)), counts
        received = sendgrid.recipient_counts()
        assert len(received) == 5000 and max(received.values()) == 1, "an email went out twice"
        assert sendgrid.statuses[429] >= 1 and (sendgrid.statuses[500] + sendgrid.statuses[503]) >= 1
        chats = Counter(m.chat_id for m in telegram.messages)
        parts = max(chats.values())
        assert set(chats.values()) == {parts}, "a chat got a message twice or missed one"
        assert set(chats) == {str(500_000 + n) for n in range(300)} - set(BLOCKED) | {MIGRATED_TO}
        assert telegram.flood_violations == 0, "a flood limit was broken"
        assert any(f.forced for f in telegram.floods)
    with transaction(db_url) as conn:
        for chat in BLOCKED:  # the blocked chat is removed (these readers had nothing else)
            assert subscriber_store.find(conn, chat_id=chat) is None
        assert subscriber_store.find(conn, chat_id=MIGRATED_TO) is not None


def test_a_worker_killed_mid_send_is_replaced_and_everyone_is_served_with_at_most_one_batch_repeated(
    db_url, redis_url, broker_env, tmp_path
):
    # On Redis the task comes back after the visibility timeout; on RabbitMQ at once (the dead
    # worker's connection closed), and the rows wait for the same timeout before they are re-claimed.
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=3000)
    with FakeSendGrid(record="counts", schema_sample=2) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.8)  # every request takes a while: time to kill
        env = (
            sendgrid_env(
                db_url,
                redis_url,
                tmp_path,
                fake,
                DIGEST_EMAIL_BATCH="300",
                DIGEST_TASK_VISIBILITY_TIMEOUT="6",
            )
            | broker_env
        )
        first = Worker(env, tmp_path / "w1.log", concurrency=1, name="w1")
        replacement = None
        try:
            assert cli(env, "send", "daily", "--no-follow").returncode == 0
            deadline = time.monotonic() + 60
            while fake.requests < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            first.kill()  # kill -9 while a request is in flight
            replacement = Worker(env, tmp_path / "w2.log", concurrency=1, name="w2")
            counts = wait_until_sent(db_url, 3000, timeout=150)
        finally:
            first.stop()
            if replacement:
                replacement.stop()
    assert counts["sent"] == 3000, counts
    received = fake.recipient_counts()
    assert len(received) == 3000, "someone due was skipped"
    repeated = sum(n - 1 for n in received.values())
    assert repeated <= 300, f"{repeated} repeats: more than the one in-flight batch"
    if repeated:
        assert "re-sending in-flight batch" in (tmp_path / "w2.log").read_text()
