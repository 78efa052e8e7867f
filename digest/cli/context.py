"""What every command needs: settings loaded (bad ones named), schema migrated, Celery ready."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from digest import config, logs
from digest.errors import ConfigError
from digest.pipeline import database

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
    text = "%(levelname)s %(name)s: %(message)s"
    logs.setup(loaded.log_level, loaded.log_format, stream=sys.stderr, text_format=text)
    try:
        database.prepare(loaded.database_url)
    except database.DATABASE_DOWN as exc:  # a sentence, not a traceback; the URL's password is not in it
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        err.print(f"[red]database unreachable:[/red] {escape(reason)}")
        raise typer.Exit(2) from None
    from digest.celery_app import create_app

    create_app(loaded).set_default()
    _ready = True


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)
