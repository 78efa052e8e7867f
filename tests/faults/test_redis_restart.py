"""Redis (broker and rate limiter) killed mid-send and started again empty: the queued and
unacknowledged tasks are gone, the ledger is not; the ``resume_stalled`` sweeper queues the
open rows again and everyone gets the edition once (at most an in-flight batch twice)."""

from __future__ import annotations

import time

import pytest

from tests.fakes import FakeSendGrid
from tests.faults.conftest import call_task, sendgrid_extra, worker_env
from tests.faults.infra import ledger_counts, wait_for
from tests.integration.helpers import Worker
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECIPIENTS = 3000
BATCH = 200


def test_redis_restarted_empty_mid_send_the_sweeper_finishes_the_send_exactly_once(db_url, broker, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=RECIPIENTS)
    with FakeSendGrid(record="counts", schema_sample=1) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.6)  # a send takes a while: Redis dies mid-way
        # Scaled down for the test: rows stuck "sending" come back after 2 × 5 s, rows left open
        # are queued again by the sweeper after 2 s (production: 30 and 10 minutes).
        env = worker_env(
            db_url,
            broker.url,
            tmp_path,
            **sendgrid_extra(fake, BATCH),
            DIGEST_TASK_VISIBILITY_TIMEOUT="5",
            DIGEST_RESUME_AFTER="2",
        )
        worker = Worker(env, tmp_path / "w1.log", concurrency=2, name="w1")
        try:
            call_task(env, "digest.send_list", "daily", True)
            assert wait_for(lambda: fake.requests >= 3, timeout=30, step=0.05)
            broker.stop()  # every queued, reserved and unacknowledged task is lost with it
            time.sleep(3)
            assert 0 < ledger_counts(db_url).get("sent", 0) < RECIPIENTS, "the outage came too late"
            broker.start()
            # beat runs the sweeper every 5 minutes; here it is called until the send is done
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and ledger_counts(db_url).get("sent", 0) < RECIPIENTS:
                call_task(env, "digest.resume_stalled")
                wait_for(lambda: ledger_counts(db_url).get("sent", 0) >= RECIPIENTS, timeout=4)
        finally:
            worker.stop()
        counts = ledger_counts(db_url)
        received = fake.recipient_counts()
    log = (tmp_path / "w1.log").read_text()
    assert counts["sent"] == RECIPIENTS, counts
    assert len(received) == RECIPIENTS, "someone due was skipped"
    repeated = sum(n - 1 for n in received.values())
    assert repeated <= 2 * BATCH, f"{repeated} repeats: more than the batches in flight"
    assert "digest.resume_stalled" in log and "ready." in log
