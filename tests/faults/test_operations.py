"""What operators see when things break: /healthz follows the broker down and up again,
/metrics counts queued tasks and retries, and logs can be JSON lines with fields."""

from __future__ import annotations

import io
import json
import logging
import time

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from digest import logs, pipeline
from digest.store.db import transaction
from digest.store.tables import deliveries
from digest.web import create_app
from tests.conftest import make_settings
from tests.faults.conftest import send_tasks, worker_env
from tests.faults.infra import RedisServer
from tests.integration.population import fresh_items, subscribers_bulk

BASE = "https://news.example.org"


def metrics(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_healthz_is_503_while_the_broker_is_down_and_200_once_it_is_back(
    db_url, broker: RedisServer, tmp_path
):
    settings = make_settings(db_url, tmp_path, DIGEST_BROKER_URL=broker.url)
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as client:
        assert client.get("/healthz").status_code == 200
        broker.stop()
        down = client.get("/healthz")
        broker.start()
        up = client.get("/healthz")
    assert (down.status_code, down.json()) == (503, {"database": "ok", "broker": "error: ConnectionError"})
    assert str(broker.port) not in down.text
    assert up.status_code == 200


def test_metrics_count_waiting_tasks_per_queue_and_retried_sends(db_url, broker: RedisServer, tmp_path):
    fresh_items(db_url)
    subscribers_bulk(db_url, emails=3)
    env = worker_env(db_url, broker.url, tmp_path)
    send_tasks(env, [("digest.collect_due", [])] * 3 + [("digest.tick", [])] * 2)  # no worker runs them
    settings = make_settings(db_url, tmp_path, DIGEST_BROKER_URL=broker.url)
    pipeline.plan_send("daily", settings, manual=True)
    with transaction(db_url) as conn:
        conn.execute(update(deliveries).values(attempts=3, state="retrying"))
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as client:
        found = metrics(client)
        broker.stop()
        without_broker = metrics(client)
    assert found[("digest_queue_length", (("queue", "collect"),))] == 3
    assert found[("digest_queue_length", (("queue", "send"),))] == 2
    assert found[("digest_queue_length", (("queue", "breaking"),))] == 0
    assert found[("digest_broker_up", ())] == 1
    assert found[("digest_delivery_retries", (("channel", "email"),))] == 6
    assert found[("digest_deliveries", (("channel", "email"), ("state", "retrying")))] == 3
    assert without_broker[("digest_broker_up", ())] == 0
    assert ("digest_queue_length", (("queue", "send"),)) not in without_broker
    assert without_broker[("digest_deliveries", (("channel", "email"), ("state", "retrying")))] == 3


def test_json_logs_are_one_object_per_line_with_the_extra_fields() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    logs.setup("INFO", "json", stream=stream)
    try:
        log = logging.getLogger("digest.test")
        log.info("edition %s: %d sent", 7, 250, extra={"edition": 7, "channel": "email", "sent": 250})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it broke", extra={"feed": 3})
    finally:
        root.removeHandler(logs._handler)  # type: ignore[arg-type]
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "edition 7: 250 sent"
    assert {k: lines[0][k] for k in ("level", "logger", "edition", "channel", "sent")} == {
        "level": "INFO",
        "logger": "digest.test",
        "edition": 7,
        "channel": "email",
        "sent": 250,
    }
    assert lines[0]["ts"].endswith("+00:00")
    assert lines[1]["feed"] == 3 and "ValueError: boom" in lines[1]["exc"]
    assert len(lines) == 2


def test_on_rabbitmq_healthz_pings_the_broker_and_metrics_count_its_waiting_tasks(
    db_url, broker: RedisServer, amqp_broker: str, tmp_path
):
    queues = {"DIGEST_BROKER_URL": amqp_broker, "DIGEST_REDIS_URL": broker.url}
    send_tasks(
        worker_env(db_url, amqp_broker, tmp_path, **queues),
        [("digest.collect_due", [])] * 3 + [("digest.tick", [])] * 2,
    )
    settings = make_settings(db_url, tmp_path, **queues)
    dead = make_settings(
        db_url, tmp_path, **queues | {"DIGEST_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"}
    )
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as client:
        health = client.get("/healthz")
        deadline = time.monotonic() + 10  # the broker counts a published message a moment later
        while (found := metrics(client)).get(("digest_queue_length", (("queue", "send"),))) != 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    with TestClient(create_app(dead, webhook_key=""), base_url=BASE) as client:
        down = client.get("/healthz")
        without_broker = metrics(client)
    assert (health.status_code, health.json()) == (200, {"database": "ok", "broker": "ok", "redis": "ok"})
    assert found[("digest_queue_length", (("queue", "collect"),))] == 3
    assert found[("digest_queue_length", (("queue", "send"),))] == 2
    assert found[("digest_queue_length", (("queue", "breaking"),))] == 0
    assert found[("digest_broker_up", ())] == 1
    assert down.status_code == 503 and down.json()["broker"].startswith("error")
    assert "guest" not in down.text
    assert without_broker[("digest_broker_up", ())] == 0
