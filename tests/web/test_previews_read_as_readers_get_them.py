"""An editor's look at an email reads as a reader's copy does: the breaking time in the
editor's own zone (UTC until they choose one) and a sample greeting, on the framed preview
and in a test send — through the pages, the real outbox and the editor's stored account."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from digest.pipeline import breaking as news_desk
from digest.pipeline import desk
from digest.store import editors as editor_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.web.conftest import add_news, csrf_token
from tests.web.test_editor_auth import sign_in

STORY = {"title": "Dam breached upstream", "url": "https://wire.example.org/dam", "list": "breaking"}
# "Tuesday, 1 December 2026, 16:05 (Kyiv)": a weekday, a date, a clock and the zone's place.
TIME_LINE = r"\w+day, \d{1,2} \w+ \d{4}, \d\d:\d\d \(PLACE\)"


def time_line(place: str) -> str:
    return TIME_LINE.replace("PLACE", re.escape(place))


@pytest.fixture(autouse=True)
def lists(settings):
    with transaction(settings.database_url) as conn:
        for name in ("breaking", "daily"):
            subscriber_store.ensure_list(conn, name, datetime.now(UTC))


def in_zone(settings, address: str, zone: str) -> None:
    with transaction(settings.database_url) as conn:
        editor = next(e for e in editor_store.all_editors(conn) if e.email == address)
    desk.set_preferences(settings, editor.id, zone, "", address)


def test_the_framed_breaking_preview_states_the_time_in_the_editors_zone(client, settings):
    address = sign_in(client, settings)
    in_zone(settings, address, "Europe/Kyiv")
    frame = client.get("/admin/breaking/email", params=STORY)
    assert frame.status_code == 200
    assert re.search(r'class="when"[^>]*>' + time_line("Kyiv") + "</p>", frame.text)
    assert "-local_time-" not in frame.text


def test_without_a_chosen_zone_the_framed_preview_states_utc(client, settings):
    sign_in(client, settings)
    frame = client.get("/admin/breaking/email", params=STORY)
    assert re.search(time_line("UTC"), frame.text), frame.text


def test_a_breaking_test_send_states_the_time_in_the_editors_zone(client, settings):
    address = sign_in(client, settings)
    in_zone(settings, address, "America/New_York")
    page = client.get("/admin/breaking")
    answer = client.post(
        "/admin/breaking/test", data={**STORY, "audiences": ["email"], "csrf_token": csrf_token(page.text)}
    )
    assert answer.status_code == 200 and f"Test sent to {address}" in answer.text
    sent = email.message_from_bytes(
        (Path(settings.outbox_dir) / "email" / "0" / "0.eml").read_bytes(), policy=policy.default
    )
    text = sent.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = sent.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert re.fullmatch(time_line("New York"), text.splitlines()[1]), text
    assert re.search(time_line("New York"), html)


def test_the_framed_digest_preview_greets_a_sample_reader(client, settings):
    add_news(settings, 3)
    sign_in(client, settings)
    frame = client.get("/admin/preview/daily/email")
    assert frame.status_code == 200
    assert re.search(r'<p class="greeting"[^>]*>Hello, Editor\.</p>', frame.text)


def test_a_sent_breaking_editions_framed_email_states_its_time_in_the_editors_zone(client, settings):
    address = sign_in(client, settings)
    in_zone(settings, address, "Asia/Tbilisi")
    news = news_desk.news_from_text(STORY["title"], STORY["url"], "")
    sent = news_desk.send_breaking(settings, news, "breaking", lambda plan: None, actor=address)
    variant = desk.edition_report(settings, sent.edition_id).variants[0].id
    frame = client.get(f"/admin/editions/{sent.edition_id}/email/{variant}")
    assert frame.status_code == 200 and re.search(time_line("Tbilisi"), frame.text), frame.text
