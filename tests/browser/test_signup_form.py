"""The sign-up form in headless Chromium: the reader's own zone preselected by city, a
send-hour choice, lists with their descriptions and the main one ticked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.pipeline import archive
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.browser.test_editor_flow import serve

pytestmark = pytest.mark.slow


def test_a_reader_in_kyiv_finds_their_city_chosen_and_picks_a_send_hour(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        with transaction(settings.database_url) as conn:
            subscriber_store.ensure_list(conn, "breaking", datetime.now(UTC), "Breaking news", "breaking")
            subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "The Morning Briefing")
        archive.describe(settings, "daily", "The day's news in five minutes, every morning.")
        context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="Europe/Kyiv")
        page = context.new_page()
        try:
            page.goto(f"{base}/subscribe")
            assert page.input_value("#timezone") == "Kyiv, Ukraine"
            assert page.is_checked('input[name="lists"][value="daily"]')
            assert not page.is_checked('input[name="lists"][value="breaking"]')
            assert "five minutes, every morning" in page.inner_text("form")
            page.fill("#email", "olena@example.org")
            page.select_option("#send_hour", "6")
            page.screenshot(path=str(artifacts / "reader-signup-390.png"), full_page=True)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "inbox" in page.inner_text("main").lower()
        finally:
            context.close()
        with transaction(settings.database_url) as conn:
            sub = subscriber_store.find(conn, email="olena@example.org")
        assert sub is not None and (sub.timezone, sub.send_hour) == ("Europe/Kyiv", 6)


def test_a_city_typed_by_hand_is_understood_and_an_unknown_one_is_named(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        with transaction(settings.database_url) as conn:
            subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "The Morning Briefing")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(f"{base}/subscribe")
            page.fill("#email", "taras@example.org")
            page.fill("#timezone", "Atlantis")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "unknown time zone “Atlantis”" in page.inner_text("[role=alert]")
            assert page.get_attribute("#timezone", "aria-invalid") == "true"
            page.fill("#timezone", "kyiv")
            page.click("button[type=submit]")
            page.wait_for_load_state()
        finally:
            page.close()
        with transaction(settings.database_url) as conn:
            sub = subscriber_store.find(conn, email="taras@example.org")
        assert sub is not None and sub.timezone == "Europe/Kyiv"
