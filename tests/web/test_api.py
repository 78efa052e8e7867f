"""The editors' JSON API: tokens, roles on every route, breaking sends, progress, stop, subscribers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from digest.config import Settings
from digest.pipeline import accounts as auth
from digest.pipeline.accounts import Role
from digest.pipeline.planning import SendPlan
from digest.store import editors as editor_store
from digest.store.db import transaction
from tests.web.test_editor_auth import PASSWORD, api_routes, required_role
from tests.web.test_editor_breaking import audience

PATH_VALUES = {"edition_id": "1", "subscriber_id": "1"}
STORY = {"title": "Dam breached upstream", "url": "https://wire.example.org/dam", "list": "breaking"}


def token_for(settings: Settings, role: str) -> dict[str, str]:
    email = f"{role}-api@example.org"
    auth.add_editor(settings, email, role, PASSWORD, "test")
    return {"Authorization": f"Bearer {auth.create_token(settings, email, 'cms', 'test')}"}


def api_route_list(client: TestClient) -> list[tuple[str, str, Role | None]]:
    mount = next(r for r in client.app.routes if isinstance(r, Mount) and r.path == "/api/v1")  # type: ignore[attr-defined]
    found = []
    for route in api_routes(mount.app.routes):  # type: ignore[attr-defined]
        path = "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], route.path)
        found += [
            (method, path, required_role(route)) for method in sorted(route.methods or ()) if method != "HEAD"
        ]
    return found


@pytest.fixture
def editor_token(settings: Settings) -> dict[str, str]:
    return token_for(settings, "editor")


def wait_finished(client: TestClient, headers: dict[str, str], edition_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while True:
        found = client.get(f"/api/v1/editions/{edition_id}", headers=headers).json()
        if found["finished"] or time.monotonic() > deadline:
            return found  # type: ignore[no-any-return]
        time.sleep(0.1)


def test_every_api_route_declares_the_role_it_needs(client):
    routes = api_route_list(client)
    assert len(routes) >= 9
    assert [(m, p) for m, p, role in routes if role is None] == []


def test_every_api_route_refuses_a_request_without_a_token(client):
    for method, path, _ in api_route_list(client):
        answer = client.request(method, path)
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_every_api_route_refuses_an_unknown_token(client):
    for method, path, _ in api_route_list(client):
        answer = client.request(method, path, headers={"Authorization": "Bearer dg_forged"})
        assert answer.status_code == 401, (method, path)


def test_every_editor_route_refuses_a_viewer_token(client, settings):
    viewer = token_for(settings, "viewer")
    for method, path, role in api_route_list(client):
        answer = client.request(method, path, headers=viewer)
        if role is not None and role > Role.VIEWER:
            assert answer.status_code == 403, (method, path, answer.status_code)
        else:
            assert answer.status_code in (200, 404), (method, path, answer.status_code)


def test_a_revoked_token_no_longer_works(client, settings, editor_token):
    assert client.get("/api/v1/lists", headers=editor_token).status_code == 200
    with transaction(settings.database_url) as conn:
        token_id = editor_store.all_tokens(conn)[0].id
        editor_store.revoke_token(conn, token_id, datetime.now(UTC))
    assert client.get("/api/v1/lists", headers=editor_token).status_code == 401


def test_the_openapi_document_describes_the_api_and_its_bearer_tokens(client):
    document = client.get("/api/v1/openapi.json").json()
    assert {
        "/breaking",
        "/editions/{edition_id}",
        "/editions/{edition_id}/stop",
        "/lists",
        "/subscribers",
    } <= set(document["paths"])
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/openapi.json").status_code == 404, "the subscriber app keeps its docs off"


def test_a_cms_previews_then_sends_breaking_news(client, settings, editor_token):
    audience(settings)
    preview = client.post("/api/v1/breaking", json=STORY, headers=editor_token)
    assert preview.status_code == 200
    body = preview.json()
    assert body["counts"] == {"channel": 3, "bot": 2, "email": 2} and body["already_sent"] == []
    assert "<b>BREAKING</b>" in body["telegram"] and body["subject"] == "Breaking: Dam breached upstream"
    sent = client.post("/api/v1/breaking", json={**STORY, "confirm": True}, headers=editor_token)
    assert sent.status_code == 202, sent.text
    progress = wait_finished(client, editor_token, sent.json()["edition"])
    assert progress["counts"]["sent"] == 7  # type: ignore[index]
    assert progress["suppressed"] == 1  # gone@example.org, on the suppression list


def test_the_same_story_twice_is_a_conflict_unless_sent_again_on_purpose(client, settings, editor_token):
    audience(settings)
    first = client.post("/api/v1/breaking", json={**STORY, "confirm": True}, headers=editor_token)
    assert first.status_code == 202
    again = client.post("/api/v1/breaking", json={**STORY, "confirm": True}, headers=editor_token)
    assert again.status_code == 409 and again.json()["earlier"][0]["edition"] == first.json()["edition"]
    forced = client.post(
        "/api/v1/breaking", json={**STORY, "confirm": True, "send_again": True}, headers=editor_token
    )
    assert forced.status_code == 202
    for answer in (first, forced):
        wait_finished(client, editor_token, answer.json()["edition"])


def test_a_bad_breaking_request_says_what_is_wrong(client, settings, editor_token):
    audience(settings)
    answer = client.post("/api/v1/breaking", json={**STORY, "url": "not a link"}, headers=editor_token)
    assert answer.status_code == 400 and "http" in answer.json()["error"]
    unknown = client.post("/api/v1/breaking", json={**STORY, "list": "nope"}, headers=editor_token)
    assert unknown.status_code == 400 and "nope" in unknown.json()["error"]
    assert (
        client.post("/api/v1/breaking", json={**STORY, "item_id": "x"}, headers=editor_token).status_code
        == 422
    )


def test_a_send_is_stopped_through_the_api(client, settings, editor_token, monkeypatch):
    audience(settings)
    held: list[SendPlan] = []
    monkeypatch.setattr("digest.web.api.dispatcher", lambda settings: held.append)
    sent = client.post("/api/v1/breaking", json={**STORY, "confirm": True}, headers=editor_token).json()
    stopped = client.post(f"/api/v1/editions/{sent['edition']}/stop", headers=editor_token)
    assert stopped.status_code == 200
    body = stopped.json()
    assert (
        body["stopped"] == 7
        and body["finished"]
        and body["stopped_by"] == "editor-api@example.org (token cms)"
    )
    assert client.post("/api/v1/editions/999999/stop", headers=editor_token).status_code == 404


def test_subscribers_are_added_found_read_and_deleted(client, settings, editor_token):
    audience(settings)
    created = client.post(
        "/api/v1/subscribers", json={"email": "New@Example.org", "lists": ["breaking"]}, headers=editor_token
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["email"] == "new@example.org" and sub["lists"] == ["breaking"]
    found = client.get("/api/v1/subscribers", params={"q": "new@"}, headers=editor_token).json()
    assert [s["id"] for s in found] == [sub["id"]]
    assert (
        client.get(f"/api/v1/subscribers/{sub['id']}", headers=editor_token).json()["email"]
        == "new@example.org"
    )
    bad = client.post("/api/v1/subscribers", json={"email": "nope"}, headers=editor_token)
    assert bad.status_code == 400 and "invalid email" in bad.json()["error"]
    assert client.delete(f"/api/v1/subscribers/{sub['id']}", headers=editor_token).status_code == 204
    assert client.get(f"/api/v1/subscribers/{sub['id']}", headers=editor_token).status_code == 404


def test_lists_and_items_are_readable_with_a_viewer_token(client, settings):
    audience(settings)
    viewer = token_for(settings, "viewer")
    lists = client.get("/api/v1/lists", headers=viewer).json()
    assert {"name": "breaking", "title": "Breaking", "active": 7} in lists
    assert client.get("/api/v1/items", headers=viewer).json() == []
