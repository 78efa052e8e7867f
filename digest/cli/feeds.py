"""``digest feeds``: register, list, remove and import feeds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from digest.cli import context
from digest.errors import ImportError_
from digest.opml import parse_opml
from digest.pipeline import feeds

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
    name: str | None = typer.Option(None, help="Source name shown to readers (new: the URL)."),
    section: str | None = typer.Option(None, help="Section its items go to (new: news)."),
    weight: float | None = typer.Option(None, help="Source weight in ranking, above 0 (new: 1 = normal)."),
) -> None:
    """Register a feed, or change the one with this URL: only the options given change."""
    try:
        feed, new, changed = feeds.register_feed(
            context.settings(), _check_url(url), name=name, section=section, weight=weight
        )
    except feeds.InvalidFeed as exc:
        raise context.fail(f"--{exc.field} {exc.problem}") from None
    what = "added" if new else ("updated " + ", ".join(changed) + " of" if changed else "unchanged:")
    context.console.print(escape(f"{what} feed {feed.id}: {feed.url}"))


@feeds_app.command("list")
def list_feeds() -> None:
    """List the feeds with their health."""
    table = Table("id", "name", "section", "weight", "last fetch", "errors", "url")
    for feed in feeds.registered_feeds(context.settings()):
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
    if not feeds.unregister_feed(context.settings(), feed):
        raise context.fail(f"no feed {feed}")
    context.console.print(f"removed feed {feed}")


@feeds_app.command("import")
def import_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An OPML file.")) -> None:
    """Register the new feeds of an OPML file; the ones already registered stay as they are."""
    import_opml(file)


def import_opml(file: Path, *, bundled_sample: bool = False) -> None:
    """Register the OPML's feeds: http(s) only, but the bundled sample's own local files."""
    try:
        specs = parse_opml(file.read_bytes(), str(file), local_dir=file.parent if bundled_sample else None)
    except ImportError_ as exc:
        raise context.fail(str(exc)) from None
    try:
        report = feeds.import_feeds(context.settings(), specs)
    except feeds.InvalidFeed as exc:
        raise context.fail(f"{file}: {exc}; nothing was imported") from None
    context.console.print(escape(report.summary(str(file))))
