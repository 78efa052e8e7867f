"""The click redirect on the web, links without tracking, and erasing a reader."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from digest import config, pipeline, tracking
from digest.cli import app as cli_app
from digest.cli import context
from digest.models import Subscriber
from digest.pipeline import clicks as clicks_use_case
from digest.pipeline import stats
from digest.pipeline.events import WebhookEvent, record_webhook_events
from digest.ratelimit import InProcessRateLimiter
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import clicks, email_events
from digest.web import create_app
from tests.web.conftest import BASE, add_news

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def send_daily(settings) -> int:
    add_news(settings, 2)
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", datetime.now(UTC))
        subscriber_store.save(conn, Subscriber(email="ada@example.org", name="Ada"), datetime.now(UTC))
    plan = pipeline.plan_send("daily", settings, manual=True, ignore_hour=True)
    assert plan.edition_id is not None
    for channel, ids in plan.batches:
        pipeline.send_batch(plan.edition_id, channel, ids, f"b-{channel}", settings)
    return plan.edition_id


def sent_html(settings, edition_id: int) -> str:
    [eml] = (Path(settings.outbox_dir) / "email" / str(edition_id)).glob("*.eml")
    return eml.read_text()


def link_for(
    settings, edition_id: int, subscriber_id: int, url: str = "https://wire.example.org/story-0"
) -> str:
    key = settings.signing_key()
    full = tracking.tracked_url(
        settings.public_url,
        key,
        edition_id=edition_id,
        channel="email",
        url=url,
        item_id=0,
        reader=tracking.reader_key(key, subscriber_id, edition_id, "email"),
    )
    return full.removeprefix(settings.public_url)


@pytest.fixture
def web(settings):
    with TestClient(create_app(settings, limiter=InProcessRateLimiter(), webhook_key=""), base_url=BASE) as c:
        yield c


def test_the_redirect_leads_to_the_article_and_never_elsewhere(web, settings):
    path = link_for(settings, 1, 7)
    answer = web.get(path, headers={"User-Agent": CHROME}, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://wire.example.org/story-0"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert web.head(path, follow_redirects=False).status_code == 302
    assert web.get("/r/not-a-token", follow_redirects=False).status_code == 404
    assert web.get(path.replace("~", "x~"), follow_redirects=False).status_code == 404
    with transaction(settings.database_url) as conn:
        rows = conn.execute(select(clicks.c.method, clicks.c.machine_reason)).all()
    assert sorted((m, r) for m, r in rows) == [("GET", None), ("HEAD", "head")]


def test_emails_link_through_the_redirect_with_the_readers_own_key(settings):
    edition_id = send_daily(settings)
    html = sent_html(settings, edition_id)
    assert f"{settings.public_url}/r/" in html and "-click_key-" not in html
    with transaction(settings.database_url) as conn:
        ada = subscriber_store.find(conn, email="ada@example.org")
    assert ada is not None
    assert tracking.reader_key(settings.signing_key(), ada.id or 0, edition_id, "email") in html.replace(
        "=\n", ""
    )


def test_without_click_tracking_links_go_straight_to_the_article(settings):
    plain = dataclasses.replace(settings, track_clicks=False)
    config.override(plain)
    edition_id = send_daily(plain)
    html = sent_html(plain, edition_id).replace("=\n", "")
    assert "/r/" not in html and "wire.example.org/story-" in html


def test_forgetting_a_reader_keeps_the_editions_figures_and_nothing_that_points_to_them(settings):
    edition_id = send_daily(settings)
    with transaction(settings.database_url) as conn:
        ada = subscriber_store.find(conn, email="ada@example.org")
    assert ada is not None and ada.id is not None
    record_webhook_events(
        settings,
        [
            WebhookEvent("d1", "ada@example.org", "delivered", edition_id=edition_id, subscriber_id=ada.id),
            WebhookEvent("o1", "ada@example.org", "open", edition_id=edition_id, subscriber_id=ada.id),
        ],
    )
    later = datetime.now(UTC) + timedelta(minutes=5)
    token = link_for(settings, edition_id, ada.id).removeprefix("/r/")
    clicks_use_case.follow(settings, token, method="GET", user_agent=CHROME, headers={}, now=later)
    before = stats.edition_stats(settings, edition_id)

    context._ready = False
    result = CliRunner().invoke(cli_app, ["subscribers", "forget", "ADA@example.org"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 clicks" in result.output

    after = stats.edition_stats(settings, edition_id)
    assert after == before and after is not None and after["clicked"] == 1 and after["opened"] == 1
    with transaction(settings.database_url) as conn:
        assert subscriber_store.find(conn, email="ada@example.org") is None
        owners = {r[0] for r in conn.execute(select(email_events.c.subscriber_id))}
        owners |= {r[0] for r in conn.execute(select(clicks.c.subscriber_id))}
    assert ada.id not in owners and all(owner < 0 for owner in owners) and len(owners) == 1

    again = CliRunner().invoke(cli_app, ["subscribers", "forget", "ada@example.org"])
    assert again.exit_code != 0 and "no subscriber ada@example.org" in again.output
