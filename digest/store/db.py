"""Engine, connections and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# The database could not be reached or answered (down, failing over, a network cut, SQLite
# locked for too long): worth trying again later, unlike a programming or integrity error.
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL per process (Celery forks workers after import: see worker.py)."""
    if url not in _engines:
        _engines[url] = _create(url)
    return _engines[url]


def _create(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
    # WAL lets readers go on while a worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """A connection in a transaction: committed on success, rolled back on error."""
    with engine_for(url).begin() as conn:
        yield conn


def migrate(url: str) -> None:
    """Bring the schema to the newest migration (safe to run at every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with engine_for(url).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild SQLite tables (copy, drop, rename): with foreign keys on,
            # the drop would cascade-delete every row that refers to the table. The pragma only
            # takes effect outside a transaction, hence before begin().
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def dispose_all() -> None:
    """Forget pooled connections (after fork, so children never share a parent's sockets)."""
    for engine in _engines.values():
        engine.dispose(close=False)
