"""Revision 0006_h14c_suppressed makes the ``suppressed_recipients`` table exactly as
``digest/store/tables.py`` declares it, on SQLite and on PostgreSQL, and takes it away again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect

from digest.store.db import MIGRATIONS
from digest.store.tables import metadata
from tests.migrations.test_upgrade import empty_database  # noqa: F401 (the fixture, both dialects)

TABLE = "suppressed_recipients"


def _run(conn: Connection, step: str, revision: str) -> None:
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    alembic.attributes["connection"] = conn
    getattr(command, step)(alembic, revision)


def test_the_migration_makes_the_suppressed_recipients_table_as_declared(empty_database):  # noqa: F811
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _run(conn, "upgrade", "0006_h14c_suppressed")
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            assert [d for d in diffs if TABLE in repr(d)] == []
            assert inspect(conn).get_unique_constraints(TABLE)[0]["column_names"] == [
                "list_id",
                "subscriber_id",
                "channel",
                "period",
            ]
    finally:
        engine.dispose()


def test_the_downgrade_takes_the_table_away(empty_database):  # noqa: F811
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            _run(conn, "upgrade", "0006_h14c_suppressed")
            _run(conn, "downgrade", "0005_h14_feed_success")
        with engine.connect() as conn:
            assert TABLE not in inspect(conn).get_table_names()
            assert "consents" in inspect(conn).get_table_names()  # the revision before is intact
    finally:
        engine.dispose()
