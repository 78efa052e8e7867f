"""The breaking-news pages: choose a story and audiences, see exactly what goes out, confirm.

Routes (editor role)::

    GET  /admin/breaking              pick one of the latest items (searchable) or write a story
    GET  /admin/breaking/preview      back to the form (a confirm step's return after sign-in)
    POST /admin/breaking/preview      the rendered email and Telegram message, counts per audience
    GET  /admin/breaking/email        the email as it will look (framed by the preview)
    POST /admin/breaking/test         the same, to the editor alone (their email and chat)
    POST /admin/breaking/send         confirmed: plan, queue, go to the progress page

A story already sent to the list is refused unless "send again anyway" is ticked.
"""

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from digest.config import Settings
from digest.models import RenderedEdition
from digest.pipeline import breaking as news_desk
from digest.pipeline import desk, roster
from digest.pipeline.accounts import Actor
from digest.pipeline.delivering import send_batch
from digest.pipeline.planning import SendPlan, UnknownList
from digest.pipeline.stand_ins import for_editor
from digest.retry import RetryPolicy
from digest.sentence import as_sentence
from digest.web.deps import ContextDep, CsrfDep, EditorDep, SettingsDep
from digest.web.editor_access import EditorContext

__all__ = ["EMAIL_FRAME_CSP", "StoryForm", "dispatcher", "framed_email", "router"]

log = logging.getLogger(__name__)

# The framed email: its own inline styles, no script, shown only inside our own pages.
EMAIL_FRAME_CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups"
)


def dispatcher(settings: Settings) -> news_desk.Dispatch:
    """Queue a plan on the breaking queue. Without a broker the batches are sent on a thread
    of this process, so the editor's page comes back at once to show progress."""
    from digest.tasks import dispatch_breaking

    def dispatch(plan: SendPlan) -> None:
        if settings.broker_url:
            dispatch_breaking(plan)
        else:
            thread = threading.Thread(
                target=_send_in_process, args=(settings, plan), name="breaking", daemon=True
            )
            _in_process.append(thread)
            thread.start()

    return dispatch


_in_process: list[threading.Thread] = []


def drain(timeout: float = 30.0) -> None:
    """Wait for in-process breaking sends to finish (app shutdown, tests)."""
    while _in_process:
        _in_process.pop().join(timeout)


def _send_in_process(settings: Settings, plan: SendPlan) -> None:
    try:
        _send_batches(settings, plan)
    except Exception:  # a thread has nobody to raise to; rows left open are re-queued by the sweeper
        log.exception("in-process breaking send of edition %s failed", plan.edition_id)


def _send_batches(settings: Settings, plan: SendPlan) -> None:
    """Each batch until none of its rows is open: the retry policy (digest.retry) says how long
    to wait between tries and fails a row after its attempts or the breaking news' maximum age."""
    assert plan.edition_id is not None
    policy = RetryPolicy.from_settings(settings)
    for channel, ids in plan.batches:
        batch, todo, tries = uuid.uuid4().hex, ids, 0
        while todo:
            result = send_batch(plan.edition_id, channel, todo, batch, settings)
            todo, tries = result.retry or [], tries + 1
            if todo:
                time.sleep(result.retry_after or policy.backoff(tries, random.random()))


