"""A feed whose CMS migration changed every GUID (same links) does not re-send old stories:
collect, send, change the GUIDs, collect, and the next edition has nothing old in it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from digest import pipeline
from digest.models import Subscriber
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import items
from tests.faults.conftest import register_feeds
from tests.faults.infra import FeedSite, rss
from tests.tracked_links import with_destinations

STORIES = [
    ("Parliament approves winter energy budget", "https://outlet.example/news/energy-budget"),
    ("Drone factory opens near Lviv", "https://outlet.example/news/drone-factory"),
    ("Grain corridor ships reach Istanbul", "https://outlet.example/news/grain-corridor"),
]
NEW_STORY = ("Railway restores night trains to Odesa", "https://outlet.example/news/night-trains")


def _send(settings) -> pipeline.SendPlan:
    plan = pipeline.plan_send("daily", settings, manual=True)
    for channel, ids in plan.batches:
        assert not pipeline.send_batch(plan.edition_id or 0, channel, ids, f"b{ids[0]}", settings).retry
    return plan


def _stored(settings) -> int:
    with transaction(settings.database_url) as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def test_a_feed_that_changes_every_guid_sends_nothing_old_in_the_next_edition(settings):
    with transaction(settings.database_url) as conn:
        subscriber_store.save(conn, Subscriber(email="ada@example.org", lists=("daily",)), datetime.now(UTC))
    with FeedSite() as site:
        site.feeds["/rss"] = rss(
            "outlet", [(f"old-cms-{n}", url, title) for n, (title, url) in enumerate(STORIES)]
        )
        [feed_id] = register_feeds(settings.database_url, [site.url("/rss")])
        assert pipeline.refresh_feed(feed_id, settings).new == len(STORIES)
        first = _send(settings)
        assert first.recipients == 1

        migrated = [(f"new-cms/{n}", url, title) for n, (title, url) in enumerate(STORIES)]
        site.feeds["/rss"] = rss("outlet", migrated)
        again = pipeline.refresh_feed(feed_id, settings)
        assert (again.status, again.new) == ("ok", 0), again
        assert _stored(settings) == len(STORIES)
        nothing = _send(settings)
        assert (nothing.recipients, nothing.skipped) == (0, 1), "old stories came back as new"

        site.feeds["/rss"] = rss("outlet", [("new-cms/99", NEW_STORY[1], NEW_STORY[0]), *migrated])
        assert pipeline.refresh_feed(feed_id, settings).new == 1
        latest = _send(settings)
    assert latest.recipients == 1 and latest.edition_id is not None
    emails = list((settings.outbox_dir / "email" / str(latest.edition_id)).glob("*.eml"))
    [email] = [with_destinations(path.read_text(errors="replace"), settings.signing_key()) for path in emails]
    assert "night-trains" in email
    assert not any(url.rsplit("/", 1)[-1] in email for _, url in STORIES), "an old story was sent again"
