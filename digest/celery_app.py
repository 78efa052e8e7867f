"""The Celery application, configured from the settings.

Without ``DIGEST_BROKER_URL`` tasks run in-process (``task_always_eager``), so the
embedded defaults need no Redis; with it, they go through Redis or RabbitMQ to worker processes
(rate limits and locks stay in Redis either way: ``Settings.shared_redis_url``).
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from kombu.entity import Queue

from beat_schedule import BEAT_SCHEDULE
from digest import config, logs
from digest.store.db import dispose_all

QUEUES = ("breaking", "send", "collect")


def create_app(settings: config.Settings | None = None) -> Celery:
    settings = settings or config.get()
    app = Celery("digest", include=["digest.tasks"])
    app.conf.update(_conf(settings))
    return app


def _conf(settings: config.Settings) -> dict[str, Any]:
    eager = settings.broker_url is None
    return {
        "broker_url": settings.broker_url or "memory://localhost/",
        "result_backend": None,
        "task_always_eager": eager,
        "task_eager_propagates": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # A task is acknowledged only once it has finished, so a worker killed mid-task
        # leaves its message to be delivered again (the ledger makes that safe).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_queues": [Queue(name) for name in QUEUES],
        "task_default_queue": "send",
        "task_routes": {
            "digest.collect_due": {"queue": "collect"},
            "digest.refresh_feed": {"queue": "collect"},
            "digest.tick": {"queue": "send"},
            "digest.send_list": {"queue": "send"},
            "digest.send_batch": {"queue": "send"},
            "digest.resume": {"queue": "send"},
            "digest.resume_stalled": {"queue": "send"},
            "digest.expire_unconfirmed": {"queue": "collect"},
            "digest.sunset": {"queue": "collect"},
        },
        "broker_transport_options": _transport_options(settings),
        # AMQP: both ends send a heartbeat every heartbeat/2 s; a worker cut off for longer than
        # the heartbeat loses its connection and RabbitMQ requeues its unacknowledged tasks.
        "broker_heartbeat": settings.broker_heartbeat,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": BEAT_SCHEDULE,
        "timezone": "UTC",
        "worker_hijack_root_logger": False,
    }


def _transport_options(settings: config.Settings) -> dict[str, Any]:
    if not settings.broker_is_redis:
        # RabbitMQ redelivers an unacknowledged task when its consumer's connection ends (kill -9,
        # a partition longer than the heartbeat): no visibility timeout, no key prefix (a vhost
        # of its own separates deployments), no queue order (give breaking news its own workers).
        return {}
    return {
        # Unacknowledged messages come back after this long (Redis transport); longer than any task.
        "visibility_timeout": settings.visibility_timeout,
        # Look for tasks of dead workers every 10 s (kombu's default scans every 100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        # Workers hand those tasks back under a lock; one killed while holding it leaves it to
        # expire (kombu's default: 300 s), and until then nothing comes back. Capped at the
        # visibility timeout, so a lock left that way at most doubles the wait for redelivery.
        # Two restorers at once are safe (kombu restores each task in a WATCH transaction).
        "unacked_mutex_expire": min(300, settings.visibility_timeout),
        # A worker takes from its queues in the order -Q lists them (breaking first), not in
        # turn: breaking news never waits behind a daily send's hundred batches.
        "queue_order_strategy": "priority",
        **({"global_keyprefix": settings.redis_prefix} if settings.redis_prefix else {}),
    }


@setup_logging.connect
def _setup_logging(loglevel: int | str | None = None, **_: Any) -> None:
    # Celery's own set-up is replaced by ours, so a worker writes the lines DIGEST_LOG_FORMAT
    # asks for (JSON for a collector); the level is the worker's --loglevel.
    settings = config.get()
    logs.setup(
        loglevel or settings.log_level,
        settings.log_format,
        text_format="[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s",
        quiet=("kombu", "httpx", "httpcore", "alembic", "python_http_client"),
    )


@worker_process_init.connect
def _after_fork(**_: Any) -> None:
    # A forked worker must not reuse the parent's pooled database connections.
    dispose_all()
