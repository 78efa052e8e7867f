"""Detaching a list's Telegram channel over HTTP: asked first, audited, bad input in words
(404s naming what was wrong), the channel's other lists kept and no more editions for it."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

from digest import pipeline
from digest.channels.telegram_rights import PostingRights
from digest.pipeline import list_channels
from digest.store import subscribers as subscriber_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from tests.integration.population import fresh_items
from tests.web.conftest import csrf_token
from tests.web.test_editor_auth import sign_in


def _telegram_says_yes(_token: str | None, _url: str, chat: str) -> PostingRights:
    return PostingRights(chat, "City desk", "channel", "administrator")


def _attach(settings, list_name: str, chat: str) -> None:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, list_name, datetime.now(UTC), list_name.title())
    list_channels.attach_channel(settings, list_name, chat, "setup", check=_telegram_says_yes)


def test_detaching_asks_first_then_stops_the_lists_editions_and_is_audited(client, settings):
    _attach(settings, "daily", "@city_desk")
    _attach(settings, "evening", "@city_desk")
    sign_in(client, settings, "admin")
    listed = client.get("/admin/lists/daily")
    assert 'href="/admin/lists/daily/detach?chat=%40city_desk"' in listed.text
    asked = client.get("/admin/lists/daily/detach", params={"chat": "@city_desk"})
    assert asked.status_code == 200 and "Detach @city_desk from" in asked.text
    token = csrf_token(asked.text)
    unconfirmed = client.post("/admin/lists/daily/detach", data={"chat": "@city_desk", "csrf_token": token})
    assert unconfirmed.status_code == 200 and 'id="confirm-detach"' in unconfirmed.text  # asks again
    assert [c.chat_id for c in list_channels.attached_channels(settings, "daily")] == ["@city_desk"]
    token = csrf_token(unconfirmed.text)
    done = client.post(
        "/admin/lists/daily/detach",
        data={"chat": "@city_desk", "confirm": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/lists/daily?detached=%40city_desk"
    shown = client.get(done.headers["location"]).text
    assert "Detached @city_desk: it gets no more editions of this list." in shown
    assert list_channels.attached_channels(settings, "daily") == []
    assert [c.chat_id for c in list_channels.attached_channels(settings, "evening")] == ["@city_desk"]
    fresh_items(settings.database_url)
    assert pipeline.plan_send("daily", settings, manual=True).deliveries == 0
    with transaction(settings.database_url) as conn:
        entries = [e for e in audit_entries(conn) if e.action == "list.channel.detach"]
    assert [(e.target, e.details) for e in entries] == [("daily", {"chat": "@city_desk"})]


def test_detaching_what_is_not_attached_says_so_and_changes_nothing(client, settings):
    _attach(settings, "daily", "@city_desk")
    sign_in(client, settings, "admin")
    missing = client.get("/admin/lists/daily/detach", params={"chat": "@other_room"})
    assert missing.status_code == 404 and "'@other_room' is not attached to 'daily'" in unescape(missing.text)
    assert client.get("/admin/lists/nope/detach", params={"chat": "@city_desk"}).status_code == 404
    token = csrf_token(client.get("/admin/lists/daily").text)
    posted = client.post(
        "/admin/lists/daily/detach", data={"chat": "@other_room", "confirm": "yes", "csrf_token": token}
    )
    assert posted.status_code == 404 and "is not attached to" in posted.text
    forged = client.post("/admin/lists/daily/detach", data={"chat": "@city_desk", "confirm": "yes"})
    assert forged.status_code == 403  # no CSRF token: nothing happens
    crafted = client.get("/admin/lists/daily", params={"detached": "<b>@city_desk</b>"}).text
    assert "Detached" not in crafted and "<b>@city_desk" not in crafted
    assert [c.chat_id for c in list_channels.attached_channels(settings, "daily")] == ["@city_desk"]


def test_an_editor_who_is_not_an_admin_cannot_detach(client, settings):
    _attach(settings, "daily", "@city_desk")
    sign_in(client, settings, "editor")
    assert client.get("/admin/lists/daily/detach", params={"chat": "@city_desk"}).status_code == 403
    assert [c.chat_id for c in list_channels.attached_channels(settings, "daily")] == ["@city_desk"]
