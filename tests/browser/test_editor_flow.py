"""An editor in headless Chromium: signs in, previews the next edition, sends a breaking item
to a test list and watches the progress reach 100% (the app served by uvicorn on a thread,
tasks in-process, the outbox as the way out). Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest import config
from digest.config import Settings
from digest.models import Subscriber
from digest.pipeline import accounts as auth
from digest.ratelimit import InProcessRateLimiter
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.web import create_app
from tests.conftest import make_settings
from tests.web.conftest import add_news

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


@contextmanager
def serve(
    db_url: str, tmp_path: Path, webhook_key: str = "", **overrides: str
) -> Iterator[tuple[str, Settings]]:
    """The whole web app on 127.0.0.1 (a free port, held from the start), its public URL
    pointing at itself; ``overrides`` are more settings (the fake SendGrid's or Telegram's
    address …), ``webhook_key`` the key SendGrid's signed events are checked with."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(db_url, tmp_path, DIGEST_PUBLIC_URL=base, **overrides)
    config.override(settings)
    app = create_app(settings, limiter=InProcessRateLimiter(), webhook_key=webhook_key)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield base, settings
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        config.override(None)


def test_an_editor_signs_in_previews_sends_breaking_news_and_sees_it_reach_100_percent(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        add_news(settings, 3)
        now = datetime.now(UTC)
        with transaction(settings.database_url) as conn:
            subscriber_store.save(conn, Subscriber(email="reader@example.org", lists=("daily",)), now)
            for sub in (
                Subscriber(telegram_chat_id="@newsroom_test", lists=("test-alerts",)),
                Subscriber(telegram_chat_id="4242", lists=("test-alerts",)),
                *[Subscriber(email=f"alert{n}@example.org", lists=("test-alerts",)) for n in range(25)],
            ):
                subscriber_store.save(conn, sub, now)
        auth.add_editor(settings, "ada@example.org", "editor", PASSWORD, "test")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/admin")
            assert "/admin/login" in page.url
            page.fill("#email", "ada@example.org")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/admin")
            assert "Dashboard" in page.inner_text("h1")

            page.goto(f"{base}/admin/preview/daily")
            frame = page.frame_locator("iframe.phone")
            frame.locator("a", has_text="Story number 2 about the city council").first.wait_for()
            page.screenshot(path=str(artifacts / "editor-preview.png"), full_page=True)

            page.goto(f"{base}/admin")
            page.click("text=send as breaking >> nth=0")
            page.select_option("#list", "test-alerts")
            page.click("#preview-breaking")
            assert page.inner_text('[data-audience="total"]') == "27"
            page.frame_locator("iframe.desktop").locator("text=Read the story").wait_for()
            page.screenshot(path=str(artifacts / "editor-breaking-confirm.png"), full_page=True)

            page.click("#confirm-breaking")
            page.wait_for_url(f"{base}/admin/editions/*")
            page.wait_for_selector('[data-progress][data-finished="true"]', timeout=20_000)
            assert page.inner_text('[data-field="percent"]') == "100"
            assert page.inner_text('[data-state="sent"]') == "27"
            assert page.locator("form.stop").is_hidden()
            page.screenshot(path=str(artifacts / "editor-breaking-progress.png"), full_page=True)
        finally:
            page.close()
    edition = page.url.rsplit("/", 1)[1]
    assert (Path(settings.outbox_dir) / "telegram" / edition / "@newsroom_test-1.json").exists()
