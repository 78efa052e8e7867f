"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when DIGEST_TEST_DATABASE_URL
is set), settings pointing at it, and the test Redis database."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from digest import config
from digest.config import parsers
from digest.store.db import engine_for, migrate
from digest.store.schema import metadata

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TEST_REDIS_DB = 13
REDIS_URL = os.environ.get("DIGEST_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{TEST_REDIS_DB}")
# Every key this run writes (Celery queues, rate limits) carries this prefix, so test runs
# sharing the Redis database never take each other's tasks, and cleanup removes only ours.
REDIS_PREFIX = f"digest-test-{os.getpid()}-{uuid.uuid4().hex[:6]}:"


def _postgres_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{parsers.database_url(base)}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the session: our own schema on PostgreSQL, a file on SQLite."""
    base = os.environ.get("DIGEST_TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'digest.db'}"
        migrate(url)
        yield url
        return
    schema = f"digest_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(parsers.database_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _postgres_schema_url(base, schema)
    try:
        migrate(url)
        yield url
    finally:
        engine_for(url).dispose()
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop the session's schema even when a process the tests started (a worker killed with
    -9, a server thread) still holds a lock in it: those sessions are ended first."""
    holders = text(
        "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND l.pid <> pg_backend_pid()"
    )
    for _ in range(5):
        with admin.begin() as conn:
            for (pid,) in conn.execute(holders, {"schema": schema}):
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        try:
            with admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except OperationalError:
            continue  # a lock was taken again meanwhile: end its holder and try again
    raise RuntimeError(f"could not drop the test schema {schema}")


@pytest.fixture
def db_url(database_url: str) -> Iterator[str]:
    """The session database, emptied after each test."""
    yield database_url
    with engine_for(database_url).begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def make_settings(db_url: str, tmp_path: Path, **overrides: str) -> config.Settings:
    env = {
        "DIGEST_DATABASE_URL": db_url,
        "DIGEST_OUTBOX_DIR": str(tmp_path / "outbox"),
        "DIGEST_SECRET_KEY": "test-secret-key",
        "DIGEST_PUBLIC_URL": "https://news.example.org",
        "DIGEST_FROM_EMAIL": "The Daily Digest <digest@news.example.org>",
        "DIGEST_FETCH_ALLOWLIST": "127.0.0.1,localhost",
        "DIGEST_REDIS_PREFIX": REDIS_PREFIX,
        # Many tests plan editions at a fixed moment days in the past and send them now: the
        # retry policy's maximum age would give them up. Tests of the policy set their own.
        "DIGEST_RETRY_MAX_AGE_HOURS": "100000",
        "DIGEST_RETRY_BREAKING_MAX_AGE_HOURS": "100000",
        **overrides,
    }
    return config.load(env, dotenv=False)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Iterator[config.Settings]:
    loaded = make_settings(db_url, tmp_path)
    config.override(loaded)
    yield loaded
    config.override(None)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The tests' own Redis database, emptied before and after; skips when Redis is down."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    yield REDIS_URL
    for key in client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the project; tests that need it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


AMQP_BASE = os.environ.get("DIGEST_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
AMQP_USER = os.environ.get("DIGEST_TEST_AMQP_USER", "guest")


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ vhost of this run's own (so parallel runs never take each other's tasks),
    deleted afterwards; skips when no RabbitMQ answers or no ``rabbitmqctl`` can make one."""
    from kombu.connection import Connection

    try:
        with Connection(f"{AMQP_BASE}//", connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure: no broker to test against
        pytest.skip(f"RabbitMQ not reachable at {AMQP_BASE.rpartition('@')[2]}: {type(exc).__name__}")
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl not found: cannot make a vhost of our own")
    vhost = REDIS_PREFIX.rstrip(":")
    try:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, AMQP_USER, ".*", ".*", ".*")
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"rabbitmqctl could not make a vhost: {exc}")
    try:
        yield f"{AMQP_BASE}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def amqp_broker(amqp_url: str) -> Iterator[str]:
    """The run's vhost, its queues deleted after each test (nothing queued leaks into the next)."""
    from kombu.connection import Connection

    from digest.celery_app import QUEUES

    yield amqp_url
    with Connection(amqp_url, connect_timeout=5) as conn:
        for queue in QUEUES:
            channel = conn.channel()
            channel.queue_delete(queue)
            channel.close()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_env(request: pytest.FixtureRequest, redis_url: str) -> dict[str, str]:
    """Celery on Redis, then on RabbitMQ (Redis kept for rate limits and locks): the settings."""
    if request.param == "redis":
        return {"DIGEST_BROKER_URL": redis_url}
    return {"DIGEST_BROKER_URL": request.getfixturevalue("amqp_broker"), "DIGEST_REDIS_URL": redis_url}


@pytest.fixture(autouse=True)
def closed_breakers() -> Iterator[None]:
    """Each test starts with every circuit breaker closed: a test that trips one (a refused
    key) must not hold the next test's sends, in this process or in Redis."""
    yield
    from digest import breaker

    breaker._memory.clear()
    for store in list(breaker._redis.values()):
        for channel in breaker.CHANNELS:
            # Redis gone (a fault test stopped it): nothing to clean there.
            with contextlib.suppress(Exception):
                store.delete(f"{REDIS_PREFIX}digest:breaker:{channel}")
