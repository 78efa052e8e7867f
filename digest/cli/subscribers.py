"""``digest subscribers`` and ``digest lists``."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from digest import csvio
from digest.cli import context
from digest.models import SubscriberChange
from digest.pipeline import roster

subscribers_app = typer.Typer(help="Manage subscribers.", no_args_is_help=True)
lists_app = typer.Typer(help="Manage lists.", no_args_is_help=True)


@subscribers_app.command("add")
def add(
    email: str = typer.Option("", help="Email address."),
    telegram_chat_id: str = typer.Option("", "--telegram", help="Telegram chat id or @channel."),
    name: str = typer.Option("", help="Name used in the greeting."),
    timezone: str = typer.Option("", help="IANA time zone, e.g. Europe/Kyiv (new: UTC)."),
    send_hour: int | None = typer.Option(None, help="Local hour of the daily send, 0-23 (new: 7)."),
    topics: str = typer.Option("", help="Topics separated by ';' (new: everything)."),
    lists: str = typer.Option("", help="Lists to join, separated by ';' (new: daily)."),
    frequency: str = typer.Option("", help="daily, or weekly:<weekday> (new: daily)."),
) -> None:
    """Add a subscriber, or update the one with this email or chat id: only the options given
    change (validated like a CSV row)."""
    values = [
        email,
        telegram_chat_id,
        name,
        timezone,
        "" if send_hour is None else str(send_hour),
        topics,
        lists,
        frequency,
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([csvio.COLUMNS, values])
    _save(_read(out.getvalue().encode(), "arguments"))


@subscribers_app.command("import")
def import_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A CSV file.")) -> None:
    """Import subscribers from CSV: all rows or, if any row is bad, none. Known subscribers
    change only in the cells given (an empty cell keeps their value); the lists the file
    names are created (by the list-name rule)."""
    import_csv(file)


def import_csv(file: Path) -> None:
    _save(_read(file.read_bytes(), str(file)), source=str(file))


def _read(data: bytes, source: str) -> list[SubscriberChange]:
    try:
        return csvio.read_changes(data, source)
    except csvio.ImportProblems as exc:
        for problem in exc.problems:
            context.err.print(f"[red]{escape(str(problem))}[/red]")
        raise context.fail(f"{source}: {len(exc.problems)} bad line(s); nothing was imported") from None


def _save(changes: list[SubscriberChange], source: str = "") -> None:
    signed_up = "CSV import" if source else "CLI"  # a file, or the command's arguments
    try:  # one transaction: all rows or none
        report = roster.save_subscribers(context.settings(), changes, create_lists=True, signed_up=signed_up)
    except roster.InvalidListName as exc:
        raise context.fail(f"{source or 'arguments'}: {exc}; nothing was imported") from None
    context.console.print(escape(f"{source + ': ' if source else ''}{report.summary()}"))


@subscribers_app.command("export")
def export(file: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")) -> None:
    """Export every subscriber as CSV (the import format, plus status)."""
    text = roster.export_csv(context.settings())
    if file is None:
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        context.console.print(f"wrote {file}")


@subscribers_app.command("remove")
def remove(address: str = typer.Argument(..., help="Email address or Telegram chat id.")) -> None:
    """Delete a subscriber and their memberships."""
    if not roster.remove_address(context.settings(), address):
        raise context.fail(f"no subscriber {address}")
    context.console.print(f"removed {address}")


@subscribers_app.command("forget")
def forget(address: str = typer.Argument(..., help="Email address or Telegram chat id.")) -> None:
    """Erase a reader: the subscriber and everything tying events and clicks to them; past
    editions keep only anonymous counts."""
    from digest.pipeline import privacy

    try:
        done = privacy.forget(context.settings(), address)
    except privacy.UnknownAddress as exc:
        raise context.fail(str(exc)) from None
    context.console.print(
        f"forgot {address}: {done.events} events, {done.clicks} clicks and {done.deliveries} deliveries "
        "now count for nobody"
    )
    if done.still_suppressed:
        context.console.print("the address stays on the suppression list (it bounced or complained)")


@subscribers_app.command("list")
def list_subscribers() -> None:
    """List subscribers."""
    subs = roster.everyone(context.settings())
    table = Table("id", "email", "telegram", "name", "zone", "hour", "topics", "lists", "status")
    shown = ("id", "email", "telegram_chat_id", "name", "timezone", "send_hour", "topics", "lists", "status")
    for sub in subs:
        text = sub.fields(separator=";")
        table.add_row(*(text[key] for key in shown))
    context.console.print(table)


@lists_app.command("list")
def list_lists() -> None:
    """Lists with their active members."""
    rows = roster.all_lists(context.settings())
    table = Table("id", "name", "title", "active members")
    for list_pk, name, title, members in rows:
        table.add_row(str(list_pk), name, title, str(members))
    context.console.print(table)


@lists_app.command("add")
def add_list(
    name: str,
    title: str = typer.Option("", help="Title shown to readers."),
    breaking: bool = typer.Option(False, help="A breaking-news list: no scheduled digest."),
    telegram_channel: str = typer.Option(
        "", help="A Telegram channel or group (@name or -100… id) that gets one post per edition."
    ),
    timezone: str = typer.Option("UTC", help="Time zone of the channel's post (with --send-hour)."),
    send_hour: int = typer.Option(7, help="Local hour of the channel's daily post."),
) -> None:
    """Create a list (the list named `breaking` is a breaking-news list by default), optionally
    with a Telegram channel that gets every edition as one post, once Telegram says the bot may
    post there."""
    kind = roster.BREAKING if breaking else ""
    if telegram_channel:
        _add_list_with_channel(name, title, kind, telegram_channel, timezone, send_hour)
        return
    try:
        name = roster.create_list(context.settings(), name, title, kind)
    except roster.InvalidListName as exc:
        raise context.fail(str(exc)) from None
    context.console.print(f"list {name} ready")


def _add_list_with_channel(
    name: str, title: str, kind: str, chat: str, timezone: str, send_hour: int
) -> None:
    # The channel is a subscriber of the list: the ledger then covers it like anyone else
    # (one post per edition, never twice), and /stop or a ban unsubscribes it the same way.
    from digest.pipeline import list_channels

    when = list_channels.ChannelSchedule(timezone, send_hour)
    new_list = list_channels.NewList(name, title, kind)
    try:
        name, rights = list_channels.create_list_with_channel(context.settings(), new_list, chat, when)
    except roster.InvalidListName as exc:
        raise context.fail(str(exc)) from None
    except list_channels.InvalidFeed as exc:
        option = "--" + exc.field.replace(" ", "-").lower()  # "Telegram channel", "send hour"
        raise context.fail(f"{option}: {exc.problem}; nothing was saved") from None
    except list_channels.ChannelCheckFailed as exc:
        raise context.fail(f"not attached: {exc.reason}; nothing was saved") from None
    context.console.print(escape(f"list {name} ready, posting to {rights.chat_id} ({rights.title})"))


@lists_app.command("archive")
def archive_list(
    name: str = typer.Argument(..., help="The list."),
    public: bool = typer.Option(..., "--public/--private", help="Open or close the list's public archive."),
) -> None:
    """Open or close a list's public archive (/archive/NAME and its Atom and JSON feeds)."""
    from digest.pipeline import archive

    try:
        archive.set_public(context.settings(), name, public)
    except archive.NoArchive:
        raise context.fail(f"no list named {name!r} (see `digest lists list`)") from None
    state = "public" if public else "private"
    context.console.print(f"list {name}: archive {state}")


@lists_app.command("describe")
def describe_list(
    name: str = typer.Argument(..., help="The list."),
    description: str = typer.Argument(..., help="One or two sentences for the sign-up page ('' removes it)."),
) -> None:
    """Say what a list brings, for readers choosing lists on the sign-up page."""
    from digest.pipeline import archive

    try:
        archive.describe(context.settings(), name, description)
    except archive.NoArchive:
        raise context.fail(f"no list named {name!r} (see `digest lists list`)") from None
    except ValueError as exc:
        raise context.fail(f"description: {exc}") from None
    context.console.print(f"list {name}: description saved")


@lists_app.command("language")
def list_language(
    name: str = typer.Argument(..., help="The list."),
    language: str = typer.Argument(..., help="en or uk: what its editions and reader pages speak."),
) -> None:
    """Set the language of a list's editions (words and dates) and of the reader pages its links open."""
    from digest.pipeline import languages

    try:
        languages.set_language(context.settings(), name, language)
    except languages.UnsupportedLanguage as exc:
        raise context.fail(str(exc)) from None
    except languages.UnknownList:
        raise context.fail(f"no list named {name!r} (see `digest lists list`)") from None
    context.console.print(f"list {name}: language {language}")
