"""The web app for subscribers and providers: ``create_app(settings)``.

Routes::

    GET  /subscribe, POST /subscribe          sign-up (double opt-in, rate-limited)
    GET  /confirm/{token}                     a page with one button
    POST /confirm/{token}                     the button: confirm a sign-up (once)
    GET  /unsubscribe/{token}                 a page with one button
    POST /unsubscribe/{token}                 the button, or a provider's RFC 8058 one-click
    GET  /preferences/{token}, POST …         topics, frequency, send hour, zone, lists
    POST /webhooks/sendgrid                   SendGrid Event Webhook (signed)
    GET  /editions/{id}                       an edition's web view (no reader's links)
    GET  /archive/{list}, …/feed.xml, …/feed.json   past editions of a public list
    GET  /manage, POST /manage                mail a reader their own preferences/unsubscribe links
    GET  /r/{token}                           a tracked story link (``digest.web.redirect``)
    GET  /keep/{token}, POST …                the sunsetting email's keep link
    GET  /healthz, GET /metrics               operations
    /admin/…                                  editor pages (``digest.web.editor``)
    /api/v1/…                                 the editors' JSON API (``digest.web.api``)

Errors become pages that say what the reader can do, never how the server failed.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from digest.config import Settings
from digest.i18n import N_
from digest.pipeline import subscriptions as subs
from digest.ratelimit import RateLimiter
from digest.sentence import as_sentence
from digest.web import api, archive, editor, keep, ops, redirect, subscribers, webhooks
from digest.web.bad_values import BAD_VALUE_ERRORS, describe
from digest.web.body_limit import BodyLimit
from digest.web.editor_access import EditorContext
from digest.web.pages import Pages
from digest.web.reader_context import ReaderContext
from digest.web.security import Csrf, SecurityHeaders

__all__ = ["create_app"]

# English msgids: ``Pages.error`` shows them in the reader's language.
_MESSAGES = {404: N_("There is nothing here."), 405: N_("This page cannot be used that way.")}
_TITLES = {
    400: N_("Bad Request"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    413: N_("Request Too Large"),
    429: N_("Too Many Requests"),
}


def create_app(
    settings: Settings, *, limiter: RateLimiter | None = None, webhook_key: str | None = None
) -> FastAPI:
    """The app; ``limiter`` replaces the sign-up limiter (default: ``limiter_for(settings)``),
    ``webhook_key`` the ``DIGEST_SENDGRID_WEBHOOK_KEY`` read from the environment."""
    app = FastAPI(title="digest", docs_url=None, redoc_url=None, openapi_url=None)
    csrf = Csrf(settings)
    pages = Pages(settings, csrf)
    key = webhook_key if webhook_key is not None else (settings.sendgrid_webhook_key or "")
    app.state.reader = ReaderContext(settings, pages, csrf, limiter)  # for ReaderDep (digest.web.deps)
    app.include_router(subscribers.router)
    webhooks.install(app, settings, webhooks.SignatureCheck(key or None))
    ops.install(app, settings)
    app.include_router(archive.router)
    app.include_router(redirect.router)
    app.include_router(keep.router)
    editor.install(app, EditorContext.build(settings, pages, csrf, limiter))
    app.mount("/api/v1", api.create_api(settings))
    _error_pages(app, pages)
    # Added first, so it runs inside SecurityHeaders: its 413s carry the headers too.
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, limits={"/webhooks/sendgrid": webhooks.MAX_BODY}
    )
    app.add_middleware(SecurityHeaders, https=settings.public_url.startswith("https://"))
    return app


def _error_pages(app: FastAPI, pages: Pages) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        if request.url.path.startswith(("/webhooks/", "/healthz", "/metrics")):
            return JSONResponse({"error": message}, status_code=status)
        return pages.error(request, status, title, message)

    @app.exception_handler(subs.InvalidLink)
    def invalid_link(request: Request, exc: subs.InvalidLink) -> Response:
        if exc.expired:
            return page(
                request, 403, N_("This link has expired"), N_("Use the link in a more recent email from us.")
            )
        return page(
            request,
            400,
            N_("This link is not valid"),
            N_("Please use the link exactly as it came in the email."),
        )

    @app.exception_handler(subs.UnknownSubscriber)
    def unknown_subscriber(request: Request, exc: subs.UnknownSubscriber) -> Response:
        return page(request, 404, N_("Subscription not found"), N_("This subscription no longer exists."))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        phrase = HTTPStatus(exc.status_code).phrase
        # Our own HTTPExceptions carry a sentence for the reader; Starlette's carry the phrase.
        given = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else ""
        message = given or _MESSAGES.get(exc.status_code, N_("The request could not be handled."))
        response = page(request, exc.status_code, _TITLES.get(exc.status_code, phrase), message)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return page(
            request, 400, N_("Bad request"), N_("The form was incomplete. Please go back and try again.")
        )

    def unstorable(request: Request, exc: Exception) -> Response:
        # A number or text no database takes (2^63, a lone surrogate, NUL): the caller's error.
        return page(request, 400, N_("Bad request"), as_sentence(describe(exc)))

    for error in BAD_VALUE_ERRORS:
        app.add_exception_handler(error, unstorable)
