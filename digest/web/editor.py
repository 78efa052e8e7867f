"""The editor pages under ``/admin``: sign-in, dashboard, edition progress and stop.

Routes::

    GET  /admin/login, POST /admin/login        sign in (CSRF, rate-limited)   anyone
    POST /admin/logout                          sign out                        viewer
    GET  /admin                                 feeds, latest items, editions   viewer
    GET  /admin/editions/{id}                   progress, live; stop button     viewer
    GET  /admin/editions/{id}/progress.json     counts by state (polled)        viewer
    POST /admin/editions/{id}/stop              stop a send                     editor
    GET  /admin/static/editor.js                the polling script              anyone

and the pages of ``editor_breaking``, ``editor_preview``, ``editor_subscribers`` and
``editor_admin``. Every form carries the CSRF token of ``digest.web.security``; every page
needs a session (``digest.web.editor_access``); every change is audited.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from digest.config import Settings
from digest.pipeline import breaking as news_desk
from digest.pipeline import retrying
from digest.render import BUNDLED_TEMPLATES
from digest.store import editors as editor_store
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store.db import transaction
from digest.web import auth, editor_admin, editor_breaking, editor_preview, editor_subscribers
from digest.web.auth import Actor, Role
from digest.web.editor_access import EditorContext, RequireEditor, SignInRequired
from digest.web.security import CSRF_FIELD, client_address

__all__ = ["install", "progress"]

SCRIPT = BUNDLED_TEMPLATES / "web" / "editor" / "editor.js"
LATEST_ITEMS = 30


def install(app: FastAPI, ctx: EditorContext) -> None:
    """Add the editor pages to the app."""
    app.include_router(router(ctx))
    app.include_router(editor_breaking.router(ctx))
    app.include_router(editor_preview.router(ctx))
    app.include_router(editor_subscribers.router(ctx))
    app.include_router(editor_admin.router(ctx))

    def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(exc.location(), status_code=303)

    app.add_exception_handler(SignInRequired, sign_in)


def progress(settings: Settings, edition_id: int) -> dict[str, Any]:
    """An edition's delivery counts, as the progress page and the API show them."""
    with transaction(settings.database_url) as conn:
        found = editor_store.recent_editions(conn, 1, edition_id=edition_id)
    if not found:
        raise HTTPException(404, f"There is no edition {edition_id}.")
    summary = found[0]
    total, done = summary.total, summary.done
    return {
        "edition": summary.id,
        "list": summary.list_name,
        "title": summary.title,
        "counts": summary.counts,
        "total": total,
        "done": done,
        "percent": round(100 * done / total, 1) if total else 100.0,
        "finished": done >= total,
        "stopped_by": summary.stopped_by,
    }


def router(ctx: EditorContext) -> APIRouter:
    api = APIRouter(prefix="/admin")
    viewer = Annotated[Actor, Depends(RequireEditor(ctx, Role.VIEWER))]
    editor = Annotated[Actor, Depends(RequireEditor(ctx, Role.EDITOR))]
    settings, pages = ctx.settings, ctx.pages

    @api.get("/login")
    def login_page(request: Request, next: str = "/admin") -> Response:
        return pages.render(request, "editor/login", next=_safe_next(next), error="")

    @api.post("/login")
    def login(
        request: Request,
        email: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/admin",
        csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        client = client_address(request)
        try:
            found = auth.authenticate(settings, email, password, client=client, limiter=ctx.limiter)
        except auth.TooManyAttempts as exc:
            message = f"Too many attempts. Try again in {exc.wait:.0f} seconds."
            return pages.render(request, "editor/login", 429, next=_safe_next(next), error=message)
        except auth.BadCredentials:
            message = "Wrong email or password."
            return pages.render(request, "editor/login", 401, next=_safe_next(next), error=message)
        response = RedirectResponse(_safe_next(next), status_code=303)
        ctx.set_session(response, auth.start_session(settings, found, client))
        return response

    @api.post("/logout")
    def logout(
        request: Request, actor: viewer, csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None
    ) -> Response:
        ctx.csrf.check(request, csrf_token)
        auth.end_session(settings, request.cookies.get(ctx.cookie, ""))
        response = RedirectResponse("/admin/login", status_code=303)
        ctx.clear_session(response)
        return response

    @api.get("")
    def dashboard(request: Request, actor: viewer) -> Response:
        now = datetime.now(UTC)
        with transaction(settings.database_url) as conn:
            feeds = feed_store.all_feeds(conn)
            latest = item_store.recent(conn, now - timedelta(hours=48))[:LATEST_ITEMS]
            editions = editor_store.recent_editions(conn, 20)
        return pages.render(
            request, "editor/dashboard", actor=actor, feeds=feeds, items=latest, editions=editions, now=now,
            alerts=retrying.alerts(settings),
        )  # fmt: skip

    @api.get("/editions/{edition_id}")
    def edition_page(request: Request, edition_id: int, actor: viewer) -> Response:
        p = progress(settings, edition_id)
        failed, failures = retrying.failures(settings, edition_id)
        return pages.render(
            request, "editor/edition", actor=actor, p=p, failed=failed, failures=failures,
            alerts=retrying.alerts(settings),
        )  # fmt: skip

    @api.get("/editions/{edition_id}/progress.json")
    def edition_progress(edition_id: int, actor: viewer) -> Response:
        return JSONResponse(progress(settings, edition_id))

    @api.post("/editions/{edition_id}/stop")
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

    @api.get("/static/editor.js")
    def script() -> Response:
        return Response(
            SCRIPT.read_text(), media_type="text/javascript", headers={"Cache-Control": "max-age=300"}
        )

    return api


def _safe_next(value: str) -> str:
    """Only our own editor pages: never an open redirect to another site."""
    if value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"
