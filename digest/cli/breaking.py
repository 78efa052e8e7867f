"""``digest breaking``: send breaking news to a list now, after showing who will get it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import typer
from rich.markup import escape

from digest.cli import context, progress
from digest.cli.accounts import cli_actor
from digest.config import Settings
from digest.pipeline import breaking as news_desk
from digest.pipeline.planning import SendPlan, UnknownList


def breaking(
    item: int = typer.Option(None, "--item", help="Id of a collected item to send."),
    title: str = typer.Option("", "--title", help="Headline of a story written by hand."),
    url: str = typer.Option("", "--url", help="Link of a story written by hand."),
    summary: str = typer.Option("", "--summary", help="One or two sentences (optional)."),
    list_name: str = typer.Option(..., "--list", help="The list whose audiences get it."),
    audience: str = typer.Option("channel,bot,email", help="Comma-separated: channel, bot, email."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    again: bool = typer.Option(False, "--again", help="Send even though this story already went to LIST."),
) -> None:
    """Send breaking news (an item, or a headline and link) to LIST: Telegram channels first."""
    settings = context.settings()
    audiences = [a.strip() for a in audience.split(",") if a.strip()]
    try:
        news = _news(settings, item, title, url, summary)
        shown = news_desk.preview(settings, news, list_name, audiences)
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        raise context.fail(str(exc)) from None
    _show(shown)
    again = _confirm(shown, yes=yes, again=again)
    bar = progress.bar()
    with bar:
        task = bar.add_task(f"breaking to {list_name}", total=shown.total)
        dispatch = _dispatcher(settings, lambda n: bar.advance(task, n))
        try:
            sent = news_desk.send_breaking(
                settings, news, list_name, dispatch, actor=cli_actor(), audiences=audiences, again=again
            )
        except news_desk.DuplicateBreaking as exc:
            raise context.fail(str(exc)) from None
        bar.update(task, total=sent.total)
        if not progress.eager(settings):
            _follow(settings, sent.edition_id, lambda done: bar.update(task, completed=done), sent.total)
    found = progress.counts(settings, sent.edition_id)
    summary_line = ", ".join(f"{state} {n}" for state, n in found.items() if n) or "nothing to send"
    context.console.print(f"edition {sent.edition_id}: {summary_line}")


def _news(settings: Settings, item: int | None, title: str, url: str, summary: str) -> news_desk.BreakingNews:
    if item is not None and (title or url):
        raise news_desk.InvalidBreaking("give either --item or --title and --url, not both")
    if item is not None:
        return news_desk.news_from_item(settings, item)
    if not (title and url):
        raise news_desk.InvalidBreaking("give --item ID, or --title and --url")
    return news_desk.news_from_text(title, url, summary)


def _show(shown: news_desk.BreakingPreview) -> None:
    out = context.console
    out.print(f"[bold]{escape(shown.rendered.subject)}[/bold]")
    out.print(escape(shown.news.url))
    out.print(f"\nTelegram message:\n{escape(shown.rendered.telegram[0])}\n")
    for audience in shown.audiences:
        out.print(f"  {news_desk.AUDIENCE_TITLES[audience]:<30} {shown.counts[audience]:>9,}")
    out.print(f"  {'total':<30} {shown.total:>9,}")


def _confirm(shown: news_desk.BreakingPreview, *, yes: bool, again: bool) -> bool:
    if shown.earlier and not again:
        last = shown.earlier[-1]
        context.err.print(
            f"[yellow]already sent to {escape(shown.list_name)}[/yellow]: edition {last.edition_id}, "
            f"{last.at:%Y-%m-%d %H:%M} UTC, by {escape(last.by)}"
        )
        if yes:
            raise context.fail("not sent again; add --again to send it anyway")
        typer.confirm("Send it again anyway?", abort=True)
        again = True
    if not yes:
        typer.confirm(f"Send to {shown.total:,} recipients now?", abort=True)
    return again


def _dispatcher(settings: Settings, advance: Callable[[int], object]) -> news_desk.Dispatch:
    """Queue the batches on the breaking queue; in-process they run as we go, advancing the bar."""
    from digest.tasks import dispatch_breaking, send_batch

    def dispatch(plan: SendPlan) -> None:
        if not progress.eager(settings):
            dispatch_breaking(plan)
            return
        for channel, ids in plan.batches:
            send_batch.apply_async((plan.edition_id, channel, ids, uuid.uuid4().hex), queue="breaking")
            advance(len(ids))

    return dispatch


def _follow(settings: Settings, edition_id: int, update: Callable[[int], object], total: int) -> None:
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        found = progress.counts(settings, edition_id)
        done = sum(found[str(state)] for state in progress.DONE)
        update(done)
        if done >= total:
            return
        time.sleep(0.5)
