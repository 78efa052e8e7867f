"""``digest editor``: pin, boost, bury or exclude items; ``digest lists configure``: sections.

Every change is stored with who made it and written to the audit log.
"""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime, timedelta

import typer
from rich.markup import escape
from rich.table import Table

from digest.cli import context
from digest.editorial import DEFAULT_FACTOR, Action, EditorAction, describe, format_layout, parse_layout
from digest.pipeline import editor_actions, roster

__all__ = ["configure_list", "editor_app"]

editor_app = typer.Typer(help="Pin, boost, bury or exclude items in the next editions.", no_args_is_help=True)

ITEM_HELP = "The item's id (see `digest preview --explain`) or URL."
LIST_HELP = "Only for this list (default: every list)."
UNTIL_HELP = "When the action ends: ISO date/time (UTC unless it has a zone) or a duration like 12h or 3d."
BY_HELP = "Who is acting (default: the login name)."
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([hd])")


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, e.g. in a container without a passwd entry
        return "unknown"


def _until(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    if match := _DURATION.fullmatch(value.strip()):
        hours = float(match.group(1)) * (24 if match.group(2) == "d" else 1)
        return now + timedelta(hours=hours)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise context.fail(f"--until {value!r}: expected an ISO date/time or a duration like 12h") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _act(
    action: Action, ref: str, factor: float, list_name: str | None, until: str | None, by: str | None
) -> None:
    if factor <= 1 and action in (Action.BOOST, Action.BURY):
        raise context.fail(
            f"--factor must be above 1 (a {action} by {factor:g} would do nothing or the opposite)"
        )
    now = datetime.now(UTC)
    expires = _until(until, now)
    if expires is not None and expires <= now:
        raise context.fail(f"--until {until}: that is already past")

    def decide(key: str) -> EditorAction:
        return EditorAction(key, action, factor, list_name, now, expires, _who(by))

    try:
        done = editor_actions.act(context.settings(), ref, decide, now)
    except LookupError as exc:
        raise context.fail(str(exc)) from None
    if done is None:
        raise context.fail(f"no item with id, URL or key {ref!r} (see `digest preview --explain`)")
    decided, title = done
    scope = f"list {list_name}" if list_name else "every list"
    ends = f" until {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
    label = describe(
        excluded=action is Action.EXCLUDE, pinned=action is Action.PIN, factor=decided.multiplier
    )
    context.console.print(f"{label}: {escape(title)} ({scope}{ends})")


@editor_app.command("pin")
def pin(
    item: str = typer.Argument(..., help=ITEM_HELP),
    list_name: str | None = typer.Option(None, "--list", help=LIST_HELP),
    until: str | None = typer.Option(None, help=UNTIL_HELP),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Put the item's story at the top of the next editions (readers who had it do not get it again)."""
    _act(Action.PIN, item, 1.0, list_name, until, by)


@editor_app.command("boost")
def boost(
    item: str = typer.Argument(..., help=ITEM_HELP),
    factor: float = typer.Option(DEFAULT_FACTOR, help="Multiply the story's score by this."),
    list_name: str | None = typer.Option(None, "--list", help=LIST_HELP),
    until: str | None = typer.Option(None, help=UNTIL_HELP),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Raise the item's story: its score is multiplied by --factor."""
    _act(Action.BOOST, item, factor, list_name, until, by)


@editor_app.command("bury")
def bury(
    item: str = typer.Argument(..., help=ITEM_HELP),
    factor: float = typer.Option(DEFAULT_FACTOR, help="Divide the story's score by this."),
    list_name: str | None = typer.Option(None, "--list", help=LIST_HELP),
    until: str | None = typer.Option(None, help=UNTIL_HELP),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Lower the item's story: its score is divided by --factor."""
    _act(Action.BURY, item, factor, list_name, until, by)


@editor_app.command("exclude")
def exclude(
    item: str = typer.Argument(..., help=ITEM_HELP),
    list_name: str | None = typer.Option(None, "--list", help=LIST_HELP),
    until: str | None = typer.Option(None, help=UNTIL_HELP),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Never show the item's story (nor its later updates)."""
    _act(Action.EXCLUDE, item, 1.0, list_name, until, by)


@editor_app.command("list")
def list_actions(all_actions: bool = typer.Option(False, "--all", help="Include expired actions.")) -> None:
    """The actions in force (or all of them)."""
    now = datetime.now(UTC)
    found = editor_actions.actions(context.settings(), None if all_actions else now)
    table = Table("item", "action", "list", "until", "by", "since")
    for a in found:
        label = describe(
            excluded=a.action is Action.EXCLUDE, pinned=a.action is Action.PIN, factor=a.multiplier
        )
        table.add_row(
            escape(a.item_key),
            label,
            escape(a.list_name or "every list"),
            f"{a.expires_at:%Y-%m-%d %H:%M}" if a.expires_at else "-",
            escape(a.created_by),
            f"{a.created_at:%Y-%m-%d %H:%M}" if a.created_at else "-",
        )
    context.console.print(table if found else "no editor actions")


@editor_app.command("clear")
def clear(
    item: str = typer.Argument(..., help=ITEM_HELP),
    list_name: str | None = typer.Option(
        None, "--list", help="Only the action for this list (default: all)."
    ),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Remove the item's actions."""
    try:
        removed = editor_actions.clear(context.settings(), item, list_name, _who(by))
    except LookupError as exc:
        raise context.fail(str(exc)) from None
    context.console.print(f"{removed} action{'s' if removed != 1 else ''} removed")


@editor_app.command("log")
def log(limit: int = typer.Option(50, help="How many entries.")) -> None:
    """The audit log, newest first: who changed what, when."""
    entries = editor_actions.audit_entries(context.settings(), limit)
    table = Table("when", "who", "action", "target", "details")
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if v not in (None, [], ""))
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M:%S}", escape(e.actor), e.action, escape(e.target), escape(details)
        )
    context.console.print(table)


def configure_list(
    name: str = typer.Argument(..., help="The list."),
    sections: str | None = typer.Option(
        None, help='Sections in order with their sizes, e.g. "news:5,analysis:3,video:2" (size 0 hides one).'
    ),
    reset: bool = typer.Option(False, "--reset", help="Back to the default sections and sizes."),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Set (or show) the order and size of a list's sections."""
    settings = context.settings()
    if not roster.has_list(settings, name):
        raise context.fail(f"no list named {name!r} (see `digest lists list`)")
    if sections is not None or reset:
        try:
            layout = () if reset else parse_layout(sections or "")
        except ValueError as exc:
            raise context.fail(f"--sections: {exc}") from None
        editor_actions.set_layout(settings, name, layout, _who(by))
    current = editor_actions.layout(settings, name)
    context.console.print(f"{name}: {format_layout(current) or 'default sections and sizes'}")


@editor_app.command("words")
def words_command(
    list_name: str = typer.Argument(..., metavar="LIST", help="The list."),
    note: str | None = typer.Option(None, help="A short note above the stories (empty removes it)."),
    subject: str | None = typer.Option(None, help="The subject instead of the automatic one."),
    preheader: str | None = typer.Option(None, help="The inbox preview line instead of the automatic one."),
    until: str | None = typer.Option(
        None, help="When they stop: " + UNTIL_HELP[len("When the action ends: ") :]
    ),
    clear: bool = typer.Option(False, "--clear", help="Remove the note, subject and preheader."),
    by: str | None = typer.Option(None, help=BY_HELP),
) -> None:
    """Write (or show) the editor's note, subject and preheader of a list's next editions."""
    from digest.pipeline import editors_words
    from digest.pipeline.planning import UnknownList

    settings = context.settings()
    try:
        if clear:
            editors_words.clear_words(settings, list_name, actor=_who(by))
        elif any(value is not None for value in (note, subject, preheader, until)):
            editors_words.set_words(
                settings,
                list_name,
                actor=_who(by),
                note=note,
                subject=subject,
                preheader=preheader,
                until=_until(until, datetime.now(UTC)),
            )
        current = editors_words.words(settings, list_name)
    except UnknownList as exc:
        raise context.fail(str(exc)) from None
    except editors_words.InvalidWords as exc:
        raise context.fail(f"--{exc.field}: {exc.problem}") from None
    if current is None:
        context.console.print(f"{list_name}: no editor's words; editions use the automatic subject")
        return
    words = current.words
    ends = f"{current.until:%Y-%m-%d %H:%M} UTC" if current.until else "until cleared"
    for label, value in (("note", words.note), ("subject", words.subject), ("preheader", words.preheader)):
        context.console.print(
            f"{label}: {escape(value) if value else '(automatic)' if label != 'note' else '(none)'}"
        )
    context.console.print(f"in force until {ends}")
