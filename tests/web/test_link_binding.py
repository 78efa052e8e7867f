"""Issue 11: ids are never reused, and a link verifies only for the subscriber it was issued to
— a deleted reader's old links never show or change whoever comes after them."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, select, text

from digest import links
from digest.models import Subscriber, SubscriberStatus
from digest.store import subscribers as subscriber_store
from digest.store.db import MIGRATIONS, migrate, transaction
from digest.store.tables import subscribers
from tests.web.conftest import add_subscriber, find, preferences_path, unsubscribe_path

NOW = datetime(2026, 11, 30, 7, tzinfo=UTC)
ONE_CLICK = {
    "content": b"List-Unsubscribe=One-Click",
    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
}


def test_a_deleted_subscribers_id_is_never_given_to_the_next_one(settings):
    first = add_subscriber(settings, "first@example.org")
    last = add_subscriber(settings, "last@example.org")
    with transaction(settings.database_url) as conn:
        assert subscriber_store.remove(conn, "last@example.org")
    after = add_subscriber(settings, "after@example.org")
    assert after > last > first


def test_a_deleted_readers_links_do_not_reach_a_new_reader_with_the_same_id(client, settings):
    gone = add_subscriber(settings, "gone@example.org")
    old_unsubscribe, old_preferences = unsubscribe_path(settings, gone), preferences_path(settings, gone)
    with transaction(settings.database_url) as conn:
        subscriber_store.remove(conn, "gone@example.org")
        # However the id comes back (a restore, a hand-made row), the new row has its own token.
        conn.execute(
            insert(subscribers).values(
                id=gone, email="new@example.org", name="New", created_at=NOW, topics=[], attributes={}
            )
        )
        subscriber_store.ensure_list(conn, "daily", NOW)
        subscriber_store.save(conn, Subscriber(email="new@example.org", name="New"), NOW)
    page = client.get(old_preferences)
    assert page.status_code == 404 and "new@example.org" not in page.text
    assert client.get(old_unsubscribe).status_code == 404
    assert client.post(old_unsubscribe, **ONE_CLICK).status_code == 404
    assert find(settings, "new@example.org").status is SubscriberStatus.ACTIVE
    assert client.get(unsubscribe_path(settings, gone)).status_code == 200, "the new reader's own link works"


def first_format_link(settings, sub_id: int) -> str:
    token = links.sign(settings.signing_key(), links.LinkClaim(sub_id, "daily", "unsubscribe", 0, None))
    return f"/unsubscribe/{token}"


def test_an_old_format_one_click_link_works_for_a_reader_from_before_link_tokens(client, settings):
    sub_id = add_subscriber(settings, "old@example.org")
    with transaction(settings.database_url) as conn:
        conn.execute(subscribers.update().where(subscribers.c.id == sub_id).values(legacy_links=True))
    assert client.post(first_format_link(settings, sub_id), **ONE_CLICK).status_code == 200
    assert find(settings, "old@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_an_old_format_link_does_not_work_for_a_reader_who_never_had_one(client, settings):
    sub_id = add_subscriber(settings, "new@example.org")
    assert client.post(first_format_link(settings, sub_id), **ONE_CLICK).status_code == 404
    assert find(settings, "new@example.org").status is SubscriberStatus.ACTIVE


def test_every_subscriber_has_a_token_of_their_own(settings):
    ids = [add_subscriber(settings, f"r{n}@example.org") for n in range(5)]
    with transaction(settings.database_url) as conn:
        tokens = (
            conn.execute(select(subscribers.c.link_token).where(subscribers.c.id.in_(ids))).scalars().all()
        )
    assert len(set(tokens)) == 5 and all(len(t) >= 16 for t in tokens)


@pytest.mark.skipif(bool(os.environ.get("DIGEST_TEST_DATABASE_URL")), reason="the SQLite table rebuild")
def test_the_migration_keeps_every_row_and_gives_old_rows_tokens_and_their_old_links(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0003")
    old = create_engine(url)
    with old.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lists (id, name, title, kind, created_at) VALUES (1, 'daily', 'Daily', 'digest', :t)"  # noqa: E501
            ),
            {"t": NOW},
        )
        for n in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO subscribers (id, email, name, timezone, send_hour, frequency, topics, status, attributes, created_at) "  # noqa: E501
                    "VALUES (:id, :e, 'R', 'UTC', 7, 'daily', '[]', 'active', '{}', :t)"
                ),
                {"id": n, "e": f"r{n}@example.org", "t": NOW},
            )
            conn.execute(text("INSERT INTO memberships (list_id, subscriber_id) VALUES (1, :id)"), {"id": n})
        conn.execute(
            text("INSERT INTO editions (id, list_id, slot, title, created_at) VALUES (1, 1, 's', 'T', :t)"),
            {"t": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO edition_variants (id, edition_id, topics_key, subject, preheader, html, text, telegram) VALUES (1, 1, '', 'S', '', 'h', 't', '[]')"  # noqa: E501
            )
        )
        conn.execute(
            text(
                "INSERT INTO deliveries (edition_id, list_id, subscriber_id, channel, period, address, variant_id, state, attempts, parts_sent, updated_at) "  # noqa: E501
                "VALUES (1, 1, 3, 'email', 'p', 'r3@example.org', 1, 'sent', 1, 0, :t)"
            ),
            {"t": NOW},
        )
    old.dispose()
    migrate(url)
    with transaction(url) as conn:
        rows = conn.execute(text("SELECT id, link_token, legacy_links FROM subscribers ORDER BY id")).all()
        assert [r.id for r in rows] == [1, 2, 3]
        assert all(r.legacy_links for r in rows) and len({r.link_token for r in rows}) == 3
        assert conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM deliveries")).scalar() == 1
        assert subscriber_store.remove(conn, "r3@example.org")
        new_id, _ = subscriber_store.save(conn, Subscriber(email="new@example.org"), NOW)
        assert new_id == 4, "AUTOINCREMENT: the deleted highest id is not reused"
        assert conn.execute(text("SELECT subscriber_id FROM deliveries")).scalar() is None
        fresh = conn.execute(text("SELECT legacy_links FROM subscribers WHERE id = 4")).scalar()
        assert not fresh


def test_the_migrations_create_subscribers_and_deliveries_as_declared(settings):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from digest.store.db import engine_for
    from digest.store.schema import metadata

    with engine_for(settings.database_url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diffs if "subscribers" in repr(d) or "deliveries" in repr(d)] == []
