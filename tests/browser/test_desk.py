"""The editors' desk in headless Chromium, clicked through as an editor would: what went out,
breaking news that tells the truth, the preview's controls, and the daily tasks without the
command line. Screenshots of the main screens at 1280 and 390 px land in ``test-artifacts/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import editor_sessions
from tests.browser.newsroom import EDITORS, HEADLINES, seed, sign_in
from tests.browser.test_editor_flow import serve

pytestmark = pytest.mark.slow

WIDTHS = (1280, 390)


def _page(browser: Any, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _shoot(page: Any, artifacts: Path, name: str) -> None:
    width = page.viewport_size["width"]
    page.screenshot(path=str(artifacts / f"desk-{name}-{width}.png"), full_page=True)


def test_the_edition_page_shows_what_went_out_to_whom_and_how_it_went(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings, suppressed=1)
        for width in WIDTHS:
            page = _page(browser, width)
            try:
                sign_in(page, base, "viewer")
                page.goto(f"{base}/admin/editions/{room.edition_id}")
                assert "Breaking: Quake shakes the coast" in page.inner_text("h1")
                assert page.inner_text('[data-field="triggered_by"]') == EDITORS["editor"]
                assert page.inner_text('[data-field="list"]') == "Breaking news (breaking)"
                page.frame_locator("iframe.phone").locator("text=Quake shakes the coast").first.wait_for()
                page.frame_locator("iframe.desktop").locator("text=Quake shakes the coast").first.wait_for()
                assert "Quake shakes the coast" in page.inner_text("[data-telegram]")
                assert page.inner_text('[data-channel-state="email:sent"]') == "12"
                assert page.inner_text('[data-channel-state="telegram:sent"]') == "1"
                # held0@ is on the suppression list: not sent, not in the total, but counted
                assert page.inner_text('[data-field="suppressed"]') == "1"
                assert "1 suppressed" in page.inner_text('[data-field="suppressed-note"]')
                assert page.inner_text('[data-field="total"]') == "13"
                link = page.locator(f'a[href$="/editions/{room.edition_id}"]', has_text="/editions/")
                assert link.count() == 1
                _shoot(page, artifacts, "edition")
            finally:
                page.close()


def test_the_dashboard_shows_editions_in_the_editors_zone_and_feeds_that_fit_their_card(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings)
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/account")
            page.select_option("#time_zone", "Asia/Kolkata")
            page.click("text=Save")
            assert page.inner_text("[role=status]") == "Saved."
            page.goto(f"{base}/admin")
            row = page.locator(f'[data-edition="{room.edition_id}"]')
            assert re.search(
                r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d IST",
                row.locator('[data-field="created"]').inner_text(),
            )
            assert row.locator('[data-field="split"]').inner_text() == "email 12 · telegram 1"
            assert row.locator("progress").get_attribute("value") == "13"
            assert "very-long-host-name." * 8 in page.locator(".feed", has_text="Broken").inner_text()
            _shoot(page, artifacts, "dashboard")
            page.set_viewport_size({"width": 390, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            nav = page.locator("header nav")
            assert nav.locator('a[aria-current="page"]').inner_text() == "Dashboard"
            _shoot(page, artifacts, "dashboard")
        finally:
            page.close()


def test_a_stopped_send_says_who_stopped_it_and_how_many_were_not_sent_and_can_resume(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        news = news_desk.news_from_text("Bridge closed", "https://wire.example.org/bridge")
        held = news_desk.send_breaking(settings, news, "breaking", lambda plan: None, actor="cms")
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/editions/{held.edition_id}")
            assert page.inner_text('[data-field="percent"]') == "0"
            page.click("text=Stop this send")
            page.wait_for_url(f"{base}/admin/editions/{held.edition_id}")
            stopped = page.inner_text('[data-field="stopped"]')
            assert re.fullmatch(rf"Stopped by {EDITORS['editor']} at .+ UTC: 0 sent, 13 not sent\.", stopped)
            assert page.inner_text('[data-field="percent"]') == "0"
            assert page.locator("progress").first.evaluate("bar => bar.value") == 0
            assert page.locator("form.stop").count() == 0
            page.click("#resume-send")  # and on second thought, it goes out after all
            page.wait_for_url(f"{base}/admin/editions/{held.edition_id}")
            page.wait_for_selector('[data-progress][data-finished="true"]', timeout=20_000)
            page.wait_for_function("document.querySelector('[data-state=sent]').textContent === '13'")
            assert page.inner_text('[data-field="percent"]') == "100"
            assert page.inner_text('[data-field="stopped"]') == ""
        finally:
            page.close()


def test_a_draft_survives_an_ended_session_and_signing_in_returns_to_it(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/breaking")
            page.check("#item-none")
            page.fill("#title", "Storm warning for the whole coast")
            page.fill("#url", "https://wire.example.org/storm")
            with transaction(settings.database_url) as conn:  # the idle limit passes
                conn.execute(editor_sessions.delete())
            page.click("#preview-breaking")
            assert "Your session ended" in page.inner_text("[role=alert]")
            assert page.url.endswith("/admin/breaking/preview")
            page.fill("#email", EDITORS["editor"])
            page.fill("#password", "correct horse battery")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/admin/breaking")
            assert page.input_value("#title") == "Storm warning for the whole coast"
            assert page.input_value("#url") == "https://wire.example.org/storm"
            page.click("#preview-breaking")
            assert "Storm warning for the whole coast" in page.inner_text("h2")
        finally:
            page.close()


def test_the_breaking_form_shows_sources_apart_searches_and_sends_a_test_to_the_editor(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/account")
            page.fill("#telegram_chat_id", "4242")
            page.click("text=Save")
            page.goto(f"{base}/admin/breaking")
            first = page.locator("ul.items li").first
            assert first.locator(".headline").inner_text() == HEADLINES[0]
            assert first.locator(".source").inner_text() == "Frontline TV"
            page.fill("#q", "number 3")
            page.click("#search-items")
            assert page.locator("ul.items li").count() == 1
            assert "1 item matching" in page.inner_text("[role=status]")
            _shoot(page, artifacts, "breaking")
            page.locator("ul.items input[type=radio]").first.check()
            page.select_option("#list", "breaking")
            page.click("#preview-breaking")
            page.click("#test-breaking")
            assert "Test sent to ed@example.org and Telegram 4242" in page.inner_text("#test-sent")
            outbox = Path(settings.outbox_dir)
            emails = [p for p in (outbox / "email").rglob("*.eml") if b"ed@example.org" in p.read_bytes()]
            assert len(emails) == 1 and b"Story number 3" in emails[0].read_bytes()
            assert list((outbox / "telegram").rglob("4242-*.json"))
        finally:
            page.close()


def test_the_preview_opens_on_the_daily_list_and_its_controls_answer_in_place(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/account")
            page.fill("#telegram_chat_id", "4343")
            page.click("text=Save")
            page.click("header nav >> text=Preview")
            page.wait_for_url(f"{base}/admin/preview/daily")
            assert page.inner_text("h1") == "Next edition of The Morning Briefing"
            sent = page.locator("#will-be-sent li.story")
            assert sent.count() >= 1
            why = sent.first.locator('[data-field="why"]').inner_text()
            assert re.match(r"\d outlets? · \d+ (h|min) old", why) and "age_hours" not in why
            story = sent.nth(1)
            key = story.get_attribute("data-story")
            story.locator("select").select_option("6")
            pin = story.locator("button", has_text="pin")
            pin.scroll_into_view_if_needed()
            with page.expect_navigation():
                pin.click()
            assert page.url.endswith(f"#story-{key}"), page.url
            said = page.inner_text(f'#story-{key} [data-field="confirmation"]')
            assert re.fullmatch(r"Pinned “.+”: pinned until (\w{3} )?\d\d:\d\d UTC\.", said)
            assert page.locator("#will-be-sent li.story").first.get_attribute("data-story") == key
            page.locator(f"#story-{key} button", has_text="exclude").click()
            moved = page.locator(f'#left-out [data-story="{key}"] [data-field="reason"]')
            assert moved.inner_text().startswith("Left out: Excluded by an editor")
            page.click("#test-preview")
            assert "Test sent to ed@example.org and Telegram 4343" in page.inner_text("#test-sent")
            outbox = Path(settings.outbox_dir)
            tested = [p for p in (outbox / "email").rglob("*.eml") if b"ed@example.org" in p.read_bytes()]
            assert len(tested) == 1 and b"[TEST]" in tested[0].read_bytes()
            assert list((outbox / "telegram").rglob("4343-*.json"))  # and to the editor's own chat
            _shoot(page, artifacts, "preview")
            page.goto(f"{base}/admin/audit")
        finally:
            page.close()


def test_feeds_are_added_edited_paused_and_removed_without_the_command_line(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.click("header nav >> text=Feeds")
            page.fill("#url", "http://10.20.30.40/rss")
            page.click("#add-feed")
            assert "points inside a private network" in page.inner_text("#feed-error")
            assert page.input_value("#url") == "http://10.20.30.40/rss"
            page.fill("#url", "http://127.0.0.1:9/local.xml")
            page.fill("#name", "Local desk")
            page.click("#add-feed")
            assert page.inner_text("[role=status]").startswith("Feed added")
            card = page.locator("li[data-feed]", has_text="Local desk")
            card.locator("summary").click()
            card.locator('input[name="weight"]').fill("2.5")
            card.locator("button", has_text="Save").click()
            assert page.inner_text("[role=status]") == "Saved."
            card = page.locator("li[data-feed]", has_text="Local desk")
            assert "weight 2.5" in card.inner_text()
            card.locator("button", has_text="pause").click()
            card = page.locator("li[data-feed]", has_text="Local desk")
            assert card.locator('[data-field="health"]').inner_text() == f"paused by {EDITORS['editor']}"
            opml = tmp_path / "feeds.opml"
            opml.write_text(
                '<opml version="2.0"><body><outline text="Two" xmlUrl="http://127.0.0.1:9/two.xml"/></body></opml>'
            )
            page.set_input_files("#opml-file", str(opml))
            page.click("#import-opml")
            assert "1 feeds imported (1 new)" in page.inner_text("[role=status]")
            _shoot(page, artifacts, "feeds")
            page.locator("li[data-feed]", has_text="Local desk").locator("button", has_text="remove").click()
            assert page.inner_text("[role=status]") == "Feed removed, with its items."
            assert page.locator("li[data-feed]", has_text="Local desk").count() == 0
        finally:
            page.close()


def test_subscribers_are_counted_filtered_edited_field_by_field_and_deleted_after_asking(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings)
        with transaction(settings.database_url) as conn:
            subscriber_store.save(
                conn, Subscriber(telegram_chat_id="5151", lists=("daily",)), datetime.now(UTC)
            )
        page = _page(browser)
        try:
            sign_in(page, base, "editor")
            page.click("header nav >> text=Subscribers")
            assert page.inner_text("#subscriber-count").startswith("15 subscribers")
            page.select_option("#f-list", "daily")
            page.select_option("#f-channel", "email")
            page.click("#filter-subscribers")
            assert page.inner_text("#subscriber-count").startswith("1 subscriber")
            page.click("text=reader@example.org")
            page.wait_for_url(f"{base}/admin/subscribers/{room.reader_id}")
            assert page.inner_text('[data-field="lists"]') == "daily"
            _shoot(page, artifacts, "subscriber")
            page.fill("#name", "Rita R.")
            page.fill("#lists", "daily; breaking")
            page.click("#save-subscriber")
            assert page.inner_text("[role=status]") == "Saved: name, lists."
            assert page.inner_text('[data-field="lists"]') == "breaking, daily"
            page.fill("#send_hour", "25")
            page.click("#save-subscriber")
            assert "Send hour" in page.inner_text("#edit-error") and "Nothing was saved" in page.inner_text(
                "#edit-error"
            )
            page.goto(f"{base}/admin/subscribers/{room.reader_id}")
            page.click("text=Delete this subscriber…")
            assert page.inner_text("h1") == "Delete reader@example.org?"
            page.click("#confirm-delete")
            page.wait_for_url(f"{base}/admin/subscribers")
            assert page.inner_text("#subscriber-count").startswith("14 subscribers")
        finally:
            page.close()


def test_the_audit_log_names_the_story_and_filters_by_editor_and_action(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    from digest.pipeline import selection

    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        selection.apply(settings, "daily", "wire-2", "bury", EDITORS["editor"])
        page = _page(browser)
        try:
            sign_in(page, base, "admin")
            page.click("header nav >> text=Audit log")
            page.select_option("#a-action", "editor.bury")
            page.click("#filter-audit")
            entries = page.locator("ul.audit li")
            assert entries.count() == 1
            assert (
                entries.first.locator('[data-field="headline"]').inner_text()
                == "Story number 2 about the city council"
            )
            page.select_option("#a-who", EDITORS["admin"])
            page.click("#filter-audit")
            assert page.inner_text("ul.audit") == "Nothing matches."
        finally:
            page.close()
