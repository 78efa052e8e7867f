"""The small things of issue 14's "usable by everyone", each checked in Chromium: `/` leads to
a page, there is a favicon, controls are at least 24 px (axe's WCAG 2.2 ``target-size`` rule,
with its spacing exceptions), progress and form errors are announced, and "… or write the
story" sits with the fields it belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.newsroom import seed, sign_in
from tests.browser.test_editor_flow import serve

pytestmark = pytest.mark.slow

# The editor's main screens ({edition} filled in); the sweep covers every page for WCAG 2.1.
MAIN_SCREENS = (
    "/admin",
    "/admin/editions/{edition}",
    "/admin/breaking",
    "/admin/preview/daily",
    "/admin/subscribers",
    "/admin/feeds",
    "/admin/lists",
    "/admin/lists/daily",
    "/admin/audit",
    "/admin/account",
)


def test_the_root_leads_to_the_sign_up_page_and_there_is_a_favicon(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        try:
            answer = page.goto(base + "/")
            assert answer is not None and answer.status == 200
            assert page.url == base + "/subscribe"
            assert page.locator("form input[type=email]").count() == 1
            icon = page.request.get(base + "/favicon.ico")
            assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
            assert len(icon.body()) > 0
        finally:
            page.close()


def test_every_control_on_the_main_screens_is_at_least_24_px(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    from axe_playwright_python.sync_playwright import Axe

    problems: list[str] = []
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings)
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            try:
                sign_in(page, base, "admin")
                for path in MAIN_SCREENS:
                    page.goto(base + path.format(edition=room.edition_id))
                    found = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["target-size"]}})
                    ran = {r["id"] for kind in ("passes", "violations") for r in found.response[kind]}
                    assert "target-size" in ran, f"axe did not check target sizes on {path}"
                    for v in found.response["violations"]:
                        targets = "; ".join(n["target"][0] for n in v["nodes"][:3])
                        problems.append(f"{path} at {width}px: {targets}")
            finally:
                page.close()
    assert not problems, "\n".join(problems)


def test_progress_and_form_errors_are_announced_to_screen_readers(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/editions/{room.edition_id}")
            live = page.locator('[data-progress] [role="status"]')
            assert live.count() == 1 and "%" in live.inner_text()
            page.goto(f"{base}/admin/feeds")
            page.fill("#url", "http://10.20.30.40/rss")
            page.click("#add-feed")
            assert page.get_attribute("#feed-error", "role") == "alert"
            page.goto(f"{base}/admin/subscribers/{room.reader_id}")
            page.fill("#send_hour", "25")
            page.click("#save-subscriber")
            assert page.get_attribute("#edit-error", "role") == "alert"
        finally:
            page.close()


def test_or_write_the_story_sits_with_the_fields_it_belongs_to(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/breaking")
            written = page.locator('section[aria-labelledby="write-heading"]')
            assert written.locator("h2").inner_text() == "… or write the story"
            assert written.locator("#title").count() == 1 and written.locator("#url").count() == 1
            assert written.locator("ul.items").count() == 0  # the feeds' items are another section
            heading = written.locator("h2").bounding_box()
            field = written.locator("#title").bounding_box()
            assert heading and field and 0 < field["y"] - heading["y"] < 200  # right above its fields
        finally:
            page.close()


def test_subscribers_page_by_page_filter_by_status_and_date_and_a_reader_shows_what_was_sent(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from digest.models import Subscriber, SubscriberStatus
    from digest.store import subscribers as subscriber_store
    from digest.store.db import transaction

    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)  # 14 readers; the breaking edition went to r0 … r11 and one chat
        now = datetime.now(UTC)
        with transaction(settings.database_url) as conn:
            for n in range(40):
                gone = SubscriberStatus.UNSUBSCRIBED if n % 4 == 0 else SubscriberStatus.ACTIVE
                subscriber_store.save(conn, Subscriber(email=f"p{n}@example.org", status=gone), now)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        try:
            sign_in(page, base, "admin")
            page.goto(f"{base}/admin/subscribers")
            assert page.inner_text("#subscriber-count") == "54 subscribers · page 1 of 2"
            assert page.locator("ul.readers li[data-subscriber]").count() == 50
            page.click("#next-page")
            assert page.inner_text("#subscriber-count") == "54 subscribers · page 2 of 2"
            assert page.locator("ul.readers li[data-subscriber]").count() == 4
            page.goto(f"{base}/admin/subscribers")
            page.select_option("#f-status", "unsubscribed")
            page.click("#filter-subscribers")
            assert page.inner_text("#subscriber-count").startswith("10 subscribers")
            page.fill("#f-since", (now + timedelta(days=1)).date().isoformat())
            page.click("#filter-subscribers")
            assert page.inner_text("#subscriber-count").startswith("0 subscribers")
            page.goto(f"{base}/admin/subscribers?q=r0%40example.org")
            page.click("text=r0@example.org")
            assert page.inner_text('[data-field="lists"]') == "breaking"
            assert page.inner_text('[data-field="topics"]') == "all"
            assert page.inner_text('[data-field="schedule"]') == "daily at 7:00, UTC"
            (row,) = page.locator('section[aria-labelledby="history-heading"] tbody tr').all()
            assert "Quake shakes the coast" in row.inner_text()
            assert row.locator('[data-state="sent"]').inner_text() == "sent"
            page.goto(f"{base}/admin/audit")
            page.fill("#a-since", (now + timedelta(days=1)).date().isoformat())
            page.click("#filter-audit")
            assert page.inner_text("ul.audit") == "Nothing matches."
        finally:
            page.close()


def test_boost_and_bury_answer_with_a_confirmation_and_stay_in_place(
    browser: Any, db_url: str, tmp_path: Path
) -> None:
    import re

    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        try:
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/preview/daily")
            for action, said in (("boost", "Boosted"), ("bury", "Buried")):
                story = page.locator("#will-be-sent li.story").nth(1)
                key = story.get_attribute("data-story")
                with page.expect_navigation():
                    story.locator("button", has_text=action).click()
                assert page.url.endswith(f"#story-{key}"), page.url
                confirmation = page.inner_text(f'#story-{key} [data-field="confirmation"]')
                assert re.match(rf"{said} “.+”", confirmation), confirmation
                assert page.get_attribute(f'#story-{key} [data-field="confirmation"]', "role") == "status"
        finally:
            page.close()
