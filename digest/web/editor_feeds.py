"""The feeds page: health, add (the SSRF guard's answer in words), edit, pause, remove, OPML.

Routes (editor role)::

    GET  /admin/feeds                        every feed with its health and settings
    POST /admin/feeds                        add one
    POST /admin/feeds/import                 an OPML file: every feed, or none
    POST /admin/feeds/{id}                   change name, section, weight (only those changed)
    POST /admin/feeds/{id}/pause|resume      stop or restart fetching it
    POST /admin/feeds/{id}/remove            unregister it (its items go with it)
"""

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from digest.pipeline import desk, feeds_desk
from digest.pipeline.accounts import Actor
from digest.sentence import as_sentence
from digest.web.deps import ContextDep, CsrfDep, EditorDep
from digest.web.editor_access import EditorContext

__all__ = ["router"]

MAX_OPML_BYTES = 2 * 1024 * 1024

router = APIRouter(prefix="/admin/feeds")


def _listing(
    request: Request,
    ctx: EditorContext,
    actor: Actor,
    status: int = 200,
    *,
    message: str = "",
    error: str = "",
    **kept: str,
) -> Response:
    return ctx.pages.render(
        request,
        "editor/feeds",
        status,
        actor=actor,
        rows=feeds_desk.all_feeds(ctx.settings),
        message=message,
        error=error,
        kept=kept,
        when=desk.clock(actor.time_zone),
    )


def _done(message: str) -> Response:
    return RedirectResponse(f"/admin/feeds?done={message}", status_code=303)


@router.get("")
def feeds(request: Request, actor: EditorDep, ctx: ContextDep, done: str = "") -> Response:
    return _listing(request, ctx, actor, message=_MESSAGES.get(done, ""))


@router.post("")
def add(
    request: Request,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    url: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    section: Annotated[str, Form()] = "news",
    weight: Annotated[str, Form()] = "1",
) -> Response:
    try:
        feeds_desk.add_feed(ctx.settings, url, name, section, weight, actor.label)
    except feeds_desk.InvalidFeed as exc:
        error = f"The feed was not added. {exc.field.capitalize()}: {exc.problem}."
        kept = {"url": url, "name": name, "section": section, "weight": weight}
        return _listing(request, ctx, actor, 400, error=error, **kept)
    return _done("added")


@router.post("/import")
async def import_opml(
    request: Request, actor: EditorDep, _: CsrfDep, ctx: ContextDep, file: Annotated[UploadFile, File()]
) -> Response:
    data = await file.read(MAX_OPML_BYTES + 1)
    if len(data) > MAX_OPML_BYTES:
        error = "The OPML file is too large."
        return await run_in_threadpool(_listing, request, ctx, actor, 413, error=error)
    name = file.filename or "feeds.opml"
    try:
        count, new = await run_in_threadpool(feeds_desk.import_opml, ctx.settings, data, name, actor.label)
    except feeds_desk.InvalidFeed as exc:
        return await run_in_threadpool(_listing, request, ctx, actor, 400, error=f"{name}: {exc.problem}.")
    message = f"{name}: {count} feeds imported ({new} new)."
    return await run_in_threadpool(_listing, request, ctx, actor, message=message)


@router.post("/{feed_id:int}")
def edit(
    request: Request,
    feed_id: int,
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
    name: Annotated[str, Form()] = "",
    section: Annotated[str, Form()] = "",
    weight: Annotated[str, Form()] = "",
) -> Response:
    given = {k: v for k, v in {"name": name, "section": section, "weight": weight}.items() if v.strip()}
    try:
        changed = feeds_desk.edit_feed(ctx.settings, feed_id, given, actor.label)
    except feeds_desk.InvalidFeed as exc:
        error = f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}."
        return _listing(request, ctx, actor, 400, error=error)
    return _done("saved" if changed else "unchanged")


@router.post("/{feed_id:int}/{change}")
def change(
    request: Request,
    feed_id: int,
    change: Literal["pause", "resume", "remove"],
    actor: EditorDep,
    _: CsrfDep,
    ctx: ContextDep,
) -> Response:
    try:
        if change == "remove":
            feeds_desk.remove_feed(ctx.settings, feed_id, actor.label)
        else:
            feeds_desk.set_paused(ctx.settings, feed_id, change == "pause", actor.label)
    except feeds_desk.InvalidFeed as exc:
        return _listing(request, ctx, actor, 404, error=as_sentence(exc.problem))
    return _done({"pause": "paused", "resume": "resumed", "remove": "removed"}[change])


_MESSAGES = {
    "added": "Feed added: it is fetched within a few minutes.",
    "saved": "Saved.",
    "unchanged": "Nothing changed.",
    "paused": "Paused: it is not fetched until you resume it.",
    "resumed": "Resumed: it is fetched again.",
    "removed": "Feed removed, with its items.",
}
