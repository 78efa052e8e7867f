"""Operations: /healthz and /metrics; / and the favicon.

Monitoring reads the store directly (read-only counts, no use case to orchestrate).
Metrics are computed at scrape time by a custom collector, so every web process
reports the same numbers: the database's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import redis
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from digest.config import Settings
from digest.models import Channel, DeliveryState, SubscriberStatus
from digest.pipeline import database
from digest.pipeline.stats import ops_figures
from digest.web.deps import ReaderSettingsDep

__all__ = ["DigestCollector", "health", "install", "router"]

log = logging.getLogger(__name__)

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#b3261e"/>'
    '<text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" '
    'text-anchor="middle" fill="#fff">d</text></svg>'
)


def health(settings: Settings) -> tuple[bool, dict[str, str]]:
    """(all fine, component -> "ok" | "not configured" | "error: …")."""
    report = {"database": _check(lambda: database.ping(settings.database_url))}
    broker, shared = settings.broker_url, settings.redis_url
    ping_broker = _ping_redis if settings.broker_is_redis else _ping_amqp
    report["broker"] = _check(lambda: ping_broker(str(broker))) if broker else "not configured"
    if shared and shared != broker:
        report["redis"] = _check(lambda: _ping_redis(shared))
    return all(v in ("ok", "not configured") for v in report.values()), report


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:  # any failure means "not healthy"; the class names it, not the details
        log.warning("health check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


def _ping_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _ping_amqp(url: str) -> None:
    from kombu.connection import Connection

    with Connection(url, connect_timeout=2) as conn:  # type: ignore[no-untyped-call]
        conn.ensure_connection(max_retries=1, timeout=2)


class DigestCollector(Collector):
    """Gauges read from the database at each scrape."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self) -> list[Metric]:
        return []  # described lazily: registering must not query the database

    def collect(self) -> Iterator[Metric]:
        figures = ops_figures(self.settings)
        deliveries, retries, statuses = figures.deliveries, figures.retries, figures.statuses
        suppressed, failing = figures.suppressed, figures.failing_feeds
        rows = GaugeMetricFamily(
            "digest_deliveries", "Delivery ledger rows by state and channel.", labels=["state", "channel"]
        )
        for state in DeliveryState:
            for channel in Channel:
                rows.add_metric([state.value, channel.value], deliveries.get((state.value, channel.value), 0))
        yield rows
        retried = GaugeMetricFamily(
            "digest_delivery_retries", "Send attempts beyond the first, by channel.", labels=["channel"]
        )
        for channel in Channel:
            retried.add_metric([channel.value], retries.get(channel.value, 0))
        yield retried
        subscribers = GaugeMetricFamily("digest_subscribers", "Subscribers by status.", labels=["status"])
        for status in SubscriberStatus:
            subscribers.add_metric([status.value], statuses.get(status.value, 0))
        yield subscribers
        yield GaugeMetricFamily(
            "digest_suppressed_addresses", "Addresses never emailed again.", value=suppressed
        )
        yield GaugeMetricFamily("digest_feeds_with_errors", "Feeds whose last fetch failed.", value=failing)
        if self.settings.broker_url:
            yield from _queue_metrics(self.settings)


def _queue_metrics(settings: Settings) -> Iterator[Metric]:
    """Tasks waiting in each Celery queue, and whether the broker answered."""
    from digest.celery_app import QUEUES

    up = GaugeMetricFamily("digest_broker_up", "1 when the broker answered this scrape.")
    waiting = GaugeMetricFamily("digest_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"])
    read = _redis_queue_lengths if settings.broker_is_redis else _amqp_queue_lengths
    try:
        lengths = read(str(settings.broker_url), settings.redis_prefix, QUEUES)
    except Exception as exc:  # any failure means "broker down" for this scrape; the class names it
        log.warning("metrics: broker not readable: %s", type(exc).__name__)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    for queue, length in zip(QUEUES, lengths, strict=True):
        waiting.add_metric([queue], length)
    yield waiting


def _redis_queue_lengths(broker_url: str, prefix: str, queues: tuple[str, ...]) -> list[int]:
    """LLEN of each queue's lists (one per priority step)."""
    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in queues:
                for name in _priority_lists(queue):
                    pipe.llen(prefix + name)
            lengths = pipe.execute()
    finally:
        client.close()
    steps = len(_priority_lists(queues[0]))
    return [sum(lengths[n * steps : (n + 1) * steps]) for n in range(len(queues))]


def _amqp_queue_lengths(broker_url: str, prefix: str, queues: tuple[str, ...]) -> list[int]:
    """Ready messages of each queue (a passive declare: it creates nothing); 0 for one not declared yet."""
    from amqp.exceptions import NotFound
    from kombu.connection import Connection

    lengths = []
    with Connection(broker_url, connect_timeout=2) as conn:  # type: ignore[no-untyped-call]
        conn.ensure_connection(max_retries=1, timeout=2)
        for queue in queues:
            channel = conn.channel()
            try:
                lengths.append(int(channel.queue_declare(queue=queue, passive=True).message_count))
            except NotFound:  # the broker closes the channel: the queue does not exist yet
                lengths.append(0)
            else:
                channel.close()
    return lengths


def _priority_lists(queue: str) -> list[str]:
    # kombu's Redis transport keeps a queue as one list per priority step: "send", "send\x06\x163" …
    return [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]


router = APIRouter()


def install(app: FastAPI, settings: Settings) -> None:
    """Add the routes, with the app's own metrics registry (one per app: each app's collector
    reads its own settings' database)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DigestCollector(settings))
    app.state.metrics = registry
    app.include_router(router)


@router.get("/healthz")
def healthz(settings: ReaderSettingsDep) -> Response:
    ok, report = health(settings)
    return JSONResponse(report, status_code=200 if ok else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    assert isinstance(registry, CollectorRegistry)
    try:
        body = generate_latest(registry)
    except Exception as exc:
        log.warning("metrics: database not readable: %s", exc)
        return Response("# database not readable\n", status_code=503, media_type="text/plain")
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/")
def home() -> Response:
    # Readers arrive here from a bare address; editors have their own door at /admin.
    return RedirectResponse("/subscribe", status_code=303)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})