def framed_email(settings: Settings, content: RenderedEdition, actor: Actor) -> HTMLResponse:
    """A rendered email for an iframe of our pages, as a reader would get it (a sample
    greeting, times in the editor's zone) with neutral values for the reader's links."""
    headers = {"Content-Security-Policy": EMAIL_FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(for_editor(settings, content, actor.time_zone), headers=headers)


@dataclass(frozen=True)
class StoryForm:
    """What the editor chose: an item, or a story of their own; the list and audiences."""

    item: str = ""
    title: str = ""
    url: str = ""
    summary: str = ""
    list_name: str = "breaking"
    audiences: tuple[str, ...] = news_desk.AUDIENCES

    def news(self, settings: Settings) -> news_desk.BreakingNews:
        if self.item.strip():
            if not self.item.strip().isdigit():
                raise news_desk.InvalidBreaking("choose an item from the list")
            return news_desk.news_from_item(settings, int(self.item))
        return news_desk.news_from_text(self.title, self.url, self.summary)

    def query(self) -> str:
        pairs = [("item", self.item), ("title", self.title), ("url", self.url), ("summary", self.summary)]
        return urlencode([*pairs, ("list", self.list_name)])


def _form(
    item: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    summary: Annotated[str, Form()] = "",
    list_name: Annotated[str, Form(alias="list")] = "breaking",
    audiences: Annotated[list[str] | None, Form()] = None,
) -> StoryForm:
    return StoryForm(item, title, url, summary, list_name, tuple(audiences or ()))


router = APIRouter(prefix="/admin/breaking")


def _page(
    request: Request,
    ctx: EditorContext,
    actor: Actor,
    form: StoryForm,
    status: int = 200,
    error: str = "",
    q: str = "",
) -> Response:
    latest = news_desk.latest_items(ctx.settings, q)
    lists = roster.all_lists(ctx.settings)
    return ctx.pages.render(
        request,
        "editor/breaking",
        status,
        actor=actor,
        items=latest,
        lists=lists,
        form=form,
        audience_titles=news_desk.AUDIENCE_TITLES,
        error=error,
        q=q.strip(),
        when=desk.clock(actor.time_zone),
    )


def _confirm_page(
    request: Request,
    ctx: EditorContext,
    actor: Actor,
    form: StoryForm,
    status: int = 200,
    error: str = "",
    notice: str = "",
) -> Response:
    settings = ctx.settings
    try:
        shown = news_desk.preview(settings, form.news(settings), form.list_name, form.audiences)
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        return _page(request, ctx, actor, form, 400, str(exc))
    return ctx.pages.render(
        request,
        "editor/breaking_confirm",
        status,
        actor=actor,
        form=form,
        shown=shown,
        telegram=Markup(shown.rendered.telegram[0]),
        audience_titles=news_desk.AUDIENCE_TITLES,
        email_src=f"/admin/breaking/email?{form.query()}",
        error=error,
        notice=notice,
    )


Story = Annotated[StoryForm, Depends(_form)]


@router.get("")
def breaking_page(
    request: Request, actor: EditorDep, ctx: ContextDep, item: str = "", list: str = "breaking", q: str = ""
) -> Response:
    return _page(request, ctx, actor, StoryForm(item=item, list_name=list), q=q)


@router.get("/preview")
def back_to_form(actor: EditorDep) -> Response:
    # Where a confirm step sent after the session ended returns: the form, with its draft.
    return RedirectResponse("/admin/breaking", status_code=303)


@router.post("/preview")
def preview(request: Request, actor: EditorDep, _: CsrfDep, ctx: ContextDep, form: Story) -> Response:
    return _confirm_page(request, ctx, actor, form)


@router.get("/email")
def email(
    actor: EditorDep,
    settings: SettingsDep,
    item: str = "",
    title: str = "",
    url: str = "",
    summary: str = "",
    list_name: Annotated[str, Query(alias="list")] = "breaking",
) -> Response:
    form = StoryForm(item, title, url, summary, list_name)
    try:
        shown = news_desk.preview(settings, form.news(settings), form.list_name, form.audiences)
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        raise HTTPException(400, str(exc)) from None
    return framed_email(settings, shown.rendered, actor)


@router.post("/test")
def test_send(request: Request, actor: EditorDep, _: CsrfDep, ctx: ContextDep, form: Story) -> Response:
    assert actor.editor is not None  # pages are used through a session
    settings = ctx.settings
    try:
        news = form.news(settings)
        rendered = news_desk.preview(settings, news, form.list_name, form.audiences).rendered
        went = desk.send_test(settings, actor.editor, form.list_name, rendered)
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        return _page(request, ctx, actor, form, 400, str(exc))
    except desk.TestSendFailed as exc:
        return _confirm_page(request, ctx, actor, form, 502, error=as_sentence(exc))
    notice = f"Test sent to {' and '.join(went)}. Nobody else got it."
    return _confirm_page(request, ctx, actor, form, notice=notice)


@router.post("/send")
def send(
    request: Request,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    form: Story,
    again: Annotated[str, Form()] = "",
) -> Response:
    settings = ctx.settings
    try:
        sent = news_desk.send_breaking(
            settings,
            form.news(settings),
            form.list_name,
            dispatcher(settings),
            actor=actor.label,
            audiences=form.audiences,
            again=bool(again),
        )
    except news_desk.DuplicateBreaking as exc:
        return _confirm_page(request, ctx, actor, form, 409, str(exc))
    except (news_desk.InvalidBreaking, UnknownList) as exc:
        return _page(request, ctx, actor, form, 400, str(exc))
    return RedirectResponse(f"/admin/editions/{sent.edition_id}", status_code=303)
