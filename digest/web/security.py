"""Security for every response: headers, CSRF tokens, and error pages without internals.

``SecurityHeaders`` is an ASGI middleware. It gives each request a CSP nonce (the pages'
one ``<style>`` block carries it, so no inline style or script is otherwise allowed),
adds the headers to every response, and turns an unhandled exception into a plain 500
page, logged with its traceback but never shown.

CSRF: a signed double-submit cookie. The cookie holds a random nonce; each form carries
HMAC(secret, nonce). A cross-site page can neither read the cookie nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from fastapi import HTTPException, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest.config import Settings
from digest.i18n import N_

__all__ = ["CSRF_FIELD", "Csrf", "SecurityHeaders", "page_csp"]

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
EDITION_CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def page_csp(nonce: str) -> str:
    """The policy of our own pages: same-origin only, plus the nonce'd style and script blocks."""
    return (
        f"default-src 'self'; style-src 'self' 'nonce-{nonce}'; script-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Adds the security headers to every response; a route may set its own CSP first."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._add_headers(MutableHeaders(scope=message), nonce)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await self._server_error(send_with_headers)

    def _add_headers(self, headers: MutableHeaders, nonce: str) -> None:
        headers.setdefault("Content-Security-Policy", page_csp(nonce))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Our URLs carry signed tokens: never hand them to another site in a Referer.
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cache-Control", "no-store")
        if self.https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    @staticmethod
    async def _server_error(send: Send) -> None:
        body = (
            b"<!doctype html><title>Error</title><h1>Something went wrong</h1><p>Please try again later.</p>"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class Csrf:
    """Issues and checks the double-submit CSRF token of our forms."""

    def __init__(self, settings: Settings) -> None:
        self._key = hmac.new(settings.signing_key(), b"digest-csrf", hashlib.sha256).digest()
        self.secure = settings.public_url.startswith("https://")
        # "__Host-" cookies must be Secure, path /, no domain: no subdomain can plant one.
        self.cookie = "__Host-digest_csrf" if self.secure else "digest_csrf"

    def _mac(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    def token(self, request: Request) -> tuple[str, str]:
        """(nonce for the cookie, token for the form); the request's nonce is reused."""
        nonce = request.cookies.get(self.cookie, "")
        if not (20 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum()):
            nonce = secrets.token_urlsafe(32)
        return nonce, self._mac(nonce)

    def set_cookie(self, response: Response, nonce: str) -> None:
        response.set_cookie(
            self.cookie, nonce, httponly=True, secure=self.secure, samesite="strict", path="/"
        )

    def check(self, request: Request, token: str | None) -> None:
        """Raise 403 unless the form's token matches the cookie's nonce."""
        nonce = request.cookies.get(self.cookie)
        if not nonce or not token or not hmac.compare_digest(self._mac(nonce), token):
            raise HTTPException(
                403, N_("The form has expired or did not come from this site. Please reload it.")
            )


def client_address(request: Request) -> str:
    """The client's IP (uvicorn's --proxy-headers put the real one here behind a proxy)."""
    return request.client.host if request.client else "unknown"


def nonce_of(request: Request) -> str:
    state: Any = request.state
    return str(getattr(state, "csp_nonce", ""))
