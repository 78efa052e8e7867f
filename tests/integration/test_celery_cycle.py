"""A whole cycle through a real Celery worker on the real Redis, then on RabbitMQ, feeds served over HTTP."""

from __future__ import annotations

import json
from collections import Counter
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest

from digest import csvio, sample
from tests.integration.helpers import Worker, cli, environment, feed_server, http_opml, sample_site

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def outbox_files(outbox: Path) -> list[Path]:
    return sorted(p for p in outbox.rglob("*") if p.is_file())


def test_a_cycle_through_celery_delivers_one_digest_per_subscriber_and_a_second_sends_nothing(
    db_url, broker_env, tmp_path
):
    outbox = tmp_path / "outbox"
    env = environment(
        **broker_env,
        DIGEST_DATABASE_URL=db_url,
        DIGEST_OUTBOX_DIR=str(outbox),
        DIGEST_SECRET_KEY="integration",
        DIGEST_FETCH_ALLOWLIST="127.0.0.1",
        DIGEST_LOG_LEVEL="WARNING",
    )
    opml = sample_site(tmp_path / "site")
    with feed_server(tmp_path / "site") as base_url:
        worker = Worker(env, tmp_path / "worker.log")
        try:
            assert cli(env, "feeds", "import", str(http_opml(opml, base_url))).returncode == 0
            assert cli(env, "subscribers", "import", str(sample.SUBSCRIBERS)).returncode == 0
            first = cli(env, "run", "--once")
            assert first.returncode == 0, first.stderr
            delivered = outbox_files(outbox)
            second = cli(env, "run", "--once")
            assert second.returncode == 0, second.stderr
            assert outbox_files(outbox) == delivered
        finally:
            worker.stop()
    log = (tmp_path / "worker.log").read_text()
    assert "digest.refresh_feed" in log and "digest.send_batch" in log, "tasks did not run in the worker"

    daily = [s for s in csvio.read_subscribers(sample.SUBSCRIBERS.read_bytes(), "s") if "daily" in s.lists]
    emails = [
        message_from_bytes(p.read_bytes(), policy=email_policy) for p in delivered if p.suffix == ".eml"
    ]
    assert Counter(m["To"].addresses[0].addr_spec for m in emails) == Counter(s.email for s in daily)
    chats = Counter(json.loads(p.read_text())["chat_id"] for p in delivered if p.suffix == ".json")
    assert set(map(str, chats)) == {s.telegram_chat_id for s in daily}
    assert "re-sending in-flight" not in log
