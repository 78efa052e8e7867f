"""Secrets never leave where they belong: after a real worker send with recognisable values of
SENDGRID_API_KEY, TELEGRAM_BOT_TOKEN and DIGEST_SECRET_KEY (and faults, so errors are logged),
no Redis key or value (task messages decoded), no worker log line and no CLI output holds them;
nor do the web app's error and health pages hold the database password."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from digest.web import create_app
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram
from tests.faults.conftest import send_tasks, worker_env
from tests.faults.infra import RedisServer, private_redis, wait_until_done
from tests.integration.helpers import Worker, cli
from tests.integration.population import fresh_items, subscribers_bulk

SENDGRID_KEY = "SG.CANARY-sendgrid-5f1e2d3c"
BOT_TOKEN = "424242:CANARY-telegram-9a8b7c"
SIGNING_KEY = "CANARY-signing-0d1c2b3a"
SECRETS = (SENDGRID_KEY, BOT_TOKEN, SIGNING_KEY, "CANARY")


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _decoded(value: Any) -> str:
    """Everything a stored value says, base64 task bodies and nested JSON unpacked."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        out = [value]
        with contextlib.suppress(ValueError):
            out.append(_decoded(json.loads(value)))
        if len(value) >= 16 and len(value) % 4 == 0:
            with contextlib.suppress(binascii.Error, ValueError):
                out.append(base64.b64decode(value, validate=True).decode("utf-8", "replace"))
        return "\n".join(out)
    if isinstance(value, dict):
        return "\n".join(_decoded(k) + "\n" + _decoded(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return "\n".join(_decoded(v) for v in value)
    return str(value)


def redis_dump(server: RedisServer) -> str:
    client = server.client()
    parts: list[str] = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        value: Any = b""
        if kind == "string":
            value = client.get(key)
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "set":
            value = list(client.smembers(key))
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        parts.append(_decoded(key) + "\n" + _decoded(value))
    client.close()
    return "\n".join(parts)


@pytest.mark.integration
@pytest.mark.slow
def test_no_secret_reaches_redis_the_worker_log_or_the_cli(db_url, tmp_path: Path) -> None:
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=300, chats=5, chat_start=800_000)
    with (
        private_redis(tmp_path / "redis") as broker,
        FakeSendGrid(api_key=SENDGRID_KEY, record="counts", schema_sample=1) as sendgrid,
        FakeTelegram(token=BOT_TOKEN) as telegram,
    ):
        sendgrid.script(500, 429, 503)  # errors get logged: they must not carry the key
        telegram.fail_next(2, status=502, description="Bad Gateway")
        env = worker_env(
            db_url,
            broker.url,
            tmp_path,
            DIGEST_SECRET_KEY=SIGNING_KEY,
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=SENDGRID_KEY,
            DIGEST_SENDGRID_API_URL=sendgrid.url,
            DIGEST_SENDGRID_RATE="500",
            DIGEST_EMAIL_BATCH="100",
            DIGEST_TELEGRAM_CHANNEL="telegram",
            TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            DIGEST_TELEGRAM_API_URL=telegram.base_url,
            DIGEST_LOG_FORMAT="json",
            DIGEST_LOG_LEVEL="DEBUG",
        )
        send_tasks(env, [("digest.send_list", ["daily", True])])
        queued = redis_dump(broker)  # the task waits in the queue: no worker yet
        outputs = [cli(env, "config"), cli(env, "feeds", "list"), cli(env, "lists", "list")]
        worker = Worker(env, tmp_path / "w1.log", concurrency=2, name="w1")
        try:
            counts = wait_until_done(db_url, 305, timeout=50)
            outputs += [cli(env, "status", "1"), cli(env, "retry", "1")]
            during = redis_dump(broker)
        finally:
            worker.stop()
        after = redis_dump(broker)
    log = (tmp_path / "w1.log").read_text()
    assert counts.get("sent", 0) + counts.get("failed", 0) == 305, counts
    assert "digest.send_list" in queued, "the scan did not see the queued task"
    scanned = [
        ("redis (queued)", queued),
        ("redis (sending)", during),
        ("redis (after)", after),
        ("worker log", log),
    ]
    scanned += [("cli " + " ".join(map(str, o.args[1:])), o.stdout + o.stderr) for o in outputs]
    for name, text in scanned:
        assert not leaks(text), f"{name} holds a secret: {leaks(text)}"
    json_lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line.get("edition") and line.get("channel") == "email" and "sent" in line for line in json_lines
    )
    assert sum(1 for line in log.splitlines() if line.strip() and not line.startswith("{")) < 40, "not JSON"


def test_health_metrics_and_error_pages_never_show_the_database_password(tmp_path: Path) -> None:
    dead = make_settings("postgresql://digest:CANARY-db-pass@127.0.0.1:1/digest", tmp_path)
    with TestClient(create_app(dead, webhook_key=""), raise_server_exceptions=False) as client:
        pages = [
            client.get(path) for path in ("/healthz", "/metrics", "/unsubscribe/x.y", "/editions/1", "/nope")
        ]
    for page in pages:
        assert not leaks(page.text), page.text
        assert "Traceback" not in page.text
    assert pages[0].status_code == 503 and pages[1].status_code == 503
    assert dead.redacted()["DIGEST_DATABASE_URL"] == "postgresql+psycopg://digest:***@127.0.0.1:1/digest"
