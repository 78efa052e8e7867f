"""Top-level commands: run, collect, send, status, retry, demo, config, migrate."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape

from digest import pipeline
from digest.cli import context, progress
from digest.cli.accounts import accounts_app
from digest.cli.bench import bench
from digest.cli.bot import bot
from digest.cli.breaking import breaking
from digest.cli.editor import configure_list, editor_app
from digest.cli.feeds import feeds_app
from digest.cli.preview import preview
from digest.cli.stories import stories
from digest.cli.subscribers import lists_app, subscribers_app
from digest.cli.web import web
from digest.config import Settings
from digest.pipeline import desk, feeds, retrying
from digest.pipeline.planning import BreakingOnlyList, UnknownList, open_batches, plan_every_list

app = typer.Typer(help="digest: newsletter and notification digests for newsrooms.", no_args_is_help=True)

# `digest collect` exits with this when feeds failed (they are retried with backoff), so cron
# and monitoring notice; 1 is a bad command or input, 2 bad settings or no database.
FEEDS_FAILED = 3


@app.command()
def collect(all_feeds: bool = typer.Option(False, "--all", help="Fetch every feed, due or not.")) -> None:
    """Fetch every feed that is due now (one task per feed). Exits 3 when feeds failed."""
    if _collect(all_feeds):
        raise typer.Exit(FEEDS_FAILED)


def _collect(all_feeds: bool) -> int:
    """Collect and report; how many feeds failed."""
    settings = context.settings()
    from digest.tasks import refresh_feed

    started = datetime.now(UTC)
    ids = [f.id for f in feeds.registered_feeds(settings)] if all_feeds else pipeline.due_feed_ids(settings)
    if not ids:
        context.console.print("no feed is due")
        return 0
    with _quiet(logging.getLogger("digest.pipeline.collecting")):  # reported once, below
        done = lambda: _fetched_since(started)  # noqa: E731
        progress.run_each("collecting", ids, refresh_feed.delay, settings, done=done)
    return _report_feeds(ids)


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only errors from ``logger`` meanwhile: in-process tasks would log each failure too."""
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _fetched_since(started: datetime) -> int:
    every = feeds.registered_feeds(context.settings())
    return sum(1 for f in every if f.last_fetched_at and f.last_fetched_at >= started)


def _report_feeds(ids: list[int]) -> int:
    """Print each failed feed once; how many failed."""
    failing = [f for f in feeds.registered_feeds(context.settings()) if f.id in ids and f.last_error]
    for feed in failing:
        context.err.print(f"[yellow]feed failed:[/yellow] {escape(feed.last_error or '')}")
    if failing:
        context.err.print(f"{len(failing)} of {len(ids)} feeds failed; they will be retried with backoff")
    return len(failing)


@app.command()
def send(
    list_name: str = typer.Argument(..., metavar="LIST", help="The list to send to."),
    follow: bool = typer.Option(True, help="Follow delivery progress until done."),
) -> None:
    """Build an edition of LIST now and send it to all its subscribers, whatever their send hours."""
    settings = context.settings()
    try:
        plan = pipeline.plan_send(list_name, settings, manual=True)
    except (UnknownList, BreakingOnlyList) as exc:
        raise context.fail(str(exc)) from None
    _deliver(plan, settings, follow)


def _deliver(plan: pipeline.SendPlan, settings: object, follow: bool) -> dict[str, int]:
    from digest.config import Settings

    assert isinstance(settings, Settings)
    if plan.edition_id is None:
        context.console.print(f"{plan.list_name}: nothing to send (nobody due, or nothing new)")
        return {}
    found = progress.send(plan, settings, follow=follow)
    context.console.print(
        f"{plan.list_name}: edition {plan.edition_id}, {plan.deliveries} deliveries queued "
        f"({plan.skipped} due with nothing new) — {_summary(found)}"
    )
    return found


def _summary(found: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in found.items() if n) or "nothing recorded yet"


@app.command()
def run(
    once: bool = typer.Option(False, "--once", help="Run one whole cycle and exit."),
    interval: int = typer.Option(600, help="Seconds between cycles without --once."),
) -> None:
    """Collect every due feed, then deliver today's edition of every list to everyone who has not had it.

    With --once, send hours are ignored (a whole day's cycle, now); without it, the loop
    honours each subscriber's local send hour, as the beat schedule does."""
    while True:
        _cycle(ignore_hour=once)
        if once:
            return
        time.sleep(interval)


