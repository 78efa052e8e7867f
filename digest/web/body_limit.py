"""A cap on every request body, counted while it streams in: ``BodyLimit``.

Starlette reads a body whole when a route asks for it, so without a cap one request of
200 MB (with a Content-Length, or chunked without one) grows the process by as much. This
ASGI middleware answers 413 at once when the declared length is over the cap, and otherwise
counts the bytes as they arrive: the moment they pass the cap, the route's read raises an
``HTTPException(413)`` that the app's error handlers turn into a page or a JSON error, and
nothing more is read. ``DIGEST_MAX_BODY_BYTES`` is the cap; a route may have its own
(``limits``: path → bytes), such as SendGrid's webhook, whose event batches are larger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "BodyTooLarge"]

JSON_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/metrics")  # as the app's own errors


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")
        self.limit = limit


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` (or the path's own limit) with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = dict(limits or {})

    def limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, BodyTooLarge(limit))
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            if received > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:
            # Raised where no error handler caught it (outside the routes): answer it here.
            if started:
                raise
            await _refuse(scope, send, exc)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(scope: Scope, send: Send, exc: BodyTooLarge) -> None:
    if str(scope.get("path", "")).startswith(JSON_PREFIXES):
        body, kind = json.dumps({"error": exc.detail}).encode(), b"application/json"
    else:
        body = f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{exc.detail}</p>".encode()
        kind = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
