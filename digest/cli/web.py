"""``digest web``: serve the subscriber pages, the provider webhooks and the health checks."""

from __future__ import annotations

import typer

from digest.cli import context


def web(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the web app (unsubscribe, preferences, sign-up, webhooks, /healthz, /metrics)."""
    import uvicorn

    from digest.web import create_app

    settings = context.settings()
    # proxy_headers: behind a reverse proxy on this host, the client's address (used by the
    # sign-up rate limit) comes from X-Forwarded-For; uvicorn trusts it from 127.0.0.1 only.
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, log_level="info")
