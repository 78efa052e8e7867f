"""The use cases behind the desk's other pages: the preview's words and actions, subscriber
edits that change only what changed, feeds checked by the SSRF guard, the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from digest import pipeline
from digest.editorial import Action, EditorAction
from digest.models import FeedSpec, Item, Story, Subscriber
from digest.pipeline import breaking, desk, feeds_desk, readers, selection
from digest.store import feeds as feed_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.db import transaction
from tests.web.conftest import add_news, add_subscriber


def _story(outlets: int, **parts: float) -> Story:
    items = [
        Item(key=f"k{n}", feed_id=1, source=f"Outlet {n}", url=f"https://x.example/{n}", title="T")
        for n in range(outlets)
    ]
    return Story(lead=items[0], also=items[1:], score_parts={"editor": 1.0, "diversity": 1.0, **parts})


def test_score_parts_are_told_in_words_an_editor_understands():
    words = selection.score_words(_story(4, age_hours=6.2, source_weight=1.5), None, "UTC")
    assert words == ["4 outlets", "6 h old", "source weighted ×1.5"]
    assert selection.score_words(_story(1, age_hours=0.25), None, "UTC") == ["1 outlet", "15 min old"]
    assert "close to a story above (×0.50)" in selection.score_words(_story(2, diversity=0.5), None, "UTC")


def test_a_pin_that_expires_says_until_when_in_the_editors_zone():
    until = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days=1)
    pin = EditorAction("k0", Action.PIN, expires_at=until)
    words = selection.score_words(_story(1, pinned=1.0, age_hours=2), pin, "Europe/Berlin")
    assert re.fullmatch(r"pinned until (\w{3} )?18:00 CET", words[-1]), words
    boosted = selection.score_words(_story(1, editor=2.0), None, "UTC")
    assert boosted[-1] == "boosted ×2"


def test_a_left_out_reason_reads_as_a_sentence():
    assert selection.left_out_words("section sport is full (3)") == "Section sport is full (3)."


def _daily(settings) -> None:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", datetime.now(UTC))


def test_a_web_pin_can_expire_and_a_bad_control_is_refused(settings):
    add_news(settings, 1)
    _daily(settings)
    applied = selection.apply(settings, "daily", "wire-0", "pin", "ada@example.org", hours=6)
    assert applied.expires_at is not None
    assert timedelta(hours=5, minutes=59) < applied.expires_at - datetime.now(UTC) <= timedelta(hours=6)
    with pytest.raises(selection.InvalidSelection, match="choose one of"):
        selection.apply(settings, "daily", "wire-0", "promote", "ada@example.org")
    with pytest.raises(selection.InvalidSelection, match="not offered"):
        selection.apply(settings, "daily", "wire-0", "pin", "ada@example.org", hours=5)


def _reader(settings) -> int:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for name in ("daily", "evening"):
            subscriber_store.ensure_list(conn, name, now)
        sub_id, _ = subscriber_store.save(
            conn, Subscriber(email="rita@example.org", name="Rita", timezone="UTC", lists=("daily",)), now
        )
    return sub_id


def test_an_edit_saves_only_the_fields_the_editor_changed(settings):
    sub_id = _reader(settings)
    shown = readers.reader_detail(settings, sub_id).shown
    with transaction(settings.database_url) as conn:  # meanwhile the reader moves to Berlin
        sub = subscription_store.by_id(conn, sub_id)
        assert sub is not None
        sub.timezone = "Europe/Berlin"
        subscription_store.update_profile(conn, sub)
    submitted = {**shown, "name": "Rita R.", "lists": "daily; evening"}
    changed = readers.update_reader(settings, sub_id, shown, submitted, "ada@example.org")
    assert changed == ["name", "lists"]
    after = readers.reader_detail(settings, sub_id).sub
    assert (after.name, after.timezone, after.lists) == ("Rita R.", "Europe/Berlin", ("daily", "evening"))


def test_a_bad_field_saves_nothing_and_is_named(settings):
    sub_id = _reader(settings)
    shown = readers.reader_detail(settings, sub_id).shown
    with pytest.raises(readers.InvalidEdit, match="send hour"):
        readers.update_reader(settings, sub_id, shown, {**shown, "name": "X", "send_hour": "25"}, "ada")
    with pytest.raises(readers.InvalidEdit, match="no list 'nightly'"):
        readers.update_reader(settings, sub_id, shown, {**shown, "name": "X", "lists": "nightly"}, "ada")
    assert readers.reader_detail(settings, sub_id).sub.name == "Rita"


def test_readers_are_counted_filtered_and_paged(settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", now)
        for n in range(60):
            subscriber_store.save(conn, Subscriber(email=f"p{n}@example.org", lists=("daily",)), now)
        subscriber_store.save(conn, Subscriber(telegram_chat_id="777", lists=("daily",)), now)
    everyone = readers.find_readers(settings, readers.filter_from())
    assert (everyone.total, len(everyone.rows), everyone.pages) == (61, 50, 2)
    assert len(readers.find_readers(settings, readers.filter_from(), page=2).rows) == 11
    assert readers.find_readers(settings, readers.filter_from(channel="telegram")).total == 1
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    assert readers.find_readers(settings, readers.filter_from(since=tomorrow)).total == 0
    with pytest.raises(readers.InvalidEdit, match="signed up from"):
        readers.filter_from(since="yesterday")


def test_a_feed_pointing_into_a_private_network_is_refused_in_words(settings):
    with pytest.raises(feeds_desk.InvalidFeed, match="points inside a private network"):
        feeds_desk.add_feed(settings, "http://10.1.2.3/rss", "", "news", "1", "ada")
    with pytest.raises(feeds_desk.InvalidFeed, match="starting with http"):
        feeds_desk.add_feed(settings, "ftp://example.org/rss", "", "news", "1", "ada")
    with pytest.raises(feeds_desk.InvalidFeed, match="weight"):
        feeds_desk.add_feed(settings, "http://127.0.0.1:9/rss", "", "news", "heavy", "ada")
    feed = feeds_desk.add_feed(settings, "http://127.0.0.1:9/rss", "Local", "news", "1", "ada")
    assert feed.name == "Local"


def test_a_paused_feed_is_not_due_until_resumed(settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("http://127.0.0.1:9/rss", "Local"), now)
    feeds_desk.set_paused(settings, feed.id, True, "ada")
    with transaction(settings.database_url) as conn:
        assert feed.id not in [f.id for f in feed_store.due(conn, now)]
    assert feeds_desk.all_feeds(settings)[0].paused_by == "ada"
    feeds_desk.set_paused(settings, feed.id, False, "ada")
    with transaction(settings.database_url) as conn:
        assert feed.id in [f.id for f in feed_store.due(conn, now)]


def test_a_feed_edit_changes_only_what_was_given(settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("http://127.0.0.1:9/rss", "Local", "sport", 2.0), now)
    assert feeds_desk.edit_feed(settings, feed.id, {"weight": "1.5"}, "ada") == ["weight"]
    with transaction(settings.database_url) as conn:
        after = feed_store.by_id(conn, feed.id)
    assert after is not None and (after.name, after.section, after.weight) == ("Local", "sport", 1.5)


def test_the_audit_log_names_stories_by_headline_and_filters(settings):
    add_news(settings, 1)
    _daily(settings)
    selection.apply(settings, "daily", "wire-0", "pin", "ada@example.org")
    selection.apply(settings, "daily", "wire-0", "bury", "bob@example.org")
    log = desk.audit_log(settings, actor="ada@example.org")
    assert [(r.entry.action, r.headline) for r in log.rows] == [
        ("editor.pin", "Story number 0 about the city council")
    ]
    assert "bob@example.org" in log.actors and "editor.bury" in log.actions
    assert len(desk.audit_log(settings, action="editor.").rows) == 2
    assert desk.audit_log(settings, day_from="2999-01-01").rows == []
    with pytest.raises(desk.InvalidInput):
        desk.audit_log(settings, day_from="soon")


def test_a_readers_history_lists_their_deliveries_newest_first(settings):
    add_news(settings, 2)
    sub_id = add_subscriber(settings, "rita@example.org")
    daily = pipeline.plan_send("daily", settings, manual=True).edition_id
    news = breaking.news_from_text("Dam breached near the city", "https://wire.example.org/dam")
    flash = breaking.send_breaking(
        settings, news, "daily", lambda plan: None, actor="ada", audiences=["email"]
    )

    history = readers.reader_detail(settings, sub_id).history

    assert [(d.edition_id, d.list_name, d.channel) for d in history] == [
        (flash.edition_id, "daily", "email"),
        (daily, "daily", "email"),
    ]
