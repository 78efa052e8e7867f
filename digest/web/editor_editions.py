"""The edition page: what went out, to whom, how far it got; stop a send.

Routes::

    GET  /admin/editions/{id}                         subject, email, Telegram, counts   viewer
    GET  /admin/editions/{id}/email/{variant}         the email as sent (framed)         viewer
    GET  /admin/editions/{id}/progress.json           counts by state (polled)           viewer
    POST /admin/editions/{id}/stop                    stop a send                        editor
    POST /admin/editions/{id}/resume                  send what a stop held back         editor
    POST /admin/editions/{id}/retry                   try the failed deliveries again    editor
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from digest.config import Settings
from digest.pipeline import breaking as news_desk
from digest.pipeline import desk, resending, retrying
from digest.pipeline.accounts import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor
from digest.web.editor_breaking import dispatcher, framed_email
from digest.web.security import CSRF_FIELD

__all__ = ["progress", "router"]


def progress(settings: Settings, edition_id: int) -> dict[str, Any]:
    """An edition's delivery counts, as the progress page and the API show them."""
    try:
        return desk.progress(settings, edition_id)
    except desk.UnknownEdition as exc:
        raise HTTPException(404, str(exc)) from None


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin/editions")
    viewer = Annotated[Actor, Depends(RequireEditor(ctx, Role.VIEWER))]
    editor = Annotated[Actor, Depends(RequireEditor(ctx, Role.EDITOR))]
    settings, pages = ctx.settings, ctx.pages

    @api.get("/{edition_id}")
    def edition_page(request: Request, edition_id: int, actor: viewer) -> Response:
        try:
            report = desk.edition_report(settings, edition_id)
        except desk.UnknownEdition as exc:
            raise HTTPException(404, str(exc)) from None
        zone = actor.editor.time_zone if actor.editor else "UTC"
        telegram = [[Markup(m) for m in v.rendered.telegram] for v in report.variants]
        return pages.render(
            request, "editor/edition", actor=actor, r=report, p=report.progress, telegram=telegram,
            when=lambda moment: desk.local_time(moment, zone), alerts=retrying.alerts(settings),
        )  # fmt: skip

    @api.get("/{edition_id}/email/{variant_id}")
    def email(edition_id: int, variant_id: int, actor: viewer) -> Response:
        try:
            html = desk.variant_html(settings, edition_id, variant_id)
        except desk.UnknownEdition as exc:
            raise HTTPException(404, str(exc)) from None
        return framed_email(settings, html)

    @api.get("/{edition_id}/progress.json")
    def edition_progress(edition_id: int, actor: viewer) -> Response:
        return JSONResponse(progress(settings, edition_id))

    @api.post("/{edition_id}/stop")
    def stop(
        request: Request,
        edition_id: int,
        actor: editor,
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        try:
            news_desk.stop(settings, edition_id, actor.label)
        except news_desk.InvalidBreaking as exc:
            raise HTTPException(404, str(exc)) from None
        return RedirectResponse(f"/admin/editions/{edition_id}", status_code=303)

    @api.post("/{edition_id}/{again}")
    def send_again(
        request: Request,
        edition_id: int,
        again: Literal["resume", "retry"],
        actor: editor,
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        use_case = resending.resume if again == "resume" else resending.retry_failed
        try:
            use_case(settings, edition_id, actor.label, dispatcher(settings))
        except resending.NothingToSend as exc:
            raise HTTPException(409, f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None
        return RedirectResponse(f"/admin/editions/{edition_id}", status_code=303)

    return api
