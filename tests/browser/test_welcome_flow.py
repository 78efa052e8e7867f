"""The whole way in and out, in headless Chromium with axe on every step: sign up, confirm from
the link in the outbox, read the welcome email the outbox then holds, follow its preferences
link, unsubscribe from its link, undo. Screenshots of each step land in ``test-artifacts/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from digest.models import SubscriberStatus
from digest.pipeline import archive
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.browser.conftest import open_page
from tests.browser.test_accessibility import _blocking
from tests.browser.test_editor_flow import serve

pytestmark = pytest.mark.slow


def the_email(outbox: Path) -> tuple[str, str, str]:
    """(subject, text, html) of the reader's one email in the outbox (one-off emails share a file)."""
    (eml,) = list((outbox / "email").rglob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=email_policy)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return str(message["Subject"]), text.get_content(), html.get_content()


def link(text: str, base: str, route: str) -> str:
    found = re.search(re.escape(base) + rf"/{route}/\S+", text)
    assert found, f"no {route} link in the email"
    return found.group(0)


def step(page: Any, artifacts: Path, name: str, problems: list[str]) -> None:
    """Axe on what the page shows now (serious and critical WCAG 2.1 AA), then a screenshot."""
    problems += [f"{name}: {v}" for v in _blocking(page)]
    page.screenshot(path=str(artifacts / f"welcome-flow-{name}.png"), full_page=True)


def test_sign_up_confirm_welcome_preferences_unsubscribe_and_undo(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    problems: list[str] = []
    with serve(db_url, tmp_path) as (base, settings):
        with transaction(settings.database_url) as conn:
            subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "The Morning Briefing")
        archive.describe(settings, "daily", "The day's news in five minutes, every morning.")
        outbox = Path(settings.outbox_dir)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, timezone_id="Europe/Kyiv", bypass_csp=True
        )
        page = context.new_page()
        try:
            page.goto(f"{base}/subscribe")
            page.fill("#email", "olena@example.org")
            page.fill("#name", "Olena Kovalenko")
            page.select_option("#send_hour", "6")
            step(page, artifacts, "1-signup", problems)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "inbox" in page.inner_text("main").lower()

            _, text, _ = the_email(outbox)
            page.goto(link(text, base, "confirm"))
            step(page, artifacts, "2-confirm", problems)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "The Morning Briefing" in page.inner_text("main")
            step(page, artifacts, "3-confirmed", problems)

            subject, text, html = the_email(outbox)
            assert subject == f"Welcome to {settings.newsroom_name}"
            assert "five minutes, every morning" in text and "06:00 (Kyiv)" in text
            for width in (600, 375):
                mail = open_page(browser, html, width=width)
                try:
                    assert "Olena" in mail.inner_text("h1") and "Kovalenko" not in mail.inner_text("body")
                    step(mail, artifacts, f"4-welcome-email-{width}", problems)
                finally:
                    mail.close()

            page.goto(link(text, base, "preferences"))
            assert page.input_value("#timezone") == "Kyiv, Ukraine"
            page.select_option("#send_hour", "8")
            page.click("form button[type=submit] >> nth=0")
            page.wait_for_load_state()
            step(page, artifacts, "5-preferences-saved", problems)
            with transaction(settings.database_url) as conn:
                sub = subscriber_store.find(conn, email="olena@example.org")
            assert sub is not None and sub.id is not None and sub.send_hour == 8

            page.goto(link(text, base, "unsubscribe"))  # the welcome's own link
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "The Morning Briefing" in page.inner_text("main")
            step(page, artifacts, "6-unsubscribed", problems)
            with transaction(settings.database_url) as conn:
                gone = subscriber_store.find(conn, email="olena@example.org")
            assert gone is not None and gone.status is SubscriberStatus.UNSUBSCRIBED

            page.click("text=Resubscribe to The Morning Briefing")
            page.wait_for_load_state()
            step(page, artifacts, "7-resubscribed", problems)
            with transaction(settings.database_url) as conn:
                back = subscriber_store.find(conn, email="olena@example.org")
            assert back is not None and back.status is SubscriberStatus.ACTIVE and back.lists == ("daily",)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
