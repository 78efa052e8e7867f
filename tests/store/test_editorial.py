"""Editor actions, the audit log, list layouts and sent items, on real SQL (SQLite, or
PostgreSQL with DIGEST_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import update

from digest.editorial import Action, EditorAction
from digest.models import FeedSpec, Item
from digest.store import audit as audit_store
from digest.store import editions
from digest.store import editorial as store
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subs
from digest.store.db import engine_for, transaction
from digest.store.schema import metadata
from digest.store.tables import items as items_table

NOW = datetime(2026, 11, 26, 7, tzinfo=UTC)


@pytest.fixture
def db(db_url):
    with transaction(db_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://news.example/rss", "News"), NOW)
        found = [
            Item(
                key=f"key-{n}",
                feed_id=feed.id,
                source="",
                url=f"https://news.example/{n}",
                title=f"Story {n}",
                published=NOW - timedelta(hours=1),
            )
            for n in range(3)
        ]
        item_store.save(conn, found, NOW)
        subs.ensure_list(conn, "daily", NOW)
        subs.ensure_list(conn, "weekly", NOW)
    return db_url


def action(key: str, kind: Action, list_name: str | None = None, **fields) -> EditorAction:
    return EditorAction(key, kind, fields.pop("factor", 1.0), list_name, created_by="olena", **fields)


def test_the_migrations_create_the_editorial_tables_as_declared(db):
    with engine_for(db).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    mine = ("editor_actions", "audit_log", "sections")
    assert [d for d in diffs if any(name in repr(d) for name in mine)] == []


@pytest.mark.parametrize("ref", ["key-1", "https://news.example/1", "id"])
def test_an_item_is_found_by_id_url_or_key(db, ref):
    with transaction(db) as conn:
        if ref == "id":
            ref = str(conn.execute(items_table.select().where(items_table.c.key == "key-1")).one().id)
        assert store.find_item(conn, ref) == ("key-1", "Story 1")
        assert store.find_item(conn, "https://elsewhere.example/") is None


def test_an_action_is_stored_with_who_when_and_for_which_list_and_audited(db):
    with transaction(db) as conn:
        until = NOW + timedelta(days=1)
        store.save_action(conn, action("key-1", Action.BOOST, "daily", factor=3.0, expires_at=until), NOW)
    with transaction(db) as conn:
        [saved] = store.actions(conn)
        [entry] = audit_store.audit_entries(conn)
    assert (saved.item_key, saved.action, saved.factor, saved.list_name, saved.created_by) == (
        "key-1",
        Action.BOOST,
        3.0,
        "daily",
        "olena",
    )
    assert (saved.created_at, saved.expires_at) == (NOW, NOW + timedelta(days=1))
    assert (entry.actor, entry.action, entry.target, entry.at) == ("olena", "editor.boost", "key-1", NOW)
    assert entry.details == {
        "factor": 3.0,
        "list": "daily",
        "expires_at": "2026-11-27T07:00:00+00:00",
        "replaced": [],
    }


def test_a_new_action_replaces_the_items_action_for_the_same_list_only(db):
    with transaction(db) as conn:
        store.save_action(conn, action("key-1", Action.BURY), NOW)
        store.save_action(conn, action("key-1", Action.PIN, "daily"), NOW)
        store.save_action(conn, action("key-1", Action.EXCLUDE), NOW + timedelta(minutes=1))
    with transaction(db) as conn:
        found = {(a.list_name, a.action) for a in store.actions(conn)}
        newest = audit_store.audit_entries(conn, target="key-1")[0]
    assert found == {("daily", Action.PIN), (None, Action.EXCLUDE)}
    assert (newest.action, newest.details["replaced"]) == ("editor.exclude", ["bury"])


def test_expired_actions_are_kept_but_not_in_force(db):
    with transaction(db) as conn:
        store.save_action(conn, action("key-1", Action.PIN, expires_at=NOW - timedelta(minutes=1)), NOW)
        store.save_action(conn, action("key-2", Action.PIN), NOW)
    with transaction(db) as conn:
        assert [a.item_key for a in store.actions(conn, now=NOW)] == ["key-2"]
        assert len(store.actions(conn)) == 2


def test_clearing_removes_the_items_actions_and_is_audited(db):
    with transaction(db) as conn:
        store.save_action(conn, action("key-1", Action.PIN), NOW)
        store.save_action(conn, action("key-1", Action.BURY, "weekly"), NOW)
        store.save_action(conn, action("key-2", Action.PIN), NOW)
    with transaction(db) as conn:
        assert store.clear_actions(conn, "key-1", "weekly", actor="taras", now=NOW) == 1
        assert store.clear_actions(conn, "key-1", None, actor="taras", now=NOW) == 1
        assert store.clear_actions(conn, "key-1", None, actor="taras", now=NOW) == 0
        assert [a.item_key for a in store.actions(conn)] == ["key-2"]
        entries = audit_store.audit_entries(conn, target="key-1")
    assert [(e.actor, e.action, e.details["removed"]) for e in entries[:2]] == [
        ("taras", "editor.clear", ["pin"]),
        ("taras", "editor.clear", ["bury"]),
    ]


def test_an_action_for_an_unknown_list_is_refused(db):
    with transaction(db) as conn, pytest.raises(LookupError, match="'monthly'"):
        store.save_action(conn, action("key-1", Action.PIN, "monthly"), NOW)


def test_deleting_a_list_deletes_its_actions(db):
    with transaction(db) as conn:
        store.save_action(conn, action("key-1", Action.PIN, "weekly"), NOW)
        conn.execute(subs.lists.delete().where(subs.lists.c.name == "weekly"))
    with transaction(db) as conn:
        assert store.actions(conn) == []


def test_a_lists_layout_is_stored_audited_and_reset(db):
    with transaction(db) as conn:
        assert store.layout(conn, "daily") == ()
        store.set_layout(conn, "daily", (("video", 2), ("news", None)), actor="olena", now=NOW)
    with transaction(db) as conn:
        assert store.layout(conn, "daily") == (("video", 2), ("news", None))
        assert store.layout(conn, "weekly") == ()
        store.set_layout(conn, "daily", (), actor="olena", now=NOW)
        assert store.layout(conn, "daily") == ()
        entries = audit_store.audit_entries(conn, target="daily")
    assert [e.details["sections"] for e in entries] == [None, [["video", 2], ["news", None]]]


def test_sent_items_tell_unchanged_from_changed_since_the_edition(db):
    with transaction(db) as conn:
        list_pk = subs.ensure_list(conn, "daily", NOW)
        edition_id, _ = editions.get_or_create(conn, list_pk, "slot", "t", NOW)
        ids = dict(
            conn.execute(items_table.select().with_only_columns(items_table.c.key, items_table.c.id)).all()
        )
        editions.record_items(conn, edition_id, [ids["key-0"], ids["key-1"]])
        conn.execute(
            update(items_table)
            .where(items_table.c.key == "key-1")
            .values(updated_at=NOW + timedelta(hours=1))
        )
    with transaction(db) as conn:
        sent = store.sent_items(conn, [edition_id])
        assert store.sent_items(conn, []) == store.SentItems()
    assert (sent.unchanged, sent.changed) == ({"key-0"}, {"key-1"})
