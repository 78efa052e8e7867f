"""The edition page: what went out, to whom, how far it got; stop a send.

Routes::

    GET  /admin/editions/{id}                         subject, email, Telegram, counts   viewer
    GET  /admin/editions/{id}/email/{variant}         the email as sent (framed)         viewer
    GET  /admin/editions/{id}/progress.json           counts by state (polled)           viewer
    POST /admin/editions/{id}/stop                    stop a send                        editor
    POST /admin/editions/{id}/resume                  send what a stop held back         editor
    POST /admin/editions/{id}/retry                   try the failed deliveries again    editor
"""

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from digest.config import Settings
from digest.pipeline import breaking as news_desk
from digest.pipeline import desk, resending, retrying
from digest.sentence import as_sentence
from digest.web.deps import ContextDep, CsrfDep, EditorDep, SettingsDep, ViewerDep
from digest.web.editor_breaking import dispatcher, framed_email

__all__ = ["progress", "router"]


def progress(settings: Settings, edition_id: int) -> dict[str, Any]:
    """An edition's delivery counts, as the progress page and the API show them."""
    try:
        return desk.progress(settings, edition_id)
    except desk.UnknownEdition as exc:
        raise HTTPException(404, str(exc)) from None


router = APIRouter(prefix="/admin/editions")


@router.get("/{edition_id}")
def edition_page(request: Request, edition_id: int, actor: ViewerDep, ctx: ContextDep) -> Response:
    try:
        report = desk.edition_report(ctx.settings, edition_id)
    except desk.UnknownEdition as exc:
        raise HTTPException(404, str(exc)) from None
    telegram = [[Markup(m) for m in v.rendered.telegram] for v in report.variants]
    return ctx.pages.render(
        request,
        "editor/edition",
        actor=actor,
        r=report,
        p=report.progress,
        telegram=telegram,
        when=desk.clock(actor.time_zone),
        alerts=retrying.alerts(ctx.settings),
    )


@router.get("/{edition_id}/email/{variant_id}")
def email(edition_id: int, variant_id: int, actor: ViewerDep, settings: SettingsDep) -> Response:
    try:
        rendered = desk.variant(settings, edition_id, variant_id)
    except desk.UnknownEdition as exc:
        raise HTTPException(404, str(exc)) from None
    return framed_email(settings, rendered, actor)


@router.get("/{edition_id}/progress.json")
def edition_progress(edition_id: int, actor: ViewerDep, settings: SettingsDep) -> Response:
    return JSONResponse(progress(settings, edition_id))


@router.post("/{edition_id}/stop")
def stop(edition_id: int, actor: EditorDep, _: CsrfDep, settings: SettingsDep) -> Response:
    try:
        news_desk.stop(settings, edition_id, actor.label)
    except news_desk.InvalidBreaking as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(f"/admin/editions/{edition_id}", status_code=303)


@router.post("/{edition_id}/{again}")
def send_again(
    edition_id: int, again: Literal["resume", "retry"], actor: EditorDep, _: CsrfDep, settings: SettingsDep
) -> Response:
    use_case = resending.resume if again == "resume" else resending.retry_failed
    try:
        use_case(settings, edition_id, actor.label, dispatcher(settings))
    except resending.NothingToSend as exc:
        raise HTTPException(409, as_sentence(exc)) from None
    return RedirectResponse(f"/admin/editions/{edition_id}", status_code=303)
