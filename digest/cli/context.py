"""What every command needs: settings loaded (bad ones named), schema migrated, Celery ready."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Connection

from digest import config
from digest.errors import ConfigError
from digest.store.db import migrate, transaction

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings() -> config.Settings:
    """Load the settings once; a bad value stops here with the variable's name."""
    try:
        loaded = config.get()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    _setup(loaded)
    return loaded


_ready = False


def _setup(loaded: config.Settings) -> None:
    global _ready
    if _ready:
        return
    logging.basicConfig(
        level=loaded.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("celery", "kombu", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(loaded.log_level)))
    migrate(loaded.database_url)
    from digest.celery_app import create_app

    create_app(loaded).set_default()
    _ready = True


@contextmanager
def db() -> Iterator[Connection]:
    with transaction(settings().database_url) as conn:
        yield conn


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
