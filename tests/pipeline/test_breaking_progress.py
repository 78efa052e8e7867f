"""Breaking progress moves per recipient where the channel answers per recipient: each
Telegram message is counted as it is accepted; emails go in batches that start small
(10, 25, then 50) so the first acknowledgements show at once; Telegram goes before email."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.pipeline import delivering, desk, send_batch
from digest.pipeline.planning import SendPlan
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram

TOKEN = "424242:progress-token"
NEWS = news_desk.news_from_text("Levee holds", "https://wire.example.org/levee")


def _readers(settings, *, emails: int = 0, chats: int = 0) -> None:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "breaking", now, "Breaking", "breaking")
        for n in range(emails):
            subscriber_store.save(conn, Subscriber(email=f"e{n}@example.org", lists=("breaking",)), now)
        for n in range(chats):
            subscriber_store.save(conn, Subscriber(telegram_chat_id=str(7000 + n), lists=("breaking",)), now)


def _planned(settings) -> tuple[int, list[SendPlan]]:
    plans: list[SendPlan] = []
    sent = news_desk.send_breaking(settings, NEWS, "breaking", plans.append, actor="test")
    return sent.edition_id, plans


def test_the_ramp_never_exceeds_a_smaller_configured_batch():
    sizes = news_desk.email_batch_sizes(20)
    assert [next(sizes) for _ in range(4)] == [10, 20, 20, 20]


@pytest.fixture
def fake():
    delivering.channel_for.cache_clear()
    with FakeTelegram(token=TOKEN) as server:
        yield server
    delivering.channel_for.cache_clear()


def test_each_telegram_message_moves_the_count_as_it_is_accepted(db_url, tmp_path, fake):
    settings = make_settings(
        db_url,
        tmp_path,
        DIGEST_TELEGRAM_CHANNEL="telegram",
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIGEST_TELEGRAM_API_URL=fake.base_url,
    )
    _readers(settings, chats=4, emails=3)
    edition_id, plans = _planned(settings)
    first_channel = [channel for plan in plans for channel, _ in plan.batches]
    assert first_channel[0] == "telegram" and first_channel[-1] == "email"  # Telegram goes first
    fake.slow(0.25)  # each message takes a quarter of a second to be accepted
    seen: list[int] = []
    telegram = [(c, ids) for plan in plans for c, ids in plan.batches if c == "telegram"]
    assert len(telegram) == 1 and len(telegram[0][1]) == 4  # one batch: the count must move inside it
    worker = threading.Thread(
        target=send_batch, args=(edition_id, "telegram", telegram[0][1], uuid.uuid4().hex, settings)
    )
    worker.start()
    while worker.is_alive():
        seen.append(desk.progress(settings, edition_id)["by_channel"]["telegram"]["done"])
        time.sleep(0.05)
    worker.join()
    final = desk.progress(settings, edition_id)
    assert final["by_channel"] == {"telegram": {"done": 4, "total": 4}, "email": {"done": 0, "total": 3}}
    assert {1, 2, 3} <= set(seen), seen  # one at a time, not 0 then 4
    assert list(final["by_channel"]) == ["telegram", "email"]
