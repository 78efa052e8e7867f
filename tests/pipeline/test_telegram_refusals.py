"""A reader who blocks the bot loses that chat only; a channel that refuses the bot is kept and
marked failing for the editors; an unknown 403 fails the delivery and touches nobody. And the
bot token never reaches a log line or an error text, even when Telegram echoes the request path.
Through python-telegram-bot against the local fake Bot API server, on real SQL."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from digest import pipeline
from digest.channels.telegram import TelegramChannel
from digest.errors import DeliveryError
from digest.models import Recipient, Subscriber, SubscriberStatus
from digest.pipeline import delivering
from digest.ratelimit import InProcessRateLimiter
from digest.store import alerts
from digest.store.db import transaction
from digest.store.tables import deliveries, subscribers
from tests.channels.conftest import timedelta_retry_after  # noqa: F401 - PTB 22's opt-in, autouse
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.pipeline.conftest import NOW

TOKEN = "123456:Refusals-SECRET-Token"  # PTB lower-cases error texts: redaction must not care


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server
    delivering.channel_for.cache_clear()


@pytest.fixture
def tg_settings(db_url, tmp_path, fake):
    delivering.channel_for.cache_clear()
    return make_settings(
        db_url,
        tmp_path,
        DIGEST_TELEGRAM_CHANNEL="telegram",
        TELEGRAM_BOT_TOKEN=TOKEN,
        DIGEST_TELEGRAM_API_URL=fake.base_url,
    )


def send(settings) -> int:
    plan = pipeline.plan_send("daily", settings, now=NOW, manual=True)
    assert plan.edition_id is not None
    for channel, ids in plan.batches:
        result = pipeline.send_batch(plan.edition_id, channel, ids, f"b-{channel}-{ids[0]}", settings)
        assert not result.retry
    return plan.edition_id


def subscriber(db_url: str, sub_id: int):
    with transaction(db_url) as conn:
        return conn.execute(select(subscribers).where(subscribers.c.id == sub_id)).one()


def states(db_url: str, edition: int) -> dict[tuple[str, str], tuple[str, str | None]]:
    with transaction(db_url) as conn:
        query = select(
            deliveries.c.channel, deliveries.c.address, deliveries.c.state, deliveries.c.last_error
        )
        rows = conn.execute(query.where(deliveries.c.edition_id == edition))
        return {(c, a): (s, e) for c, a, s, e in rows}


def test_a_reader_who_blocks_the_bot_loses_that_chat_and_keeps_their_email(world, tg_settings, fake):
    world.add_items(3)
    [alice] = world.subscribe(Subscriber(email="alice@example.org", telegram_chat_id="501", name="Alice"))
    fake.block("501")
    edition = send(tg_settings)
    found = states(world.url, edition)
    assert found[("email", "alice@example.org")][0] == "sent"
    assert found[("telegram", "501")][0] == "failed"
    row = subscriber(world.url, alice)
    assert (row.status, row.email, row.telegram_chat_id) == (
        SubscriberStatus.ACTIVE,
        "alice@example.org",
        None,
    )


def test_a_channel_that_refuses_the_bot_is_kept_and_marked_failing_until_it_works_again(
    world, tg_settings, fake
):
    world.add_items(3)
    [channel] = world.subscribe(Subscriber(telegram_chat_id="@newsroom", name="Newsroom channel"))
    fake.block("@newsroom", "Forbidden: bot is not a member of the channel chat")
    edition = send(tg_settings)
    assert states(world.url, edition)[("telegram", "@newsroom")][0] == "failed"
    row = subscriber(world.url, channel)
    assert (row.status, row.telegram_chat_id) == (SubscriberStatus.ACTIVE, "@newsroom")
    with transaction(world.url) as conn:
        [failing] = alerts.failing_chats(conn)
    assert failing.chat_id == "@newsroom" and "not a member" in failing.reason

    fake.unblock("@newsroom")  # an editor gave the bot its rights back; the next edition goes out
    world.add_items(3)
    send(tg_settings)
    with transaction(world.url) as conn:
        assert alerts.failing_chats(conn) == []


def test_an_unknown_403_fails_the_delivery_and_leaves_the_subscriber_alone(world, tg_settings, fake):
    world.add_items(3)
    [bob] = world.subscribe(Subscriber(email="bob@example.org", telegram_chat_id="502", name="Bob"))
    fake.block("502", "Forbidden: bot can't initiate conversation with a user")
    edition = send(tg_settings)
    state, error = states(world.url, edition)[("telegram", "502")]
    assert state == "failed" and "can't initiate conversation" in (error or "")
    row = subscriber(world.url, bob)
    assert (row.status, row.telegram_chat_id) == (SubscriberStatus.ACTIVE, "502")


def test_an_error_that_echoes_the_request_path_shows_no_token_in_logs_or_errors(
    fake, caplog: pytest.LogCaptureFixture
):
    from tests.channels.test_telegram import envelope

    sender = TelegramChannel(TOKEN, api_url=fake.base_url, limiter=InProcessRateLimiter(), timeout=2)
    fake.fail_next(status=400, description=f"Bad Request: unknown path /bot{TOKEN}/sendMessage")
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as caught:
        sender.deliver(envelope("Hello"), [Recipient(1, "77")])
    try:
        raise RuntimeError(f"while calling /bot{TOKEN}/sendMessage") from caught.value
    except RuntimeError:
        logging.getLogger("digest.test").exception("a send failed")
    sender.close()

    assert "unknown path /bot***/sendmessage" in str(caught.value).lower()
    assert "a send failed" in caplog.text and "/bot***/sendMessage" in caplog.text
    for text in (
        caplog.text,
        str(caught.value),
        repr(caught.value),
        *(r.exc_text or "" for r in caplog.records),
    ):
        assert TOKEN.lower() not in text.lower()
