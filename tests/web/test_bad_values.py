"""Values nothing below can hold — integers of 2^63 and more, lone surrogates, NUL — are a
4xx that says what was wrong, on every route (SQLite and PostgreSQL), never a 500."""

from __future__ import annotations

import re

import pytest

from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.web.test_api import api_route_list, token_for
from tests.web.test_editor_auth import editor_routes, form_token, sign_in

BIG = str(2**63)
IDS = ("edition_id", "subscriber_id", "editor_id", "token_id")


def with_big_ids(path: str) -> str:
    return re.sub(r"/1(?=/|$)", f"/{BIG}", path)


def test_every_api_route_answers_an_id_of_2_to_the_63_with_a_422_naming_it(client, settings):
    headers = token_for(settings, "admin")
    checked = 0
    for method, path, _ in api_route_list(client):
        if "/1" not in path:
            continue
        answer = client.request(method, with_big_ids(path), headers=headers)
        assert answer.status_code == 422, (method, path, answer.text)
        assert "less than or equal to 9223372036854775807" in " ".join(answer.json()["problems"])
        checked += 1
    assert checked >= 4


def test_every_editor_page_answers_an_id_of_2_to_the_63_with_a_4xx(client, settings):
    sign_in(client, settings, "admin")
    token = form_token(client)
    checked = 0
    for method, path, _ in editor_routes(client):
        if not re.search(r"/1(/|$)", path):
            continue
        answer = client.request(
            method, with_big_ids(path), data={"csrf_token": token} if method != "GET" else None
        )
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code)
        checked += 1
    assert checked >= 3


def test_a_huge_id_on_an_editor_page_says_the_number_is_out_of_range(client, settings):
    sign_in(client, settings, "admin")
    answer = client.post(f"/admin/accounts/{BIG}/disable", data={"csrf_token": form_token(client)})
    assert answer.status_code == 400 and "out of range" in answer.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/breaking", f'{{"item_id": {BIG}}}', "item_id"),
        ("/api/v1/breaking", '{"title": "\\ud800", "url": "https://wire.example.org/a"}', "title"),
        ("/api/v1/subscribers", '{"email": "a\\ud800@example.org"}', "email"),
        ("/api/v1/subscribers", '{"email": "a@example.org", "name": "Ada \\udfff"}', "name"),
        ("/api/v1/subscribers", '{"email": "a@example.org", "topics": ["\\ud83d"]}', "topics"),
        ("/api/v1/subscribers", '{"email": "a@example.org", "name": "A\\u0000da"}', "name"),
    ],
)
def test_a_json_body_with_a_value_no_database_takes_is_a_422_naming_the_field(
    client, settings, path, body, field
):
    headers = {**token_for(settings, "admin"), "content-type": "application/json"}
    answer = client.post(path, content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    problems = " ".join(answer.json()["problems"])
    assert problems.startswith(field) and re.search("surrogate|NUL|less than or equal", problems)
    with transaction(settings.database_url) as conn:
        assert subscriber_store.find(conn, email="a@example.org") is None, "nothing was written"


def test_a_search_for_text_with_nul_is_never_a_server_error(client, settings):
    answer = client.get("/api/v1/subscribers", params={"q": "a\x00b"}, headers=token_for(settings, "admin"))
    assert answer.status_code in (200, 422), answer.text


def test_a_provider_event_with_a_lone_surrogate_is_a_400_that_says_so(client, settings):
    body = '[{"email": "a\\ud800@example.org", "event": "bounce"}]'
    answer = client.post("/webhooks/sendgrid", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and "surrogate" in answer.json()["error"]
