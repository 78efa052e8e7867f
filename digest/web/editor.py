"""The editor pages under ``/admin``: sign-in, dashboard, edition progress and stop.

Routes::

    GET  /admin/login, POST /admin/login        sign in (CSRF, rate-limited)   anyone
    POST /admin/logout                          sign out                        viewer
    GET  /admin                                 feeds, latest items, editions   viewer
    GET  /admin/account, POST /admin/account    own time zone and test chat     viewer
    GET  /admin/static/editor.js                the polling script              anyone

and the pages of ``editor_editions``, ``editor_breaking``, ``editor_readers``, ``editor_feeds``,
``editor_lists``, ``editor_preview``, ``editor_subscribers``, ``editor_admin`` and
``editor_stats``. Every form carries the CSRF token of ``digest.web.security``; every page
needs a session (``digest.web.editor_access``); every change is audited.
"""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from digest.pipeline import accounts as auth
from digest.pipeline import desk, retrying
from digest.pipeline.accounts import Actor
from digest.render import BUNDLED_TEMPLATES
from digest.web import (
    editor_admin,
    editor_breaking,
    editor_editions,
    editor_feeds,
    editor_lists,
    editor_preview,
    editor_readers,
    editor_stats,
    editor_subscribers,
    editor_suppressions,
)
from digest.web.deps import ContextDep, CsrfDep, ViewerDep
from digest.web.editor_access import EditorContext, SessionEnded, SignInRequired
from digest.web.editor_editions import progress
from digest.web.security import client_address

__all__ = ["install", "progress"]

SCRIPT = BUNDLED_TEMPLATES / "web" / "editor" / "editor.js"


def install(app: FastAPI, ctx: EditorContext) -> None:
    """Add the editor pages to the app; their dependencies (``digest.web.deps``) find ``ctx`` in
    the app's state."""
    app.state.editor = ctx
    app.include_router(router)
    app.include_router(editor_editions.router)
    app.include_router(editor_breaking.router)
    app.include_router(editor_preview.router)
    app.include_router(editor_subscribers.router)
    app.include_router(editor_suppressions.router)
    app.include_router(editor_readers.router)
    app.include_router(editor_feeds.router)
    app.include_router(editor_lists.router)
    app.include_router(editor_admin.router)
    app.include_router(editor_stats.router)

    def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(exc.location(), status_code=303)

    def session_ended(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SessionEnded)
        minutes = ctx.settings.editor_idle_minutes
        message = (
            f"Your session ended (after {minutes} minutes without activity, or on signing out). "
            "Sign in again to go back to your page: what you typed is still there."
        )
        return ctx.pages.render(
            request, "editor/login", 401, next=_safe_next(exc.next_path), error="", expired=message
        )

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(SessionEnded, session_ended)


router = APIRouter(prefix="/admin")


@router.get("/login")
def login_page(request: Request, ctx: ContextDep, next: str = "/admin") -> Response:
    return ctx.pages.render(request, "editor/login", next=_safe_next(next), error="")


@router.post("/login")
def login(
    request: Request,
    _: CsrfDep,
    ctx: ContextDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/admin",
) -> Response:
    client = client_address(request)
    try:
        found = auth.authenticate(ctx.settings, email, password, client=client, limiter=ctx.limiter)
    except auth.TooManyAttempts as exc:
        message = f"Too many attempts. Try again in {exc.wait:.0f} seconds."
        return ctx.pages.render(request, "editor/login", 429, next=_safe_next(next), error=message)
    except auth.BadCredentials:
        message = "Wrong email or password."
        return ctx.pages.render(request, "editor/login", 401, next=_safe_next(next), error=message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    ctx.set_session(response, auth.start_session(ctx.settings, found, client))
    return response


@router.post("/logout")
def logout(request: Request, actor: ViewerDep, _: CsrfDep, ctx: ContextDep) -> Response:
    auth.end_session(ctx.settings, request.cookies.get(ctx.cookie, ""))
    response = RedirectResponse("/admin/login", status_code=303)
    ctx.clear_session(response)
    return response


@router.get("")
def dashboard(request: Request, actor: ViewerDep, ctx: ContextDep) -> Response:
    return ctx.pages.render(
        request,
        "editor/dashboard",
        actor=actor,
        d=desk.dashboard(ctx.settings),
        alerts=retrying.alerts(ctx.settings),
        when=desk.clock(actor.time_zone),
    )


@router.get("/account")
def account_page(request: Request, actor: ViewerDep, ctx: ContextDep, saved: str = "") -> Response:
    return _account(request, ctx, actor, notice="Saved." if saved else "")


@router.post("/account")
def account(
    request: Request,
    actor: ViewerDep,
    _: CsrfDep,
    ctx: ContextDep,
    time_zone: Annotated[str, Form()] = "",
    telegram_chat_id: Annotated[str, Form()] = "",
) -> Response:
    assert actor.editor is not None  # a session always has its editor
    try:
        desk.set_preferences(ctx.settings, actor.editor.id, time_zone, telegram_chat_id, actor.label)
    except desk.InvalidInput as exc:
        error = f"{exc.field.capitalize()}: {exc.problem}."
        return _account(request, ctx, actor, 400, error=error, zone=time_zone, chat=telegram_chat_id)
    return RedirectResponse("/admin/account?saved=1", status_code=303)


def _account(
    request: Request,
    ctx: EditorContext,
    actor: Actor,
    status: int = 200,
    *,
    notice: str = "",
    error: str = "",
    zone: str = "",
    chat: str | None = None,
) -> Response:
    me = actor.editor
    current = zone or actor.time_zone
    chat = chat if chat is not None else (me.telegram_chat_id if me else "") or ""
    try:
        now = desk.local_time(datetime.now(UTC), current)
    except ValueError:
        now = desk.local_time(datetime.now(UTC), "UTC")
    return ctx.pages.render(
        request,
        "editor/account",
        status,
        actor=actor,
        zones=zones(),
        zone=current,
        chat=chat,
        notice=notice,
        error=error,
        now=now,
    )


@router.get("/static/editor.js")
def script() -> Response:
    headers = {"Cache-Control": "max-age=300"}
    return Response(SCRIPT.read_text(), media_type="text/javascript", headers=headers)


@lru_cache(maxsize=1)
def zones() -> list[str]:
    """The IANA zones an editor can choose on their account page."""
    return sorted(available_timezones())


def _safe_next(value: str) -> str:
    """Only our own editor pages: never an open redirect to another site."""
    if value.startswith("/admin") and not value.startswith("//") and "\\" not in value:
        return value
    return "/admin"
