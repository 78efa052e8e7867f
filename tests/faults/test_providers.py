"""Providers that push back: Telegram's flood control with a long ``retry_after`` (the task is
re-scheduled, the worker is not put to sleep) and a provider taking 5 s per call. Still once.

(SendGrid answering 5xx, 429 and timing out throughout is tests/integration/test_delivery.py.)
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.fakes import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.conftest import call_task, sendgrid_extra, worker_env
from tests.faults.infra import wait_until_done
from tests.integration.helpers import Worker
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "123456:faults-token"
CHATS = 60  # two Telegram send tasks: 50 chats and 10
FIRST_CHAT = 700_000
RETRY_AFTER = 12


def telegram_extra(fake: FakeTelegram) -> dict[str, str]:
    return {
        "DIGEST_TELEGRAM_CHANNEL": "telegram",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DIGEST_TELEGRAM_API_URL": fake.base_url,
    }


def test_a_long_telegram_flood_wait_reschedules_the_task_and_the_worker_serves_others_meanwhile(
    db_url, broker, tmp_path
):
    fresh_items(db_url)
    subscribers_bulk(db_url, chats=CHATS, chat_start=FIRST_CHAT)
    flooded = str(FIRST_CHAT + 4)  # in the first task
    with FakeTelegram(token=TOKEN) as fake:
        fake.force_flood(retry_after=RETRY_AFTER, chat_id=flooded)
        env = worker_env(db_url, broker.url, tmp_path, **telegram_extra(fake))
        worker = Worker(env, tmp_path / "w1.log", concurrency=1, name="w1")  # one process: no sleeping
        try:
            call_task(env, "digest.send_list", "daily", True)
            counts = wait_until_done(db_url, CHATS, timeout=50)
        finally:
            worker.stop()
        messages = list(fake.messages)
        [flood] = [f for f in fake.floods if f.forced]
        violations = fake.flood_violations
    assert counts["sent"] == CHATS, counts
    per_chat = Counter(m.chat_id for m in messages)
    assert set(per_chat) == {str(FIRST_CHAT + n) for n in range(CHATS)}
    assert len(set(per_chat.values())) == 1, "a chat got a message twice or missed one"
    second_task = {str(FIRST_CHAT + n) for n in range(50, CHATS)}
    retried_at = min(m.at for m in messages if m.chat_id == flooded)
    assert retried_at - flood.at >= RETRY_AFTER - 0.5, "the flooded chat was written to inside its wait"
    served_meanwhile = [m for m in messages if m.chat_id in second_task and flood.at < m.at < retried_at]
    assert len(served_meanwhile) >= len(second_task), "the worker slept through the flood wait"
    assert violations == 0
    assert "to retry in 1" in (tmp_path / "w1.log").read_text()


def test_providers_taking_5_seconds_per_call_still_deliver_everything_once(db_url, broker, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=600, chats=4, chat_start=FIRST_CHAT)
    with FakeSendGrid(record="counts", schema_sample=1) as sendgrid, FakeTelegram(token=TOKEN) as telegram:
        sendgrid.faults(slow_rate=1.0, slow_seconds=5.0)
        telegram.slow(5.0)
        env = worker_env(
            db_url, broker.url, tmp_path, **sendgrid_extra(sendgrid, 200), **telegram_extra(telegram)
        )
        worker = Worker(env, tmp_path / "w1.log", concurrency=4, name="w1")
        try:
            call_task(env, "digest.send_list", "daily", True)
            counts = wait_until_done(db_url, 604, timeout=55)
        finally:
            worker.stop()
        received = sendgrid.recipient_counts()
        chats = Counter(m.chat_id for m in telegram.messages)
    assert counts["sent"] == 604, counts
    assert len(received) == 600 and max(received.values()) == 1
    assert len(chats) == 4 and len(set(chats.values())) == 1
