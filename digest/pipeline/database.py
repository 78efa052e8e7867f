"""The database as the entry points see it: bring the schema up to date at start-up, check it
answers, and the errors that mean "down, try again later" (``DATABASE_DOWN``)."""

from __future__ import annotations

from sqlalchemy import text

from digest.store.db import DATABASE_DOWN, migrate, transaction

__all__ = ["DATABASE_DOWN", "ping", "prepare"]


def prepare(url: str) -> None:
    """Bring the schema to the newest migration (safe at every start); raises one of
    ``DATABASE_DOWN`` when the database cannot be reached."""
    migrate(url)


def ping(url: str) -> None:
    """Raise unless the database answers a query (the health check)."""
    with transaction(url) as conn:
        conn.execute(text("SELECT 1"))
