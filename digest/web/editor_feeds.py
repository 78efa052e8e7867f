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

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from digest.pipeline import desk, feeds_desk
from digest.pipeline.accounts import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor
from digest.web.security import CSRF_FIELD

__all__ = ["router"]

MAX_OPML_BYTES = 2 * 1024 * 1024


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin/feeds")
    editor = Annotated[Actor, Depends(RequireEditor(ctx, Role.EDITOR))]
    token_field = Annotated[str | None, Form(alias=CSRF_FIELD)]
    settings, pages = ctx.settings, ctx.pages

    def listing(
        request: Request, actor: Actor, status: int = 200, *, message: str = "", error: str = "", **kept: str
    ) -> Response:
        zone = actor.editor.time_zone if actor.editor else "UTC"
        return pages.render(
            request, "editor/feeds", status, actor=actor, rows=feeds_desk.all_feeds(settings),
            message=message, error=error, kept=kept, when=lambda moment: desk.local_time(moment, zone),
        )  # fmt: skip

    def done(message: str) -> Response:
        return RedirectResponse(f"/admin/feeds?done={message}", status_code=303)

    @api.get("")
    def feeds(request: Request, actor: editor, done: str = "") -> Response:
        return listing(request, actor, message=_MESSAGES.get(done, ""))

    @api.post("")
    def add(
        request: Request,
        actor: editor,
        url: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        section: Annotated[str, Form()] = "news",
        weight: Annotated[str, Form()] = "1",
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            feeds_desk.add_feed(settings, url, name, section, weight, actor.label)
        except feeds_desk.InvalidFeed as exc:
            error = f"The feed was not added. {exc.field.capitalize()}: {exc.problem}."
            return listing(
                request, actor, 400, error=error, url=url, name=name, section=section, weight=weight
            )
        return done("added")

    @api.post("/import")
    async def import_opml(
        request: Request, actor: editor, file: Annotated[UploadFile, File()], csrf_token: token_field = None
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        data = await file.read(MAX_OPML_BYTES + 1)
        if len(data) > MAX_OPML_BYTES:
            return await run_in_threadpool(listing, request, actor, 413, error="The OPML file is too large.")
        name = file.filename or "feeds.opml"
        try:
            count, new = await run_in_threadpool(feeds_desk.import_opml, settings, data, name, actor.label)
        except feeds_desk.InvalidFeed as exc:
            error = f"{name}: {exc.problem}."
            return await run_in_threadpool(listing, request, actor, 400, error=error)
        message = f"{name}: {count} feeds imported ({new} new)."
        return await run_in_threadpool(listing, request, actor, message=message)

    @api.post("/{feed_id:int}")
    def edit(
        request: Request,
        feed_id: int,
        actor: editor,
        name: Annotated[str, Form()] = "",
        section: Annotated[str, Form()] = "",
        weight: Annotated[str, Form()] = "",
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        given = {k: v for k, v in {"name": name, "section": section, "weight": weight}.items() if v.strip()}
        try:
            changed = feeds_desk.edit_feed(settings, feed_id, given, actor.label)
        except feeds_desk.InvalidFeed as exc:
            return listing(
                request, actor, 400, error=f"Nothing was saved. {exc.field.capitalize()}: {exc.problem}."
            )
        return done("saved" if changed else "unchanged")

    @api.post("/{feed_id:int}/{change}")
    def change(
        request: Request,
        feed_id: int,
        change: Literal["pause", "resume", "remove"],
        actor: editor,
        csrf_token: token_field = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            if change == "remove":
                feeds_desk.remove_feed(settings, feed_id, actor.label)
            else:
                feeds_desk.set_paused(settings, feed_id, change == "pause", actor.label)
        except feeds_desk.InvalidFeed as exc:
            return listing(request, actor, 404, error=f"{exc.problem[0].upper()}{exc.problem[1:]}.")
        return done({"pause": "paused", "resume": "resumed", "remove": "removed"}[change])

    return api


_MESSAGES = {
    "added": "Feed added: it is fetched within a few minutes.",
    "saved": "Saved.",
    "unchanged": "Nothing changed.",
    "paused": "Paused: it is not fetched until you resume it.",
    "resumed": "Resumed: it is fetched again.",
    "removed": "Feed removed, with its items.",
}
