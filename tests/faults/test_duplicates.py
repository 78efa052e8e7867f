"""Work done twice by mistake sends nothing twice: beat running twice (two ticks at once, in
two workers) and the same send task queued twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from digest import pipeline
from digest.store.db import transaction
from digest.store.tables import deliveries, editions
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.faults.conftest import send_tasks, sendgrid_extra, worker_env
from tests.faults.infra import wait_until_done
from tests.integration.helpers import Worker
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECIPIENTS = 1500
BATCH = 100


def test_two_ticks_at_once_in_two_workers_send_each_reader_one_edition(db_url, broker, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=RECIPIENTS)  # send hour 0 UTC: due at any tick today
    with FakeSendGrid(record="counts", schema_sample=1) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.2)
        env = worker_env(db_url, broker.url, tmp_path, **sendgrid_extra(fake, BATCH))
        workers = [Worker(env, tmp_path / f"w{n}.log", concurrency=1, name=f"w{n}") for n in (1, 2)]
        try:
            send_tasks(env, [("digest.tick", []), ("digest.tick", [])])  # beat started twice
            counts = wait_until_done(db_url, RECIPIENTS, timeout=50)
        finally:
            for worker in workers:
                worker.stop()
        received = fake.recipient_counts()
    logs = [(tmp_path / f"w{n}.log").read_text() for n in (1, 2)]
    assert all("digest.tick" in log for log in logs), "the two ticks did not run in two workers"
    assert counts["sent"] == RECIPIENTS, counts
    assert len(received) == RECIPIENTS and max(received.values()) == 1, "someone got two editions"
    with transaction(db_url) as conn:
        assert conn.execute(select(func.count()).select_from(editions)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(deliveries)).scalar_one() == RECIPIENTS


def test_the_same_send_task_queued_twice_or_with_another_token_sends_each_row_once(db_url, broker, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=RECIPIENTS)
    plan = pipeline.plan_send(
        "daily", make_settings(db_url, tmp_path, DIGEST_EMAIL_BATCH=str(BATCH)), manual=True
    )
    assert plan.edition_id is not None and plan.deliveries == RECIPIENTS
    with FakeSendGrid(record="counts", schema_sample=1) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.2)
        env = worker_env(db_url, broker.url, tmp_path, **sendgrid_extra(fake, BATCH))
        workers = [Worker(env, tmp_path / f"w{n}.log", concurrency=2, name=f"w{n}") for n in (1, 2)]
        try:
            calls = []
            for n, (channel, ids) in enumerate(plan.batches):
                args = [plan.edition_id, channel, ids, f"batch-{n}"]
                # the same message twice (a publisher retry), and a second planner's own task
                calls += [("digest.send_batch", args), ("digest.send_batch", args)]
                calls.append(("digest.send_batch", [*args[:3], f"other-{n}"]))
            send_tasks(env, calls)
            counts = wait_until_done(db_url, RECIPIENTS, timeout=50)
        finally:
            for worker in workers:
                worker.stop()
        received = fake.recipient_counts()
    assert counts["sent"] == RECIPIENTS, counts
    assert len(received) == RECIPIENTS and max(received.values()) == 1, "someone got the edition twice"
