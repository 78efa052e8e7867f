"""The public archive and web views: ``/archive/{list}`` (page, Atom, JSON Feed),
``/editions/{id}``, and ``/manage``, which mails a reader their own links."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from digest.config import Settings
from digest.i18n import N_
from digest.pipeline import archive as archive_uc
from digest.pipeline import manage as manage_uc
from digest.pipeline.languages import list_language
from digest.pipeline.signup import TooManySignUps
from digest.pipeline.subscriptions import InvalidInput
from digest.render.archive_feeds import ArchiveLinks, atom_feed, json_feed
from digest.web.deps import ReaderDep, ReaderSettingsDep
from digest.web.security import CSRF_FIELD, EDITION_CSP

__all__ = ["router"]


router = APIRouter()


def _links(settings: Settings, list_name: str) -> ArchiveLinks:
    base = f"{settings.public_url}/archive/{list_name}"
    return ArchiveLinks(
        base, f"{base}/feed.xml", f"{base}/feed.json", f"{settings.public_url}/editions/{{id}}"
    )


def _found(settings: Settings, list_name: str, before: int | None = None) -> archive_uc.Archive:
    try:
        return archive_uc.archive(settings, list_name, before=before)
    except archive_uc.NoArchive:
        raise HTTPException(404, N_("This list has no public archive.")) from None


@router.get("/archive/{list_name}", response_class=HTMLResponse)
def index(ctx: ReaderDep, request: Request, list_name: str, before: int | None = None) -> Response:
    page = _found(ctx.settings, list_name, before)
    language = list_language(ctx.settings, page.name)
    links = _links(ctx.settings, page.name)
    return ctx.pages.render(request, "archive", language=language, archive=page, links=links)


@router.get("/archive/{list_name}/feed.xml")
def atom(settings: ReaderSettingsDep, list_name: str) -> Response:
    page = _found(settings, list_name)
    body = atom_feed(
        page.title, settings.newsroom_name, page.editions, _links(settings, page.name), datetime.now(UTC)
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/archive/{list_name}/feed.json")
def json(settings: ReaderSettingsDep, list_name: str) -> Response:
    page = _found(settings, list_name)
    body = json_feed(page.title, settings.newsroom_name, page.editions, _links(settings, page.name))
    return JSONResponse(body, media_type="application/feed+json")


@router.get("/editions/{edition_id:int}", response_class=HTMLResponse)
def edition(settings: ReaderSettingsDep, edition_id: int) -> Response:
    html = archive_uc.web_view(settings, edition_id) if edition_id < 2**63 else None
    if html is None:
        raise HTTPException(404, N_("There is no edition with this number."))
    headers = {"Content-Security-Policy": EDITION_CSP, "Cache-Control": "public, max-age=300"}
    return HTMLResponse(html, headers=headers)


@router.get("/manage", response_class=HTMLResponse)
def manage_form(ctx: ReaderDep, request: Request) -> Response:
    return ctx.pages.render(request, "manage", error=None, email="")


@router.post("/manage", response_class=HTMLResponse)
def manage(
    ctx: ReaderDep,
    request: Request,
    email: str = Form(""),
    csrf_token: str | None = Form(None, alias=CSRF_FIELD),
) -> Response:
    pages = ctx.pages
    pages.csrf.check(request, csrf_token)
    client = request.client.host if request.client else "unknown"
    try:
        manage_uc.send_own_links(ctx.settings, email, client=client, limiter=ctx.limiter)
    except InvalidInput as exc:
        error = exc.said_in(pages.language(request))
        return pages.render(request, "manage", 400, error=error, email=email[:320])
    except TooManySignUps as exc:
        headers = {"Retry-After": str(int(exc.wait) + 1)}
        raise HTTPException(
            429, N_("Too many requests from here. Please try again later."), headers
        ) from None
    return pages.render(request, "manage_sent")
