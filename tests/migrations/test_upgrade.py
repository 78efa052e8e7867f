"""Upgrading keeps every row: a database made at the first migration, with rows in every one of
its tables, is upgraded to head (whatever revisions the chain holds by then) on SQLite and on
PostgreSQL, and each row is still there with the values it had."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Connection, DateTime, Float, Integer, MetaData, Table, create_engine
from sqlalchemy import text as sql
from sqlalchemy.types import String, TypeEngine

from digest.config import parsers
from digest.store.db import MIGRATIONS
from tests.conftest import _postgres_schema_url

ROWS_PER_TABLE = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    base = os.environ.get("DIGEST_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = create_engine(parsers.database_url(base))
    schema = f"digest_upgrade_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(sql(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no PostgreSQL here: the SQLite run still checks the chain
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {base.rpartition('@')[2]}: {type(exc).__name__}")
    try:
        yield _postgres_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sql(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_every_row_written_at_the_first_migration_survives_the_upgrade_to_head(empty_database):
    engine = create_engine(empty_database)
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    (first,) = ScriptDirectory.from_config(alembic).get_bases()
    try:
        with engine.begin() as conn:
            _upgrade(alembic, conn, first)
            tables = _reflect(conn)
            written = {
                name: _fill(conn, table, written_so_far)
                for name, table, written_so_far in _in_dependency_order(tables)
            }
        assert set(written) == set(tables) - {"alembic_version"} and all(written.values())
        with engine.begin() as conn:
            _upgrade(alembic, conn, "head")
        with engine.connect() as conn:
            after = _reflect(conn)
            for name, rows in written.items():
                assert name in after, f"table {name} is gone after the upgrade"
                _assert_kept(conn, after[name], rows)
    finally:
        engine.dispose()


def _upgrade(alembic: Config, conn: Connection, revision: str) -> None:
    alembic.attributes["connection"] = conn
    command.upgrade(alembic, revision)


def _reflect(conn: Connection) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(conn)
    return dict(metadata.tables)


_Written = dict[str, list[dict[str, Any]]]


def _in_dependency_order(tables: dict[str, Table]) -> Iterator[tuple[str, Table, _Written]]:
    """Parents before the tables that refer to them, with the rows written so far."""
    written: _Written = {}
    ordered = MetaData()
    for table in tables.values():
        table.to_metadata(ordered)
    for table in ordered.sorted_tables:
        if table.name == "alembic_version":
            continue
        yield table.name, table, written


def _fill(conn: Connection, table: Table, written: _Written) -> list[dict[str, Any]]:
    rows = [_row(table, n, written) for n in range(1, ROWS_PER_TABLE + 1)]
    conn.execute(table.insert(), rows)
    written[table.name] = rows
    return rows


def _row(table: Table, n: int, written: _Written) -> dict[str, Any]:
    """Row ``n`` of a table: distinct values per row (unique constraints), parents' keys for
    foreign keys, a value of each column's own type."""
    row: dict[str, Any] = {}
    for column in table.columns:
        foreign = next(iter(column.foreign_keys), None)
        if foreign is not None:
            parent = foreign.column
            row[column.name] = written[parent.table.name][n - 1][parent.name]
        else:
            row[column.name] = _value(column.type, f"{table.name}.{column.name}", n)
    return row


def _value(kind: TypeEngine[Any], label: str, n: int) -> Any:
    if isinstance(kind, Boolean):
        return n % 2 == 0
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, Float):
        return n + 0.25
    if isinstance(kind, DateTime):
        return datetime(2026, 3, 1, 7, 30, tzinfo=UTC) + timedelta(days=n)
    if isinstance(kind, JSON):
        return {"row": n, "of": label, "list": [n, "two"]}
    if isinstance(kind, String):  # Text is a String
        value = f"{label}#{n}"
        return value[-kind.length :] if kind.length else value
    raise AssertionError(f"{label}: no test value for a column of type {kind!r}")


def _assert_kept(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    key = [c.name for c in table.primary_key.columns] or list(rows[0])
    stored = {tuple(r[k] for k in key): dict(r) for r in conn.execute(table.select()).mappings()}
    for row in rows:
        found = stored.get(tuple(row[k] for k in key))
        assert found is not None, f"{table.name}: row {row} is gone after the upgrade"
        for name, value in row.items():
            if name in found:  # a column a later revision dropped on purpose is not compared
                assert _same(found[name], value), f"{table.name}.{name}: {value!r} became {found[name]!r}"


def _same(stored: Any, written: Any) -> bool:
    if isinstance(written, datetime) and isinstance(stored, datetime):
        # SQLite gives naive datetimes back: compare them as UTC.
        return stored.replace(tzinfo=stored.tzinfo or UTC) == written
    return bool(stored == written)
