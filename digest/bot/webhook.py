"""Webhook mode: Telegram POSTs each update to our URL; this ASGI app receives it.

At start the app registers the webhook (``setWebhook`` with the URL and the secret) and the
command menu. Every call must carry the secret in ``X-Telegram-Bot-Api-Secret-Token``
(``DIGEST_TELEGRAM_WEBHOOK_SECRET``); others get 403, so nobody but Telegram can feed the
bot updates. An update is handled before the response goes back: Telegram waits for our
200 and does not send it again, even when a handler failed (the error handler has
already answered the reader).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from digest.bot.app import ALLOWED_UPDATES, BotApplication, build_application, setup_menu
from digest.config import Settings
from digest.errors import ConfigError
from digest.web.body_limit import BodyLimit

__all__ = ["SECRET_HEADER", "webhook_app"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few KB


def webhook_app(settings: Settings, url: str, application: BotApplication | None = None) -> Starlette:
    """The app serving ``url``'s path; ``application`` defaults to the bot of ``settings``."""
    secret = settings.telegram_webhook_secret
    if not secret:
        raise ConfigError("DIGEST_TELEGRAM_WEBHOOK_SECRET", "required when the bot runs with a webhook")
    bot_app = application or build_application(settings, polling=False)
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("bot webhook: a call without the right secret was refused")
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        update = _update(body, bot_app)
        if update is None:
            return JSONResponse({"error": "not a Telegram update"}, status_code=400)
        await bot_app.process_update(update)
        return Response(status_code=200)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with bot_app:  # initialize … shutdown
            await bot_app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            await setup_menu(bot_app)
            await bot_app.start()
            try:
                yield
            finally:
                await bot_app.stop()
        if bot_app.post_shutdown is not None:  # run_polling calls it; here it is ours to call
            await bot_app.post_shutdown(bot_app)

    path = urlsplit(url).path or "/"
    return Starlette(
        routes=[Route(path, receive, methods=["POST"])],
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit, max_bytes=MAX_BODY)],  # counted as it streams in
    )


def _update(body: bytes, bot_app: BotApplication) -> Update | None:
    try:
        data = json.loads(body)
        return Update.de_json(data, bot_app.bot) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError):
        return None
