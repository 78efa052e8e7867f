"""Small helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, any_, literal
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping those that break a unique constraint; return how many went in."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # executemany's rowcount is -1 on psycopg; RETURNING counts the rows that went in everywhere.
    key = next(iter(table.primary_key.columns))
    statement = dialect.insert(table).on_conflict_do_nothing().returning(key)
    return len(conn.execute(statement, list(rows)).all())


def insert_many_ignoring_conflicts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """``insert_ignoring_conflicts`` for thousands of rows with the same keys, in one round trip.

    PostgreSQL gets one ``INSERT … SELECT FROM unnest(<one array per column>)``; SQLite runs
    ``INSERT OR IGNORE`` through sqlite3's executemany. Neither needs RETURNING: the statement's
    row count is the number of rows that went in.
    """
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        return int(conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows)).rowcount)
    if conn.dialect.name != "postgresql":
        return insert_ignoring_conflicts(conn, table, rows)
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    arrays = []
    for column in columns:
        process = column.type.bind_processor(conn.dialect)
        values = [row[column.name] for row in rows]
        arrays.append([process(v) for v in values] if process else values)
    quote = conn.dialect.identifier_preparer
    casts = ", ".join(f"%s::{column.type.compile(dialect=conn.dialect)}[]" for column in columns)
    sql = (
        f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) "
        f"SELECT * FROM unnest({casts}) ON CONFLICT DO NOTHING"
    )
    return int(conn.exec_driver_sql(sql, tuple(arrays)).rowcount)


def among(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter however many
    values (an IN list of thousands costs more to send and plan than the query takes to run)."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(values), postgresql.ARRAY(column.type)))
    return column.in_(values)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
