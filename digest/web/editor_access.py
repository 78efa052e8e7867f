"""Who may use an editor page or an API route: sessions, bearer tokens and roles.

Every route under ``/admin`` and ``/api/v1`` (but the sign-in page and the OpenAPI document)
declares one ``RequireEditor`` or ``RequireToken`` dependency naming the least role it needs,
through the aliases of ``digest.web.deps`` (``EditorDep``, ``ApiViewerDep`` …); the tests walk
the routes and check each one refuses strangers and lesser roles. Both find what they need in
the app's state: the editor pages' ``EditorContext``, the API's settings.
"""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import Match

from digest.config import Settings
from digest.pipeline import accounts as auth
from digest.pipeline.accounts import Actor, Role
from digest.ratelimit import RateLimiter, limiter_for
from digest.web.pages import Pages
from digest.web.security import Csrf

__all__ = [
    "EditorContext",
    "RequireEditor",
    "RequireToken",
    "SessionEnded",
    "SignInRequired",
    "api_settings",
    "editor_context",
]


@dataclass(frozen=True)
class EditorContext:
    settings: Settings
    pages: Pages
    csrf: Csrf
    limiter: RateLimiter

    @classmethod
    def build(
        cls, settings: Settings, pages: Pages, csrf: Csrf, limiter: RateLimiter | None
    ) -> "EditorContext":
        return cls(settings, pages, csrf, limiter or limiter_for(settings))

    @property
    def cookie(self) -> str:
        # "__Host-": only this host, path /, Secure — no subdomain can set or read it.
        return "__Host-digest_editor" if self.csrf.secure else "digest_editor"

    def set_session(self, response: Response, token: str) -> None:
        response.set_cookie(
            self.cookie, token, httponly=True, secure=self.csrf.secure, samesite="strict", path="/"
        )

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(
            self.cookie, path="/", secure=self.csrf.secure, httponly=True, samesite="strict"
        )


class SignInRequired(Exception):
    """No live session: a page sends the browser to sign in, then back to ``next``."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path

    def location(self) -> str:
        return f"/admin/login?next={quote(self.next_path, safe='/')}"


class SessionEnded(Exception):
    """A form sent after the session ended: the sign-in page (401) returns to ``next_path``,
    where the browser still holds what was typed (``editor.js`` keeps drafts)."""

    def __init__(self, next_path: str) -> None:
        super().__init__("the session has ended")
        self.next_path = next_path


def return_path(request: Request) -> str:
    """The editor page a form was sent from: its Referer when the browser sends one of ours,
    else the nearest page above the form's address (``/admin/preview/daily/action`` →
    ``/admin/preview/daily``); our pages send no Referer (``Referrer-Policy: no-referrer``)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/admin"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    path = request.url.path
    while path.startswith("/admin/"):
        if _is_page(request, path):
            return path
        path = path.rsplit("/", 1)[0]
    return "/admin"


def _is_page(request: Request, path: str) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def editor_context(request: Request) -> EditorContext:
    """The editor pages' context, which ``digest.web.editor.install`` puts in the app's state."""
    ctx = request.app.state.editor
    assert isinstance(ctx, EditorContext)
    return ctx


def api_settings(request: Request) -> Settings:
    """The settings of the JSON API, which ``digest.web.api.create_api`` puts in its state."""
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


class RequireEditor:
    """Dependency of an editor page: the signed-in editor, if their role is at least ``role``."""

    def __init__(self, role: Role) -> None:
        self.role = role

    def __call__(self, request: Request) -> Actor:
        ctx = editor_context(request)
        token = request.cookies.get(ctx.cookie, "")
        editor = auth.session_editor(ctx.settings, token) if token else None
        if editor is None:
            if request.method == "GET":
                raise SignInRequired(request.url.path)
            raise SessionEnded(return_path(request))
        actor = Actor(editor, editor.email)
        if not actor.may(self.role):
            raise HTTPException(403, f"This needs the {self.role} role; you are {editor.role}.")
        return actor


_bearer = HTTPBearer(auto_error=False, description="An API token from `digest accounts token`.")


class RequireToken:
    """Dependency of an API route: the token's editor, if their role is at least ``role``."""

    def __init__(self, role: Role) -> None:
        self.role = role

    def __call__(
        self,
        settings: Annotated[Settings, Depends(api_settings)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Actor:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "an API token is required (Authorization: Bearer …)", headers=challenge)
        actor = auth.identify_token(settings, credentials.credentials)
        if actor is None:
            raise HTTPException(401, "unknown or revoked API token", headers=challenge)
        if not actor.may(self.role):
            raise HTTPException(403, f"this needs the {self.role} role; the token's editor is {actor.role}")
        return actor
