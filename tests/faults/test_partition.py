"""A partition, not a crash: two worker hosts in network namespaces of the test's own, with a
Redis (broker and limiter) and a PostgreSQL that listen on the test's veth addresses only. One
host is cut off mid-send for longer than the visibility timeout, then its link comes back.

Every reader gets the edition exactly once, except at most the batch the cut-off host had in
flight (the README's documented repeats: a re-claimed batch, or a request SendGrid had when the
link went), and both hosts end idle and answering.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from digest import config
from digest.celery_app import create_app
from digest.store import ledger
from digest.store.db import migrate, transaction
from tests.fakes import FakeSendGrid
from tests.faults.infra import wait_for, what_workers_did
from tests.faults.netns import network, postgres_on, redis_on
from tests.integration.helpers import VENV_BIN, Worker, cli, environment
from tests.integration.population import fresh_items, subscribers_bulk

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(180)]

READERS, BATCH, CONCURRENCY = 3000, 200, 1
VISIBILITY = 6  # seconds; the cut lasts well beyond it (and the worker's 10-second restore scan)
CUT_SECONDS = 20
CUT, OTHER = 1, 2  # host numbers


class HostWorker(Worker):
    """``celery -A worker worker`` inside a host's network namespace."""

    def __init__(self, namespace: str, env: dict[str, str], log: Path, name: str) -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                namespace,
                str(VENV_BIN / "celery"),
                "-A",
                "worker",
                "worker",
                "-Q",
                "breaking,collect,send",
                "-c",
                str(CONCURRENCY),
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()


def test_a_host_cut_off_mid_send_repeats_at_most_its_batch_in_flight_and_both_hosts_end_idle(tmp_path):
    with (
        network(hosts=2) as net,
        redis_on(net.addresses()) as redis_port,
        postgres_on(net.addresses()) as pg_port,
        FakeSendGrid(record="counts", schema_sample=1, host="0.0.0.0") as sendgrid,
    ):
        sendgrid.faults(slow_rate=1.0, slow_seconds=1.2)  # every request takes a while: time to cut

        def env_on(host: int) -> dict[str, str]:
            """The settings as seen from ``host``: every service at our address on its link."""
            at = net.ours(host)
            return environment(
                DIGEST_DATABASE_URL=f"postgresql://postgres@{at}:{pg_port}/postgres",
                DIGEST_BROKER_URL=f"redis://{at}:{redis_port}/0",
                DIGEST_SECRET_KEY="partition",
                DIGEST_OUTBOX_DIR=str(tmp_path / "outbox"),
                DIGEST_EMAIL_CHANNEL="sendgrid",
                SENDGRID_API_KEY=sendgrid.api_key,
                DIGEST_SENDGRID_API_URL=f"http://{at}:{sendgrid.url.rsplit(':', 1)[1]}",
                DIGEST_SENDGRID_RATE="500",
                DIGEST_EMAIL_BATCH=str(BATCH),
                DIGEST_TASK_VISIBILITY_TIMEOUT=str(VISIBILITY),
                DIGEST_LOG_LEVEL="INFO",
            )

        ours = env_on(OTHER)  # this process reaches the services over the link that stays up
        db_url = config.load(ours, dotenv=False).database_url
        migrate(db_url)
        fresh_items(db_url)
        subscribers_bulk(db_url, emails=READERS)
        hosts = {
            n: HostWorker(net.namespace(n), env_on(n), tmp_path / f"host{n}.log", f"host{n}")
            for n in (CUT, OTHER)
        }
        try:
            sent = cli(ours, "send", "daily", "--no-follow")
            assert sent.returncode == 0, sent.stderr
            assert wait_for(lambda: sendgrid.requests >= 3, timeout=60, step=0.05), "nothing was sent"
            net.cut(CUT)  # mid-send: host 1 has a request at SendGrid or a batch in hand
            cut_at, before = time.monotonic(), sendgrid.requests
            time.sleep(CUT_SECONDS)
            served_meanwhile = sendgrid.requests - before
            net.restore(CUT)
            counts = _wait_until_sent(db_url, READERS, timeout=120)
            idle = _both_idle(ours, [f"host{n}" for n in hosts])
        finally:
            for worker in hosts.values():
                worker.stop()
        received = sendgrid.recipient_counts()
        logs = {n: (tmp_path / f"host{n}.log").read_text() for n in hosts}
    assert time.monotonic() - cut_at >= CUT_SECONDS
    assert served_meanwhile > 0, "the other host stopped working while host 1 was cut off"
    assert counts.get("sent") == READERS, counts
    assert len(received) == READERS, "someone due was skipped"
    repeated = sum(n - 1 for n in received.values())
    assert repeated <= BATCH * CONCURRENCY, f"{repeated} repeats: more than host 1's batch in flight"
    if repeated:  # each a repeat the README documents, and the log says which
        explained = ("re-sending in-flight batch", "may have been sent the edition already")
        assert any(line in logs[OTHER] + logs[CUT] for line in explained), (
            f"{repeated} repeats that no host logged as a repeat:\n"
            + what_workers_did({f"host{n}": text for n, text in logs.items()})
        )
    assert idle == {"host1": [], "host2": []}, f"a host is not idle (or did not answer): {idle}"


def _wait_until_sent(db_url: str, total: int, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with transaction(db_url) as conn:
            edition = conn.exec_driver_sql("select max(edition_id) from deliveries").scalar()
            counts = ledger.counts(conn, [edition]) if edition else {}
        if counts.get("sent", 0) + counts.get("failed", 0) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def _both_idle(env: dict[str, str], names: list[str]) -> dict[str, list[object]]:
    """What each worker runs now, asked through the broker (a host that did not come back after
    the cut does not answer); waits for the cut-off host to reconnect."""
    app = create_app(config.load(env, dotenv=False))
    try:
        deadline = time.monotonic() + 60
        while True:
            active = app.control.inspect(timeout=3).active() or {}
            found = {
                name: active.get(next((k for k in active if k.startswith(f"{name}@")), ""), None)
                for name in names
            }
            if all(tasks == [] for tasks in found.values()) or time.monotonic() > deadline:
                return {name: ["(no answer)"] if tasks is None else tasks for name, tasks in found.items()}
            time.sleep(1)
    finally:
        app.close()
