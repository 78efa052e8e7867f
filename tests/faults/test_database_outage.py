"""The database unreachable for 30 seconds in the middle of a send (PostgreSQL behind a proxy
that drops every connection): the send tasks retry with backoff and finish, exactly once.

SQLite has no network to cut; a file locked by another writer only makes writers wait
(``busy_timeout``), so this test runs on PostgreSQL only.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from tests.fakes import FakeSendGrid
from tests.faults.conftest import call_task, sendgrid_extra, worker_env
from tests.faults.infra import TcpProxy, ledger_counts, through_proxy, wait_for, wait_until_done
from tests.integration.helpers import Worker
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECIPIENTS = 2000
BATCH = 100
OUTAGE = 30.0


def test_a_30_second_database_outage_mid_send_delays_the_send_but_loses_and_repeats_nothing(
    db_url, broker, tmp_path
):
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (DIGEST_TEST_DATABASE_URL): SQLite cannot be made unreachable")
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=RECIPIENTS)
    target = make_url(db_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    with FakeSendGrid(record="counts", schema_sample=1) as fake:
        fake.faults(slow_rate=1.0, slow_seconds=0.4)
        env = worker_env(through_proxy(db_url, proxy), broker.url, tmp_path, **sendgrid_extra(fake, BATCH))
        worker = Worker(env, tmp_path / "w1.log", concurrency=2, name="w1")
        try:
            call_task(env, "digest.send_list", "daily", True)
            assert wait_for(lambda: fake.requests >= 3, timeout=30, step=0.05)
            proxy.cut()
            cut_at = time.monotonic()
            time.sleep(OUTAGE)
            assert proxy.refused > 0, "no task tried the database during the outage"
            during = fake.requests
            proxy.restore()
            counts = wait_until_done(db_url, RECIPIENTS, timeout=45)
            restored_for = time.monotonic() - cut_at - OUTAGE
        finally:
            worker.stop()
            proxy.close()
        received = fake.recipient_counts()
    log = (tmp_path / "w1.log").read_text()
    assert counts["sent"] == RECIPIENTS, counts
    assert len(received) == RECIPIENTS, "someone due was skipped"
    assert max(received.values()) == 1, "someone got the edition twice"
    assert during < RECIPIENTS // BATCH, "the send did not notice the outage"
    assert "Retry in" in log or "database unreachable" in log
    assert restored_for < 45
    assert ledger_counts(db_url).get("sending", 0) == 0
