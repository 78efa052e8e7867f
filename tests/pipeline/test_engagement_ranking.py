"""Yesterday's human clicks per source feed the ranking's engagement part, shown in --explain."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from digest import pipeline
from digest.cli import app as cli_app
from digest.cli import context
from digest.compose import ComposeOptions, compose
from digest.models import FeedSpec, Subscriber
from digest.pipeline.stats import engagement_lifts
from digest.store import clicks as click_store
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store.db import transaction
from tests.pipeline.conftest import news_item


def test_clicked_sources_rank_a_little_higher_the_next_day_and_explain_says_so(world, settings):
    weighted = dataclasses.replace(settings, engagement_weight=1.0)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        other, _ = feed_store.add(conn, FeedSpec("https://news2.example/rss", "News Two"), now)
        fresh = [news_item(world.feed_id, n, hours_ago=2) for n in range(2)]
        fresh += [news_item(other.id, n + 4, hours_ago=2) for n in range(2)]
        for item in fresh:
            item.published = now - timedelta(hours=2)
        item_store.save(conn, fresh, now)
    world.subscribe(*[Subscriber(email=f"r{n}@example.org") for n in range(4)])
    plan = pipeline.plan_send("daily", weighted, now=now, manual=True, ignore_hour=True)
    assert plan.edition_id is not None
    with transaction(settings.database_url) as conn:
        recent = item_store.recent(conn, now - timedelta(days=1))
        loved = next(i for i in recent if i.feed_id == world.feed_id)
        for reader in range(1, 4):  # three readers click a story of the first source
            click_store.add(
                conn,
                click_store.StoredClick(
                    plan.edition_id,
                    reader,
                    "email",
                    loved.id,
                    loved.url,
                    "GET",
                    None,
                    now + timedelta(minutes=reader),
                ),
            )
    lifts = engagement_lifts(weighted, now + timedelta(hours=1))
    assert lifts[f"source:{world.feed_id}"] > 1 > lifts[f"source:{other.id}"]
    assert engagement_lifts(settings, now + timedelta(hours=1)) == {}  # off by default

    with transaction(settings.database_url) as conn:
        items = item_store.recent(conn, now - timedelta(days=1))
    options = ComposeOptions().with_engagement(lifts)
    stories = compose(items, list_name="daily", title="Daily", now=now, options=options).content.stories
    parts = {s.lead.feed_id: s.score_parts["engagement"] for s in stories}
    assert 1 < parts[world.feed_id] <= 1.2 and 1 / 1.2 <= parts[other.id] < 1

    context._ready = False
    weighted_env = {
        "DIGEST_ENGAGEMENT_WEIGHT": "1",
        "DIGEST_DATABASE_URL": settings.database_url,
        "DIGEST_SECRET_KEY": "test-secret-key",
        "DIGEST_OUTBOX_DIR": str(settings.outbox_dir),
    }
    shown = CliRunner().invoke(cli_app, ["preview", "daily", "--explain", "--new-reader"], env=weighted_env)
    assert shown.exit_code == 0, shown.output
    assert "engagement" in shown.output
