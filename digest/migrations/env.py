"""Alembic environment: runs on the connection handed over by ``digest.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from digest.store.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    with create_engine(config.get_main_option("sqlalchemy.url") or "").begin() as conn:
        _run_on(conn)


def _run_on(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
