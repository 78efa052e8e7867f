"""``digest bot``: run the Telegram bot, by long polling or behind a webhook."""

from __future__ import annotations

from urllib.parse import urlsplit

import typer

from digest.cli import context
from digest.errors import ConfigError


def bot(
    webhook_url: str = typer.Option(
        "", "--webhook-url", help="Public HTTPS URL Telegram should POST updates to (default: polling)."
    ),
    listen: str = typer.Option("127.0.0.1", "--listen", help="Address the webhook server listens on."),
    port: int = typer.Option(8443, "--port", help="Port the webhook server listens on."),
) -> None:
    """Run the Telegram bot (/start, /topics, /time, /last, /stop and the Unsubscribe button)."""
    settings = context.settings()
    from digest.bot import run_polling, webhook_app

    try:
        if not webhook_url:
            context.console.print("bot: polling Telegram for updates (Ctrl-C stops)")
            run_polling(settings)
            return
        if urlsplit(webhook_url).scheme != "https":
            raise context.fail("--webhook-url must be an https:// URL (Telegram calls only those)", 2)
        app = webhook_app(settings, webhook_url)
    except ConfigError as exc:
        raise context.fail(f"configuration error: {exc}", 2) from None
    import uvicorn

    uvicorn.run(app, host=listen, port=port, log_level="info")
