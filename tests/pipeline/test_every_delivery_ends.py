"""Every delivery ends: a row that fails forever is given up within its configured attempts or
age, with its reason; the sweeper fails what is too old instead of re-queuing it; a refused
API key opens the circuit breaker after one batch, and `digest retry` after the fix resumes
with nobody sent twice. In-process, with the real SendGrid library against the fake server."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from digest import config, pipeline
from digest.channels.sendgrid import SendGridChannel
from digest.pipeline import delivering, retrying
from digest.store import ledger
from digest.store.db import transaction
from digest.store.tables import deliveries, editions
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.fakes.sendgrid_server import Reply
from tests.faults.infra import wait_for
from tests.integration.population import fresh_items, subscribers_bulk


@pytest.fixture(autouse=True)
def fresh_channels():
    delivering.channel_for.cache_clear()
    yield
    delivering.channel_for.cache_clear()
    config.override(None)


def sendgrid_settings(db_url, tmp_path, fake: FakeSendGrid, *, key: str | None = None, **extra: str):
    delivering.channel_for.cache_clear()  # a channel per settings object: a new key, a new channel
    return make_settings(
        db_url,
        tmp_path,
        DIGEST_EMAIL_CHANNEL="sendgrid",
        SENDGRID_API_KEY=key or fake.api_key,
        DIGEST_SENDGRID_API_URL=fake.url,
        DIGEST_SENDGRID_RATE="500",
        **extra,
    )


def rows(db_url: str, edition_id: int) -> list[tuple[str, str, int, str | None]]:
    with transaction(db_url) as conn:
        query = select(
            deliveries.c.address, deliveries.c.state, deliveries.c.attempts, deliveries.c.last_error
        )
        return [tuple(r) for r in conn.execute(query.where(deliveries.c.edition_id == edition_id))]


def run_until_done(plan, settings, *, timeout: float = 30.0, sleep_cap: float = 0.2) -> int:
    """Each batch, again and again as the task would (waits shortened), until none is open."""
    runs, deadline = 0, time.monotonic() + timeout
    for channel, ids in plan.batches:
        todo = ids
        while todo:
            assert time.monotonic() < deadline, "the rows never ended"
            result = pipeline.send_batch(plan.edition_id, channel, todo, f"b{ids[0]}", settings)
            runs += 1
            todo = result.retry or []
            if todo:
                time.sleep(min(result.retry_after or 0.0, sleep_cap))
    return runs


def test_a_row_that_fails_forever_is_given_up_after_its_attempts(db_url, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=3)
    with FakeSendGrid() as fake:
        fake.faults(error_rate=1.0)  # 500/503 on every request, forever
        settings = sendgrid_settings(db_url, tmp_path, fake, DIGEST_RETRY_MAX_ATTEMPTS="3")
        plan = pipeline.plan_send("daily", settings, manual=True)
        runs = run_until_done(plan, settings)
        requests = fake.requests
    assert runs == 3 and requests == 3
    for _, state, attempts, error in rows(db_url, plan.edition_id):
        assert (state, attempts) == ("failed", 3)
        assert error is not None and error.startswith(
            "gave up after 3 attempts over 0.0 h: last error sendgrid:"
        )


def test_a_row_that_fails_forever_ends_failed_within_its_editions_maximum_age(db_url, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=2)
    max_age = 2.0  # seconds
    with FakeSendGrid() as fake:
        fake.faults(error_rate=1.0)
        settings = sendgrid_settings(
            db_url,
            tmp_path,
            fake,
            DIGEST_RETRY_MAX_AGE_HOURS=str(max_age / 3600),
            DIGEST_RETRY_MAX_ATTEMPTS="1000",
        )
        plan = pipeline.plan_send("daily", settings, manual=True)
        started = time.monotonic()
        run_until_done(plan, settings, sleep_cap=0.1)
        took = time.monotonic() - started
    assert took < max_age + 2.0, "given up once the edition passed its maximum age"
    for _, state, _, error in rows(db_url, plan.edition_id):
        assert state == "failed" and error is not None and error.startswith("gave up after ")


def test_the_sweeper_fails_open_rows_past_their_age_instead_of_queuing_them_again(db_url, tmp_path):
    from digest import tasks

    fresh_items(db_url)
    subscribers_bulk(db_url, emails=2)
    settings = make_settings(db_url, tmp_path, DIGEST_RETRY_MAX_AGE_HOURS="6", DIGEST_RESUME_AFTER="1")
    config.override(settings)
    plan = pipeline.plan_send("daily", settings, manual=True)  # planned, its task lost: rows pending
    long_ago = datetime.now(UTC) - timedelta(hours=7)
    with transaction(db_url) as conn:
        conn.execute(update(editions).where(editions.c.id == plan.edition_id).values(created_at=long_ago))
        conn.execute(update(deliveries).values(updated_at=long_ago))
    tasks.resume_stalled()
    found = rows(db_url, plan.edition_id)
    assert [state for _, state, _, _ in found] == ["failed", "failed"]
    assert all(
        (e or "").startswith("gave up after 0 attempts over 7.0 h: last error never sent") for *_, e in found
    )


def test_a_request_sendgrid_took_but_never_answered_is_sent_again_and_the_log_says_it_may_repeat(
    db_url, tmp_path, caplog, monkeypatch
):
    # The one repeat besides a re-claimed batch: SendGrid had the whole request, then the
    # answer did not come in time. Nobody knows whether it went, so it goes again, and the
    # editors' log says those readers may have it twice.
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=3)
    with FakeSendGrid() as fake:
        settings = sendgrid_settings(db_url, tmp_path, fake)
        impatient = SendGridChannel(fake.api_key, host=fake.url, timeout=0.3)
        monkeypatch.setattr(delivering, "channel_for", lambda channel, settings: impatient)
        fake.script(Reply(delay=1.0))  # taken and recorded after the client has given up
        plan = pipeline.plan_send("daily", settings, manual=True)
        with caplog.at_level(logging.WARNING, logger="digest"):
            run_until_done(plan, settings)
        assert wait_for(lambda: sum(fake.recipient_counts().values()) >= 6, timeout=5), (
            fake.recipient_counts()
        )
        received = fake.recipient_counts()
    assert [state for _, state, _, _ in rows(db_url, plan.edition_id)] == ["sent"] * 3
    assert sorted(received.values()) == [2, 2, 2]
    assert "3 recipients may have been sent the edition already" in caplog.text
    assert "may get it twice" in caplog.text


def test_a_request_that_never_reached_sendgrid_warns_of_no_repeat(db_url, tmp_path, caplog):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=2)
    with FakeSendGrid() as fake:
        settings = sendgrid_settings(db_url, tmp_path, fake)  # a port nobody listens on once stopped
    plan = pipeline.plan_send("daily", settings, manual=True)
    (channel, ids), *_ = plan.batches
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = pipeline.send_batch(plan.edition_id, channel, ids, "b0", settings)
    assert result.retry == sorted(ids)
    assert "may have been sent" not in caplog.text


def test_a_refused_key_stops_the_edition_after_one_batch_and_retry_after_the_fix_sends_nobody_twice(
    db_url, tmp_path, redis_url, caplog
):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=8)
    with FakeSendGrid() as fake:
        good = sendgrid_settings(db_url, tmp_path, fake, DIGEST_EMAIL_BATCH="2", DIGEST_REDIS_URL=redis_url)
        plan = pipeline.plan_send("daily", good, manual=True)
        assert len(plan.batches) == 4
        (channel, first), *rest = plan.batches
        assert pipeline.send_batch(plan.edition_id, channel, first, "b0", good).sent == 2

        revoked = sendgrid_settings(
            db_url, tmp_path, fake, key="SG.revoked", DIGEST_EMAIL_BATCH="2", DIGEST_REDIS_URL=redis_url
        )
        with caplog.at_level(logging.ERROR, logger="digest"):
            for n, (channel, ids) in enumerate(rest, start=1):
                result = pipeline.send_batch(plan.edition_id, channel, ids, f"b{n}", revoked)
                assert not result.retry
        assert fake.statuses[401] == 1, "one batch heard the 401; the breaker stopped the others"
        assert caplog.text.count("CIRCUIT BREAKER OPEN") == 1
        states = Counter(state for _, state, _, _ in rows(db_url, plan.edition_id))
        assert states == {"sent": 2, "failed": 6}
        alerts = retrying.alerts(revoked)
        assert [trip.channel for trip in alerts.breakers] == ["email"]
        held = {error for _, state, _, error in rows(db_url, plan.edition_id) if state == "failed"}
        assert len(held) == 1 and (held.pop() or "").startswith("held: SendGrid refused the API key: 401")

        fixed = sendgrid_settings(db_url, tmp_path, fake, DIGEST_EMAIL_BATCH="2", DIGEST_REDIS_URL=redis_url)
        reopened, trips = retrying.reopen(fixed, plan.edition_id, datetime.now(UTC))
        assert reopened == 6 and [t.channel for t in trips] == ["email"]
        for n, (channel, ids) in enumerate(pipeline.planning.open_batches(fixed, plan.edition_id)):
            assert not pipeline.send_batch(plan.edition_id, channel, ids, f"again{n}", fixed).retry
        counts = fake.recipient_counts()
    with transaction(db_url) as conn:
        assert ledger.counts(conn, [plan.edition_id])["sent"] == 8
    assert len(counts) == 8 and set(counts.values()) == {1}, "everyone got the edition exactly once"
    assert not retrying.alerts(fixed).breakers


def test_a_new_key_is_not_held_by_the_old_keys_trip(db_url, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=4)
    with FakeSendGrid() as fake:
        revoked = sendgrid_settings(db_url, tmp_path, fake, key="SG.revoked", DIGEST_EMAIL_BATCH="2")
        plan = pipeline.plan_send("daily", revoked, manual=True)
        (channel, first), (_, second) = plan.batches
        pipeline.send_batch(plan.edition_id, channel, first, "b0", revoked)
        fixed = sendgrid_settings(db_url, tmp_path, fake, DIGEST_EMAIL_BATCH="2")
        assert pipeline.send_batch(plan.edition_id, channel, second, "b1", fixed).sent == 2


def test_a_refused_bot_token_stops_the_telegram_batches_after_the_first_refusal(
    db_url, tmp_path, monkeypatch
):
    from tests.fakes.telegram_server import FakeTelegram

    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fresh_items(db_url)
    subscribers_bulk(db_url, chats=60)  # two Telegram batches: 50 chats and 10
    with FakeTelegram(token="123456:the-right-token") as fake:
        delivering.channel_for.cache_clear()
        wrong = make_settings(
            db_url,
            tmp_path,
            DIGEST_TELEGRAM_CHANNEL="telegram",
            TELEGRAM_BOT_TOKEN="123456:a-revoked-token",
            DIGEST_TELEGRAM_API_URL=fake.base_url,
        )
        plan = pipeline.plan_send("daily", wrong, manual=True)
        assert len(plan.batches) == 2
        for n, (channel, ids) in enumerate(plan.batches):
            assert not pipeline.send_batch(plan.edition_id, channel, ids, f"t{n}", wrong).retry
        requests = len(fake.requests)
    assert requests == 1, "one chat heard the 401; nothing else was tried"
    found = rows(db_url, plan.edition_id)
    assert len(found) == 60 and {state for _, state, _, _ in found} == {"failed"}
    assert all((error or "").startswith("held: telegram: the bot token was refused") for *_, error in found)
    assert [trip.channel for trip in retrying.alerts(wrong).breakers] == ["telegram"]
    breaker_reset = retrying.reopen(wrong, plan.edition_id, datetime.now(UTC))
    assert breaker_reset[0] == 60
