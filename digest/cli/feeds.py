"""``digest feeds``: register, list, remove and import feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from digest.cli import context
from digest.errors import ImportError_
from digest.models import FeedSpec
from digest.opml import parse_opml
from digest.store import feeds as feed_store

feeds_app = typer.Typer(help="Register the feeds to collect.", no_args_is_help=True)


def _check_url(url: str) -> str:
    if url.startswith(("http://", "https://", "file://")):
        return url
    path = Path(url).expanduser()
    if not path.exists():
        raise context.fail(f"{url}: not an http(s) URL and no such file")
    return str(path.resolve())


@feeds_app.command("add")
def add(
    url: str = typer.Argument(..., help="http(s) URL or local file path of the feed."),
    name: str = typer.Option("", help="Source name shown to readers (default: the URL)."),
    section: str = typer.Option("news", help="Section its items go to."),
    weight: float = typer.Option(1.0, help="Source weight in ranking (1 = normal)."),
) -> None:
    """Register a feed (or update the one with this URL)."""
    spec = FeedSpec(_check_url(url), name, section.lower(), weight)
    with context.db() as conn:
        feed, new = feed_store.add(conn, spec, datetime.now(UTC))
    context.console.print(f"{'added' if new else 'updated'} feed {feed.id}: {feed.url}")


@feeds_app.command("list")
def list_feeds() -> None:
    """List the feeds with their health."""
    with context.db() as conn:
        feeds = feed_store.all_feeds(conn)
    table = Table("id", "name", "section", "weight", "last fetch", "errors", "url")
    for feed in feeds:
        last = feed.last_fetched_at.strftime("%Y-%m-%d %H:%M") if feed.last_fetched_at else "never"
        table.add_row(
            str(feed.id),
            feed.name,
            feed.section,
            f"{feed.weight:g}",
            last,
            f"{feed.error_count}: {feed.last_error}" if feed.last_error else "0",
            feed.url,
        )
    context.console.print(table)


@feeds_app.command("remove")
def remove(feed: str = typer.Argument(..., help="Feed id or URL.")) -> None:
    """Unregister a feed (its items go with it)."""
    with context.db() as conn:
        if not feed_store.remove(conn, feed):
            raise context.fail(f"no feed {feed}")
    context.console.print(f"removed feed {feed}")


@feeds_app.command("import")
def import_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An OPML file.")) -> None:
    """Register every feed of an OPML file (updates the ones already there)."""
    import_opml(file)


def import_opml(file: Path, *, bundled_sample: bool = False) -> None:
    """Register the OPML's feeds: http(s) only, but the bundled sample's own local files."""
    try:
        specs = parse_opml(file.read_bytes(), str(file), local_dir=file.parent if bundled_sample else None)
    except ImportError_ as exc:
        raise context.fail(str(exc)) from None
    now = datetime.now(UTC)
    with context.db() as conn:
        added = sum(feed_store.add(conn, spec, now)[1] for spec in specs)
    context.console.print(f"{file}: {len(specs)} feeds ({added} new)")
