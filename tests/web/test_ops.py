"""Operations and the public edition page: /healthz, /metrics, /editions/{id}."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from digest import pipeline
from digest.models import DeliveryState, FeedSpec, SubscriberStatus
from digest.pipeline import subscriptions
from digest.store import feeds as feed_store
from digest.store.db import transaction
from digest.web import create_app
from tests.conftest import make_settings
from tests.web.conftest import BASE, add_news, add_subscriber


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_healthz_reports_the_database_ok_and_no_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "not configured"}


def test_healthz_is_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    dead = make_settings("postgresql://nobody@127.0.0.1:1/nothing", tmp_path)
    with TestClient(create_app(dead, webhook_key=""), base_url=BASE) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
    assert "127.0.0.1" not in response.text


def test_healthz_is_503_naming_the_broker_when_redis_is_down(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, DIGEST_BROKER_URL="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_pings_a_live_broker(db_url, tmp_path, redis_url):
    settings = make_settings(db_url, tmp_path, DIGEST_BROKER_URL=redis_url)
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as client:
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"database": "ok", "broker": "ok"})


def test_metrics_count_the_rows_we_created(client, settings):
    add_news(settings)
    add_subscriber(settings, "a@example.org")
    add_subscriber(settings, "b@example.org")
    add_subscriber(settings, "c@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    pipeline.plan_send("daily", settings, manual=True)
    subscriptions.record_provider_event(settings, subscriptions.ProviderEvent("x@example.org", "bounce"))
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://broken.example.org/rss"), datetime.now(UTC))
        now = datetime.now(UTC)
        feed_store.record_error(conn, feed.id, now=now, next_fetch_at=now, error="boom")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("digest_deliveries", (("channel", "email"), ("state", "pending")))] == 2
    assert found[("digest_deliveries", (("channel", "email"), ("state", "sent")))] == 0
    assert found[("digest_deliveries", (("channel", "telegram"), ("state", "failed")))] == 0
    assert {s for (name, labels) in found if name == "digest_deliveries" for _, s in labels[1:]} == {
        state.value for state in DeliveryState
    }
    assert found[("digest_subscribers", (("status", "active"),))] == 2
    assert found[("digest_subscribers", (("status", "unsubscribed"),))] == 1
    assert found[("digest_subscribers", (("status", "unconfirmed"),))] == 0
    assert found[("digest_suppressed_addresses", ())] == 1
    assert found[("digest_feeds_with_errors", ())] == 1


def test_the_edition_web_view_has_no_raw_placeholders(client, settings):
    add_news(settings)
    add_subscriber(settings, "a@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True)
    response = client.get(f"/editions/{plan.edition_id}")
    assert response.status_code == 200
    assert "Story number" in response.text
    for tag in ("-unsubscribe_url-", "-preferences_url-", "-name-"):
        assert tag not in response.text
    assert "img-src https: data:" in response.headers["content-security-policy"]


def test_a_missing_edition_is_a_404_page(client):
    response = client.get("/editions/424242")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert client.get("/editions/..%2F..%2Fsecret_key").status_code == 404
