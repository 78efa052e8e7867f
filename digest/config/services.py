"""Where digest runs: the database, the broker and Redis, logs, the web app and editors' sessions."""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import parsers as parse
from digest.config.setting import setting


@dataclass(frozen=True)
class ServiceSettings:
    database_url: str = setting(
        "DIGEST_DATABASE_URL",
        "sqlite:///var/digest.db",
        parse.database_url,
        "SQLAlchemy URL of the database: SQLite (the default, a file under ./var/) or PostgreSQL.",
    )
    broker_url: str | None = setting(
        "DIGEST_BROKER_URL",
        "",
        parse.optional(parse.url("redis", "rediss", "amqp", "amqps", "pyamqp")),
        "Celery broker. Unset: tasks run in-process. `redis://host:6379/0`: Celery on Redis; "
        "`amqp://user:password@host:5672/vhost`: Celery on RabbitMQ (then `DIGEST_REDIS_URL` is required).",
    )
    redis_url: str | None = setting(
        "DIGEST_REDIS_URL",
        "",
        parse.optional(parse.url("redis", "rediss")),
        "Redis for shared rate limits and locks; defaults to the broker URL when that is Redis.",
    )
    redis_prefix: str = setting(
        "DIGEST_REDIS_PREFIX",
        "",
        str,
        "Prefix for every Redis key digest and Celery write, so several deployments can share one Redis.",
    )
    environment: str | None = setting(
        "DIGEST_ENV",
        "",
        parse.optional(parse.choice("production", "development")),
        "`production` or `development`. Unset: production when `DIGEST_BROKER_URL` is set (workers may run "
        "on several machines), else development. Production refuses to start without `DIGEST_SECRET_KEY`.",
    )
    broker_heartbeat: int = setting(
        "DIGEST_BROKER_HEARTBEAT",
        "60",
        parse.positive(int),
        "Seconds of AMQP heartbeat (RabbitMQ): a worker unreachable for longer loses its connection and its "
        "unacknowledged tasks go to another worker.",
    )
    visibility_timeout: int = setting(
        "DIGEST_TASK_VISIBILITY_TIMEOUT",
        "900",
        parse.positive(int),
        "Seconds before Redis hands an unacknowledged task (its worker died) to another worker, and "
        "before a batch in flight that long is re-claimed by another run of its task (either broker).",
    )
    resume_after: int = setting(
        "DIGEST_RESUME_AFTER",
        "600",
        parse.positive(int),
        "Seconds a delivery may wait unsent before the 5-minute sweeper queues it again (its task was "
        "lost: Redis restarted or a message expired).",
    )
    log_level: str = setting(
        "DIGEST_LOG_LEVEL", "INFO", parse.choice("DEBUG", "INFO", "WARNING", "ERROR"), "Log level."
    )
    log_format: str = setting(
        "DIGEST_LOG_FORMAT",
        "text",
        parse.choice("text", "json"),
        "Log lines as `text` (for people) or `json` (one object per line, with edition, feed, channel "
        "and counts as fields, for a log collector).",
    )
    public_url: str = setting(
        "DIGEST_PUBLIC_URL",
        "http://localhost:8000",
        parse.url("http", "https"),
        "Public base URL of the web app: unsubscribe, preferences and web-view links start with it.",
    )
    secret_key: str | None = setting(
        "DIGEST_SECRET_KEY",
        "",
        parse.optional(str),
        "Key that signs unsubscribe and preference links. Unset: one is generated into "
        "`./var/secret_key` (set it in production, the same on every machine).",
        secret=True,
    )
    max_body_bytes: int = setting(
        "DIGEST_MAX_BODY_BYTES",
        "1048576",
        parse.positive(int),
        "Largest request body the web app reads (bytes, counted as it streams in); larger ones get 413. "
        "SendGrid's event webhook has its own limit of 5 MB.",
    )
    editor_idle_minutes: int = setting(
        "DIGEST_EDITOR_IDLE_MINUTES",
        "30",
        parse.positive(int),
        "An editor's session ends after this many minutes without a request.",
    )
    editor_session_hours: int = setting(
        "DIGEST_EDITOR_SESSION_HOURS",
        "12",
        parse.positive(int),
        "An editor's session ends this many hours after sign-in, however active.",
    )
