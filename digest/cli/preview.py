"""``digest preview``: the next edition of a list, in files, with why each story is there."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from digest.cli import context
from digest.editorial import describe
from digest.errors import DeliveryError
from digest.models import Story
from digest.pipeline.planning import UnknownList
from digest.pipeline.preview import Preview, preview_edition, send_test, write_preview

__all__ = ["preview"]


def preview(
    list_name: str = typer.Argument(..., metavar="LIST", help="The list to preview."),
    explain: bool = typer.Option(
        False, "--explain", help="Show each story's score, and why others were left out."
    ),
    out: Path | None = typer.Option(None, "--out", help="Folder for the files [default: var/preview/LIST]."),
    open_browser: bool = typer.Option(False, "--open", help="Open the email in a browser."),
    topics: str = typer.Option("", help="A reader's topics separated by ';' (default: none, everything)."),
    left_out: int = typer.Option(5, "--left-out", help="With --explain: how many left-out stories to show."),
    new_reader: bool = typer.Option(
        False,
        "--new-reader",
        help="For a reader who had nothing yet (default: one who had the latest edition).",
    ),
    send_to: list[str] = typer.Option(
        [], "--send-to", help="Also email it as a test send ([TEST] subject) to this address; repeatable."
    ),
) -> None:
    """Build the next edition of LIST as the scheduler would, without storing or sending it,
    and write its email HTML, text and Telegram messages to files."""
    settings = context.settings()
    chosen = tuple(t.strip() for t in topics.split(";") if t.strip())
    try:
        found = preview_edition(list_name, settings, topics=chosen, new_reader=new_reader)
    except UnknownList as exc:
        raise context.fail(str(exc)) from None
    folder = out or Path(settings.outbox_dir).parent / "preview" / list_name
    paths = write_preview(found, folder, settings)
    _report(found, paths)
    if explain:
        _explain(found, left_out)
    if send_to:
        try:
            send_test(found, settings, send_to)
        except (DeliveryError, ValueError) as exc:
            raise context.fail(f"test send failed: {exc}") from None
        context.console.print(f"test email sent to {', '.join(send_to)}")
    if open_browser:
        webbrowser.open(paths[0].resolve().as_uri())


def _report(found: Preview, paths: list[Path]) -> None:
    stories = found.composition.content.stories
    after = f"after edition {found.after_edition}" if found.after_edition else "for a new reader"
    context.console.print(
        f"{found.list_name}: {len(stories)} stories in {len(found.composition.content.sections)} sections "
        f"({after}{'; topics ' + ', '.join(found.topics) if found.topics else ''})"
    )
    if not stories:
        context.console.print("[yellow]nothing new: the scheduler would send this reader nothing[/yellow]")
    context.console.print(f"subject: {escape(found.rendered.subject)}")
    context.console.print(
        f"email html: {found.html_bytes} bytes ({found.html_bytes / 1024:.1f} KB after inlining); "
        f"text: {found.text_bytes} bytes"
    )
    units = ", ".join(str(n) for n in found.telegram_units) or "none"
    context.console.print(f"telegram: {len(found.telegram_units)} messages, UTF-16 units: {units}")
    for path in paths:
        context.console.print(f"  {escape(str(path))}")


def _explain(found: Preview, left_out: int) -> None:
    table = Table(
        "#",
        "headline",
        "source",
        "section",
        "recency",
        "source weight",
        "coverage",
        "section priority",
        "editor action",
        "diversity",
        "engagement",
        "total",
        "left out because",
        title="Why each story is where it is",
        show_lines=False,
    )
    for rank, story in enumerate(found.composition.content.stories, start=1):
        table.add_row(str(rank), *_cells(story), "")
    for story, reason in found.composition.left_out[:left_out]:
        table.add_row("-", *_cells(story), escape(reason))
    # On a terminal, its width; piped to a file or a pager, the whole table unwrapped.
    wide = Console(file=context.console.file, width=240)
    console = context.console if context.console.is_terminal else wide
    console.print(table)


def _cells(story: Story) -> list[str]:
    parts = story.score_parts
    action = describe(pinned=bool(parts.get("pinned")), factor=parts.get("editor", 1.0)) or "-"
    return [
        escape(story.lead.title[:80]) + (" (updated)" if story.updated else ""),
        escape(story.lead.source),
        escape(story.lead.section),
        f"{parts.get('recency', 0):.3f} ({parts.get('age_hours', 0):g}h)",
        f"{parts.get('source_weight', 1):g}",
        f"{parts.get('coverage', 1):.2f} ({len(story.sources)})",
        f"{parts.get('section_priority', 1):g}",
        action,
        f"{parts.get('diversity', 1):.2f}",
        f"{parts.get('engagement', 1):.2f}",
        f"{story.score:.3f}",
    ]
