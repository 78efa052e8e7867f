"""Fixtures for the fault tests: a private broker and helpers that drive real workers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest import config
from digest.celery_app import create_app
from digest.models import FeedSpec
from digest.store import feeds as feed_store
from digest.store.db import transaction
from tests.fakes import FakeSendGrid
from tests.faults.infra import RedisServer, private_redis
from tests.integration.helpers import environment


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own (broker and limiter), stopped afterwards."""
    with private_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture(params=["redis", "rabbitmq"])
def queues(request: pytest.FixtureRequest, broker: RedisServer) -> dict[str, str]:
    """The broker settings: the private Redis, then RabbitMQ with the private Redis for limits."""
    if request.param == "redis":
        return {"DIGEST_BROKER_URL": broker.url}
    return {"DIGEST_BROKER_URL": request.getfixturevalue("amqp_broker"), "DIGEST_REDIS_URL": broker.url}


def call_task(env: dict[str, str], name: str, *args: object) -> str:
    """Queue a task by name through the broker of ``env``, routed as the app routes it."""
    return send_tasks(env, [(name, list(args))])[0]


def send_tasks(env: dict[str, str], calls: list[tuple[str, list[Any]]]) -> list[str]:
    """Queue several tasks at once (one connection); return their ids."""
    app = create_app(config.load(env, dotenv=False))
    try:
        with app.connection_for_write() as conn:
            return [app.send_task(name, args=args, connection=conn).id for name, args in calls]
    finally:
        app.close()


def register_feeds(db_url: str, urls: list[str]) -> list[int]:
    now = datetime.now(UTC)
    with transaction(db_url) as conn:
        return [feed_store.add(conn, FeedSpec(url, f"Feed {n}"), now)[0].id for n, url in enumerate(urls)]


def worker_env(db_url: str, broker_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker on this database and broker; ``extra`` adds or overrides."""
    return environment(
        **{
            "DIGEST_DATABASE_URL": db_url,
            "DIGEST_BROKER_URL": broker_url,
            "DIGEST_SECRET_KEY": "faults",
            "DIGEST_OUTBOX_DIR": str(tmp_path / "outbox"),
            "DIGEST_FETCH_ALLOWLIST": "127.0.0.1",
            **extra,
        }
    )


def sendgrid_extra(fake: FakeSendGrid, batch: int) -> dict[str, str]:
    """Settings that send email through the fake SendGrid, ``batch`` recipients per task."""
    return {
        "DIGEST_EMAIL_CHANNEL": "sendgrid",
        "SENDGRID_API_KEY": fake.api_key,
        "DIGEST_SENDGRID_API_URL": fake.url,
        "DIGEST_SENDGRID_RATE": "500",
        "DIGEST_EMAIL_BATCH": str(batch),
    }
