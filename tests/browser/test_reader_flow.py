"""A reader in headless Chromium: signs up, confirms from the email in the outbox, changes
topics, and unsubscribes with one click. Screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from digest.models import SubscriberStatus
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.browser.test_editor_flow import serve
from tests.web.conftest import preferences_path, unsubscribe_path

pytestmark = pytest.mark.slow


def confirmation_link(outbox: Path, base: str) -> str:
    (eml,) = list((outbox / "email").rglob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=email_policy)
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(re.escape(base) + r"/confirm/\S+", body.get_content())
    assert found, "no confirmation link in the email"
    return found.group(0)


def test_a_reader_signs_up_confirms_changes_topics_and_unsubscribes_with_one_click(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        with transaction(settings.database_url) as conn:
            subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "The Morning Briefing")
        page = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            page.goto(f"{base}/subscribe")
            page.fill("#email", "olena@example.org")
            page.check('input[name="lists"][value="daily"]')
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "inbox" in page.inner_text("main").lower()

            page.goto(confirmation_link(Path(settings.outbox_dir), base))
            assert "Confirm" in page.inner_text("h1"), "the link alone confirms nothing"
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "You are subscribed" in page.inner_text("h1")
            with transaction(settings.database_url) as conn:
                sub = subscriber_store.find(conn, email="olena@example.org")
            assert sub is not None and sub.status is SubscriberStatus.ACTIVE and sub.id is not None

            page.goto(base + preferences_path(settings, sub.id))
            page.check('input[name="topics"] >> nth=0')
            chosen = page.get_attribute('input[name="topics"] >> nth=0', "value")
            page.fill("#more_topics", "chess")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.screenshot(path=str(artifacts / "reader-preferences.png"), full_page=True)
            with transaction(settings.database_url) as conn:
                changed = subscriber_store.find(conn, email="olena@example.org")
            assert changed is not None and set(changed.topics) == {chosen, "chess"}

            page.goto(base + unsubscribe_path(settings, sub.id))
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.screenshot(path=str(artifacts / "reader-unsubscribed.png"), full_page=True)
            with transaction(settings.database_url) as conn:
                gone = subscriber_store.find(conn, email="olena@example.org")
            assert gone is not None and gone.status is SubscriberStatus.UNSUBSCRIBED
        finally:
            page.close()