def _cycle(*, ignore_hour: bool) -> None:
    settings = context.settings()
    _collect(all_feeds=False)  # a failed feed is retried later; the cycle goes on
    for plan in plan_every_list(settings, ignore_hour=ignore_hour):
        _deliver(plan, settings, follow=True)


@app.command()
def status(edition: int = typer.Argument(..., help="Edition id.")) -> None:
    """Show an edition's deliveries by state, how many the suppression list held back, the
    failed ones with their reasons, and alerts."""
    settings = context.settings()
    info = desk.edition_info(settings, edition)
    if info is None:
        raise context.fail(f"no edition {edition}")
    found = desk.delivery_counts(settings, edition)
    context.console.print(f"edition {edition} of list {info[1]} ({info[2]}): {info[3]}")
    for state, n in found.items():
        context.console.print(f"  {state:<9} {n}")
    # Not a ledger state: the suppression list held these back before any row was written.
    context.console.print(f"  {'suppressed':<9} {desk.suppressed_count(settings, edition)}")
    _print_failures(settings, edition)
    _print_alerts(settings)


def _print_failures(settings: Settings, edition: int) -> None:
    total, shown = retrying.failures(settings, edition)
    if not total:
        return
    context.console.print(
        f"failed deliveries ({total}; `digest retry {edition}` sends them again):", markup=False
    )
    for channel, address, reason in shown:
        context.console.print(f"  {channel:<8} {address}: {reason}", markup=False, highlight=False)
    if total > len(shown):
        context.console.print(f"  … and {total - len(shown)} more")


def _print_alerts(settings: Settings) -> None:
    alerts = retrying.alerts(settings)
    for trip in alerts.breakers:
        context.console.print(
            f"ALERT: {trip.channel} circuit breaker open since {trip.at} (edition {trip.edition_id}): "
            f"{trip.reason} — fix the setting, then `digest retry EDITION`",
            markup=False,
            highlight=False,
            style="bold red",
        )
    for chat in alerts.failing_chats:
        context.console.print(
            f"ALERT: Telegram chat {chat.chat_id} refuses the bot since {chat.since:%Y-%m-%d %H:%M}: "
            f"{chat.reason} — give the bot its rights back there",
            markup=False,
            highlight=False,
            style="bold red",
        )


@app.command()
def retry(edition: int = typer.Argument(..., help="Edition id.")) -> None:
    """Re-send the failed deliveries of an edition on purpose (given up, held by the circuit
    breaker, or refused): the breaker is reset and the retry policy counts afresh."""
    settings = context.settings()
    info = desk.edition_info(settings, edition)
    if info is None:
        raise context.fail(f"no edition {edition}")
    reopened, trips = retrying.reopen(settings, edition, datetime.now(UTC))
    for trip in trips:
        context.console.print(f"{trip.channel}: circuit breaker reset ({trip.reason})", markup=False)
    plan = pipeline.SendPlan(info[1], edition, open_batches(settings, edition))
    context.console.print(f"edition {edition}: {reopened} failed deliveries queued again")
    _deliver(plan, settings, follow=True)


@app.command()
def demo() -> None:
    """Load the bundled sample feeds and subscribers, run one cycle, and show where to look."""
    from digest import sample
    from digest.cli.feeds import import_opml
    from digest.cli.subscribers import import_csv

    settings = context.settings()
    # The sample feeds are copied with their dates moved to today, so the demo has fresh news.
    sample_opml = sample.materialize(Path(settings.outbox_dir).parent / "sample", datetime.now(UTC))
    import_opml(sample_opml, bundled_sample=True)
    import_csv(sample.SUBSCRIBERS)
    run(once=True, interval=0)
    outbox = Path(settings.outbox_dir).resolve()
    context.console.print(
        f"\n[bold]Done.[/bold] Emails: {outbox / 'email'}   Telegram: {outbox / 'telegram'}"
    )
    context.console.print(f"Web views: {outbox.parent / 'editions'}   Database: {settings.database_url}")


@app.command(name="config")
def show_config() -> None:
    """Print the settings in force (secrets masked)."""
    for name, value in context.settings().redacted().items():
        context.console.print(f"{name}={'' if value is None else value}")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (every command also does this first)."""
    context.settings()
    context.console.print("database is up to date")


# The commands of their own modules, in the order `digest --help` lists them after the above.
app.command()(preview)
app.command()(breaking)
app.command()(stories)
app.command()(web)
app.command()(bot)
app.command()(bench)
app.add_typer(feeds_app, name="feeds")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(lists_app, name="lists")
app.add_typer(editor_app, name="editor")
app.add_typer(accounts_app, name="accounts")
lists_app.command("configure")(configure_list)
