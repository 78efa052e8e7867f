"""Issue 11: what readers and editors entrust to digest is never lost or corrupted — through
the sign-up and preferences pages, the editor's subscriber form, CSV upload and the API."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import select

from digest import links, pipeline
from digest.models import Subscriber
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import lists as lists_table
from tests.web.conftest import add_news, add_subscriber, csrf_token, find, preferences_path
from tests.web.test_api import token_for
from tests.web.test_editor_auth import form_token, sign_in

NOW = datetime(2026, 11, 30, 7, tzinfo=UTC)
BREAK = "Olena\r\nBcc: everyone@example.org"


def olena(settings) -> int:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", NOW)
        subscriber_store.ensure_list(conn, "breaking", NOW)
        reader = Subscriber(
            email="olena@example.org",
            telegram_chat_id="12345",
            name="Olena",
            timezone="Europe/Kyiv",
            send_hour=8,
            topics=("news",),
            lists=("daily",),
        )
        return subscriber_store.save(conn, reader, NOW)[0]


def list_names(settings) -> set[str]:
    with transaction(settings.database_url) as conn:
        return set(conn.execute(select(lists_table.c.name)).scalars())


# --- control characters ---------------------------------------------------------------


def test_a_sign_up_with_a_line_break_in_the_name_is_refused_naming_the_field(client, settings):
    add_subscriber(settings, "someone@example.org")
    token = csrf_token(client.get("/subscribe").text)
    data = {
        "csrf_token": token,
        "email": "new@example.org",
        "name": BREAK,
        "timezone": "UTC",
        "lists": ["daily"],
    }
    response = client.post("/subscribe", data=data)
    assert response.status_code == 400 and "name" in response.text and "control character" in response.text
    assert find(settings, "new@example.org") is None


def test_the_preferences_page_refuses_a_name_with_a_control_character(client, settings):
    sub_id = olena(settings)
    path = preferences_path(settings, sub_id)
    data = {
        "csrf_token": csrf_token(client.get(path).text),
        "name": "Ol\x1bena",
        "lists": ["daily"],
        "frequency": "daily",
        "send_hour": "8",
        "timezone": "Europe/Kyiv",
    }
    response = client.post(path, data=data)
    assert response.status_code == 400 and "name" in response.text
    assert find(settings, "olena@example.org").name == "Olena"


def test_the_editors_form_and_the_api_refuse_a_name_with_a_line_break(client, settings):
    olena(settings)
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    form = client.post(
        "/admin/subscribers", data={"email": "x@example.org", "name": BREAK, "csrf_token": token}
    )
    assert form.status_code == 400 and "name: contains a control character" in form.text
    api = client.post(
        "/api/v1/subscribers",
        json={"email": "y@example.org", "name": BREAK},
        headers=token_for(settings, "editor"),
    )
    assert api.status_code == 400 and "name" in api.json()["error"]
    assert find(settings, "x@example.org") is None and find(settings, "y@example.org") is None


# --- an update changes only what it was given ------------------------------------------


def test_the_editors_form_changes_only_the_fields_filled_in(client, settings):
    olena(settings)
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    saved = client.post(
        "/admin/subscribers",
        data={"email": "olena@example.org", "topics": "analysis;culture", "csrf_token": token},
    )
    assert saved.status_code == 200, saved.text
    sub = find(settings, "olena@example.org")
    assert sub.topics == ("analysis", "culture")
    assert (sub.name, sub.telegram_chat_id, sub.timezone, sub.send_hour) == (
        "Olena",
        "12345",
        "Europe/Kyiv",
        8,
    )
    assert sub.lists == ("daily",)


def test_the_api_changes_only_the_fields_the_body_gives(client, settings):
    olena(settings)
    answer = client.post(
        "/api/v1/subscribers",
        json={"email": "olena@example.org", "topics": ["video"]},
        headers=token_for(settings, "editor"),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["topics"] == ["video"] and body["name"] == "Olena" and body["telegram_chat_id"] == "12345"
    assert body["timezone"] == "Europe/Kyiv" and body["lists"] == ["daily"]


def test_an_upload_that_changes_known_readers_says_how_many_and_which(client, settings):
    olena(settings)
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    csv_text = (
        "email,telegram_chat_id,name,timezone,send_hour,topics,lists\n"
        "olena@example.org,,,,,video,\nnew@example.org,,New,UTC,7,,daily\n"
    )
    answer = client.post(
        "/admin/subscribers/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", io.BytesIO(csv_text.encode()), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "2 subscribers imported (1 new, 1 updated: olena@example.org)" in answer.text
    sub = find(settings, "olena@example.org")
    assert sub.topics == ("video",) and sub.name == "Olena" and sub.telegram_chat_id == "12345"


# --- lists: one rule, made by admins only ----------------------------------------------


def test_the_api_does_not_create_an_unknown_list_it_names_it_in_a_400(client, settings):
    olena(settings)
    answer = client.post(
        "/api/v1/subscribers",
        json={"email": "a@example.org", "lists": ["free-crypto"]},
        headers=token_for(settings, "editor"),
    )
    assert answer.status_code == 400 and "free-crypto" in answer.json()["error"]
    assert "free-crypto" not in list_names(settings) and find(settings, "a@example.org") is None
    assert 'value="free-crypto"' not in client.get("/subscribe").text


def test_the_editors_form_and_upload_do_not_create_lists(client, settings):
    olena(settings)
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    form = client.post(
        "/admin/subscribers", data={"email": "a@example.org", "lists": "nope", "csrf_token": token}
    )
    assert form.status_code == 400 and "nope" in form.text
    csv_text = "email,telegram_chat_id,name,timezone,send_hour,topics,lists\nb@example.org,,B,UTC,7,,other\n"
    upload = client.post(
        "/admin/subscribers/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", io.BytesIO(csv_text.encode()), "text/csv")},
    )
    assert upload.status_code == 400 and "other" in upload.text
    assert list_names(settings) == {"daily", "breaking"}


def test_the_admin_page_refuses_a_list_name_with_a_colon(client, settings):
    sign_in(client, settings, "admin")
    token = form_token(client, "/admin/lists")
    answer = client.post("/admin/lists", data={"name": "city:hall", "title": "City", "csrf_token": token})
    assert answer.status_code == 400 and "not a list name" in answer.text
    assert "city:hall" not in list_names(settings)


def test_an_unsubscribe_link_for_a_list_whose_name_has_a_colon_verifies() -> None:
    key = b"k" * 32
    token = links.unsubscribe_url("https://x", key, 7, "city:hall:2", "abc").rsplit("/", 1)[1]
    claim = links.verify(key, token, "unsubscribe", NOW)
    assert claim is not None and (claim.subscriber_id, claim.list_name, claim.binding) == (
        7,
        "city:hall:2",
        "abc",
    )


# --- deleting asks first and keeps past figures -----------------------------------------


def sent_edition(settings) -> int:
    add_news(settings)
    add_subscriber(settings, "a@example.org")
    add_subscriber(settings, "b@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True)
    for channel, ids in plan.batches:
        pipeline.send_batch(plan.edition_id or 0, channel, ids, f"b{ids[0]}", settings)
    assert plan.edition_id is not None
    return plan.edition_id


def counts(settings, edition_id: int) -> dict[str, int]:
    with transaction(settings.database_url) as conn:
        return ledger.counts(conn, [edition_id])


def test_deleting_a_subscriber_asks_first_and_keeps_the_editions_figures(client, settings):
    edition = sent_edition(settings)
    before = counts(settings, edition)
    assert before["sent"] == 2
    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    gone = find(settings, "a@example.org")
    asked = client.post(f"/admin/subscribers/{gone.id}/remove", data={"csrf_token": token})
    assert asked.status_code == 200 and "Delete a@example.org?" in asked.text
    assert find(settings, "a@example.org") is not None
    client.post(f"/admin/subscribers/{gone.id}/remove", data={"csrf_token": token, "confirm": "yes"})
    assert find(settings, "a@example.org") is None
    assert counts(settings, edition) == before


def test_deleting_through_the_api_keeps_the_editions_figures_too(client, settings):
    edition = sent_edition(settings)
    before = counts(settings, edition)
    gone = find(settings, "b@example.org")
    headers = token_for(settings, "editor")
    assert client.delete(f"/api/v1/subscribers/{gone.id}", headers=headers).status_code == 204
    assert counts(settings, edition) == before
    assert client.get(f"/api/v1/editions/{edition}", headers=headers).json()["counts"]["sent"] == 2
