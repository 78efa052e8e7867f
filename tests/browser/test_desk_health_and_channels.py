"""The desk's remaining flows in headless Chromium, clicked through as an editor would:
attach a Telegram channel to a list (Telegram asked first), feed health that tells the
truth, a reader's consent, retrying failed deliveries until they are sent, and progress
counted per channel. axe runs inside each page; screenshots land in ``test-artifacts/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from digest.models import FeedSpec
from digest.pipeline import list_channels
from digest.store import feeds as feed_store
from digest.store.db import transaction
from tests.browser.newsroom import seed, sign_in
from tests.browser.test_accessibility import _blocking, _overflow
from tests.browser.test_editor_flow import serve
from tests.fakes.sendgrid_server import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.slow

TOKEN = "777001:desk-check-token"


def _page(browser: Any, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _checked(page: Any, artifacts: Path, name: str) -> None:
    """No serious or critical axe violation, no sideways scrolling; a screenshot."""
    assert _blocking(page) == []
    assert _overflow(page) <= 0
    width = page.viewport_size["width"]
    page.screenshot(path=str(artifacts / f"desk-{name}-{width}.png"), full_page=True)


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    with FakeTelegram(token=TOKEN) as server:
        yield server


def test_an_admin_attaches_a_telegram_channel_once_telegram_says_the_bot_may_post(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path, telegram: FakeTelegram
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    telegram.set_member("@not_our_admin", "member")
    telegram.forget("@no_such_room")
    overrides = {"TELEGRAM_BOT_TOKEN": TOKEN, "DIGEST_TELEGRAM_API_URL": telegram.base_url}
    with serve(db_url, tmp_path, **overrides) as (base, settings):
        seed(settings)
        for width in (1280, 390):
            page = _page(browser, width)
            try:
                sign_in(page, base, "admin")
                page.goto(f"{base}/admin/lists/daily")
                before = page.inner_text("#attached-channels")
                # The phone pass sees what the desktop pass attached; attaching again is harmless.
                assert ("No Telegram channel is attached" in before) == (width == 1280), before
                page.fill("#channel", "@not_our_admin")
                page.click("#attach-channel")
                said = page.inner_text("#channel-error")
                assert said == "Not attached: the bot is not an admin of @not_our_admin."
                assert page.input_value("#channel") == "@not_our_admin"
                _checked(page, artifacts, "list-channel-refused")
                page.fill("#channel", "@no_such_room")
                page.click("#attach-channel")
                refused = page.inner_text("#channel-error")
                assert refused.startswith("Not attached: no such chat: @no_such_room")
                page.fill("#channel", "https://t.me/city_desk")
                page.click("#attach-channel")
                page.wait_for_url(re.compile(r".*/admin/lists/daily\?attached="))
                assert page.inner_text("[role=status]") == "Attached @city_desk: the bot may post there."
                card = page.locator('#attached-channels li[data-channel="@city_desk"]')
                assert "gets every edition as one post" in card.inner_text()
                _checked(page, artifacts, "list-channel-attached")
            finally:
                page.context.close()
    asked = [(r.method.lower(), r.chat_id) for r in telegram.requests if r.method.lower() != "getme"]
    assert ("getchatmember", "@city_desk") in asked and ("getchat", "@not_our_admin") in asked


def test_an_admin_detaches_a_telegram_channel_after_saying_yes_and_the_audit_log_names_it(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path, telegram: FakeTelegram
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    overrides = {"TELEGRAM_BOT_TOKEN": TOKEN, "DIGEST_TELEGRAM_API_URL": telegram.base_url}
    with serve(db_url, tmp_path, **overrides) as (base, settings):
        seed(settings)
        for width, chat in ((1280, "@city_desk"), (390, "@night_desk")):
            page = _page(browser, width)
            try:
                sign_in(page, base, "admin")
                page.goto(f"{base}/admin/lists/daily")
                page.fill("#channel", chat)
                page.click("#attach-channel")
                page.wait_for_url(re.compile(r".*\?attached="))
                page.click(f'[data-detach="{chat}"]')
                assert page.inner_text("h1") == f"Detach {chat} from The Morning Briefing?"
                _checked(page, artifacts, "list-channel-detach")
                page.click("text=No, keep posting there")  # asked first: saying no keeps it
                page.wait_for_url(f"{base}/admin/lists/daily")
                assert page.locator(f'#attached-channels li[data-channel="{chat}"]').count() == 1
                page.click(f'[data-detach="{chat}"]')
                page.click("#confirm-detach")
                page.wait_for_url(re.compile(r".*\?detached="))
                said = page.inner_text("[role=status]")
                assert said == f"Detached {chat}: it gets no more editions of this list."
                assert page.locator(f'#attached-channels li[data-channel="{chat}"]').count() == 0
                _checked(page, artifacts, "list-channel-detached")
                page.goto(f"{base}/admin/audit?action=list.channel.detach")
                entry = page.locator('li[data-action="list.channel.detach"]', has_text=chat)
                assert entry.count() == 1 and "by ada@example.org on daily" in entry.inner_text()
            finally:
                page.context.close()
        assert list_channels.attached_channels(settings, "daily") == []


def test_an_admin_edits_a_lists_title_description_kind_and_sections_changing_only_those(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser, 390)
        try:
            sign_in(page, base, "admin")
            page.goto(f"{base}/admin/lists")
            page.click('a[href="/admin/lists/daily"]')
            page.fill("#title", "Morning Briefing")
            page.fill("#description", "The five stories the city talks about, <b>before</b> 7 am.")
            page.fill("#sections", "analysis:2, news:4")
            page.click("#save-list")
            page.wait_for_url(re.compile(r".*/admin/lists/daily\?saved="))
            assert page.inner_text("[role=status]") == "Saved: description, sections, title."
            assert page.input_value("#sections") == "analysis:2,news:4"  # in edition order
            _checked(page, artifacts, "list-settings")
            page.fill("#sections", "news:many")
            page.click("#save-list")
            error = page.inner_text("#list-error")
            assert error.startswith("Nothing was saved. Sections:"), error
            page.goto(f"{base}/admin/lists/daily")
            page.select_option("#kind", "breaking")
            page.click("#save-list")
            assert page.inner_text("[role=status]") == "Saved: kind."  # the rest was sent unchanged
            assert page.input_value("#sections") == "analysis:2,news:4"
            assert page.input_value("#title") == "Morning Briefing"
            page.goto(f"{base}/subscribe")
            hint = page.locator(".hint", has_text="The five stories").inner_text()
            assert hint == "The five stories the city talks about, <b>before</b> 7 am."  # text, not markup
        finally:
            page.context.close()


def test_feed_health_shows_the_last_success_apart_from_the_last_error_and_the_next_fetch(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        worked = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        failed = worked + timedelta(hours=3)
        error = "HTTP 502 from the wire's server: " + " ".join(["the upstream proxy gave up."] * 6)
        with transaction(settings.database_url) as conn:
            wire, _ = feed_store.add(conn, FeedSpec("https://wire.example.org/rss", "Wire"), worked)
            feed_store.record_success(
                conn, wire.id, now=worked, next_fetch_at=worked, etag=None, last_modified=None
            )
            later = failed + timedelta(minutes=20)
            feed_store.record_error(conn, wire.id, now=failed, next_fetch_at=later, error=error)
        for where, card_selector in (("/admin/feeds", "li[data-feed]"), ("/admin", "li.feed")):
            page = _page(browser, 390)
            try:
                sign_in(page, base, "editor")
                page.goto(base + where)
                card = page.locator(card_selector, has_text="Wire")
                shown = {
                    name: card.locator(f'[data-field="{name}"]').inner_text()
                    for name in ("last-success", "last-attempt", "next-fetch", "last-error")
                }
                assert shown == {
                    "last-success": "Mon 30 Nov 2026, 08:00 UTC",
                    "last-attempt": "Mon 30 Nov 2026, 11:00 UTC",
                    "next-fetch": "Mon 30 Nov 2026, 11:20 UTC",
                    "last-error": error,
                }
                fresh = page.locator(card_selector, has_text="Frontline TV")  # registered, never fetched
                assert "not fetched yet" in fresh.inner_text() and "healthy" not in fresh.inner_text()
                broken = page.locator(card_selector, has_text="Broken")
                assert broken.locator('[data-field="last-success"]').inner_text() == "never"
                assert "very-long-host-name." * 8 in broken.locator('[data-field="last-error"]').inner_text()
                _checked(page, artifacts, "feed-health" + where.replace("/", "-"))
            finally:
                page.context.close()


def test_a_readers_page_says_how_and_when_they_signed_up_and_confirmed(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    with serve(db_url, tmp_path) as (base, settings):
        seed(settings)
        page = _page(browser, 390)
        try:
            page.goto(f"{base}/subscribe")
            page.fill("#email", "olena@example.org")
            page.check('input[name="lists"][value="daily"]')
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(_confirmation_link(Path(settings.outbox_dir), base, "olena@example.org"))
            page.click("button[type=submit]")
            page.wait_for_load_state()
            sign_in(page, base, "editor")
            page.goto(f"{base}/admin/subscribers?q=olena")
            page.click("text=olena@example.org")
            consent = page.locator('[data-field="consent"] li')
            assert consent.count() == 2
            when = r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC"
            assert re.fullmatch(f"signed up by web form, {when}", consent.nth(0).inner_text())
            assert consent.nth(1).inner_text().startswith("confirmed by email link, ")
            _checked(page, artifacts, "subscriber-consent")
        finally:
            page.context.close()


def _confirmation_link(outbox: Path, base: str, address: str) -> str:
    (eml,) = [p for p in (outbox / "email").rglob("*.eml") if address.encode() in p.read_bytes()]
    body = message_from_bytes(eml.read_bytes(), policy=email_policy).get_body(("plain",))
    assert body is not None
    found = re.search(re.escape(base) + r"/confirm/\S+", body.get_content())
    assert found, "no confirmation link in the email"
    return found.group(0)


def test_failed_deliveries_are_retried_from_the_edition_page_until_they_are_sent(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    with FakeSendGrid(api_key="SG.desk-retry") as sendgrid:
        overrides = {
            "DIGEST_EMAIL_CHANNEL": "sendgrid",
            "SENDGRID_API_KEY": "SG.desk-retry",
            "DIGEST_SENDGRID_API_URL": sendgrid.url,
        }
        with serve(db_url, tmp_path, **overrides) as (base, settings):
            sendgrid.script(400)  # SendGrid refuses the first request of the breaking send
            room = seed(settings)
            page = _page(browser, 1280)
            try:
                sign_in(page, base, "editor")
                page.goto(f"{base}/admin/editions/{room.edition_id}")
                page.wait_for_selector('[data-progress][data-finished="true"]')
                failed = int(page.inner_text('[data-state="failed"]'))
                assert failed == 10  # the first, small email batch
                assert page.inner_text('[data-channel-done="telegram"]') == "1"
                assert page.inner_text('[data-channel-done="email"]') == "12"
                assert page.inner_text('[data-state="sent"]') == "3"
                _checked(page, artifacts, "edition-failed")
                page.click("#retry-failed")
                page.wait_for_url(f"{base}/admin/editions/{room.edition_id}")
                page.wait_for_function("document.querySelector('[data-state=sent]').textContent === '13'")
                assert page.inner_text('[data-state="failed"]') == "0"
                by_channel = page.inner_text('[data-field="by-channel"]')
                assert by_channel == "Telegram 1 of 1 · email 12 of 12"
                assert page.inner_text('[data-field="percent"]') == "100"
                assert page.locator("#retry-failed").count() == 0
                _checked(page, artifacts, "edition-retried")
            finally:
                page.context.close()
        counts = sendgrid.recipient_counts()
        assert sorted(counts.values()) == [1] * 12  # every email once, none twice
