"""Small helpers shared by the store modules."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Connection, Select, Table, any_, literal
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

    PostgreSQL gets a COPY into a staging table and one ``INSERT … SELECT``; SQLite runs
    ``INSERT OR IGNORE`` through sqlite3's executemany. Neither needs RETURNING: the statement's
    row count is the number of rows that went in.
    """
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        return int(conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows)).rowcount)
    if conn.dialect.name != "postgresql":
        return insert_ignoring_conflicts(conn, table, rows)
    return _copy_then_insert(conn, table, rows)


def _copy_then_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """PostgreSQL: COPY the rows into a session-private staging table (COPY is the fastest way
    in, and psycopg writes it in C), then one INSERT … SELECT … ON CONFLICT DO NOTHING."""
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in names]
    quote = conn.dialect.identifier_preparer
    target = quote.format_table(table)
    # One staging table per table and set of columns, kept for the session (temp tables are
    # private to it) and emptied after each use.
    shape = hashlib.sha1(",".join(names).encode()).hexdigest()[:8]
    stage = quote.quote(f"_stage_{table.name}_{shape}")
    columns = ", ".join(quote.quote(name) for name in names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        create = f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {columns} FROM {target} WITH NO DATA"
        cursor.execute(create)
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = (row[name] for name in names)
                copy.write_row([p(v) if p else v for p, v in zip(processors, values, strict=True)])
        insert = f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT DO NOTHING"
        cursor.execute(insert)
        inserted = int(cursor.rowcount)
        cursor.execute(f"TRUNCATE {stage}")
        return inserted
    finally:
        cursor.close()


def among(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter however many
    values (an IN list of thousands costs more to send and plan than the query takes to run)."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(values), postgresql.ARRAY(column.type)))
    return column.in_(values)


Columns = TypeVarTuple("Columns")


def newest_first(
    query: Select[*Columns], key: ColumnElement[int], *, limit: int, before: int | None = None
) -> Select[*Columns]:
    """One page of ``query``, newest first by the id ``key``: at most ``limit`` rows, all
    older than ``before`` when given (the id of the last row of the page before)."""
    query = query.order_by(key.desc()).limit(limit)
    return query if before is None else query.where(key < before)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
