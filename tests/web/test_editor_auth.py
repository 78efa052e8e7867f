"""Editor sign-in, sessions, roles on every editor page, CSRF, and the audit of it all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import update

from digest.config import Settings
from digest.pipeline import accounts as auth
from digest.pipeline.accounts import Role
from digest.store import editors as editor_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from digest.store.tables import editor_sessions
from digest.web.editor_access import RequireEditor, RequireToken
from tests.web.conftest import csrf_token

PASSWORD = "correct horse battery"
PUBLIC = {"/admin/login", "/admin/static/editor.js"}
PATH_VALUES = {
    "edition_id": "1",
    "list_name": "daily",
    "subscriber_id": "1",
    "editor_id": "1",
    "change": "disable",
    "token_id": "1",
    "variant_id": "1",
    "feed_id": "1",
    "name": "daily",
    "again": "resume",
}


def make_editor(settings: Settings, email: str = "ada@example.org", role: str = "editor") -> str:
    auth.add_editor(settings, email, role, PASSWORD, "test")
    return email


def sign_in(client: TestClient, settings: Settings, role: str = "editor", email: str | None = None) -> str:
    email = make_editor(settings, email or f"{role}@example.org", role)
    page = client.get("/admin/login")
    answer = client.post(
        "/admin/login",
        data={"email": email, "password": PASSWORD, "next": "/admin", "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return email


def form_token(client: TestClient, path: str = "/admin") -> str:
    return csrf_token(client.get(path).text)


def required_role(route: APIRoute) -> Role | None:
    """The role a route's RequireEditor/RequireToken dependency asks for (None: no such dependency)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, RequireEditor | RequireToken):
            return dep.call.role
        stack.extend(dep.dependencies)
    return None


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as wrappers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def editor_routes(client: TestClient) -> list[tuple[str, str, Role | None]]:
    found = []
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if route.path.startswith("/admin"):
            path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES[m.group(1)], route.path)
            found += [
                (method, path, required_role(route))
                for method in sorted(route.methods or ())
                if method != "HEAD"
            ]
    return found


def test_a_password_is_stored_as_a_salted_scrypt_hash(settings):
    make_editor(settings)
    with transaction(settings.database_url) as conn:
        _, stored = editor_store.editor_with_hash(conn, "ada@example.org") or (None, "")
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert auth.verify_password(PASSWORD, stored) and not auth.verify_password("wrong password!", stored)
    assert auth.hash_password(PASSWORD) != auth.hash_password(PASSWORD), "no salt"


def test_a_short_password_is_refused(settings):
    with pytest.raises(ValueError, match="at least 10"):
        auth.add_editor(settings, "ada@example.org", "editor", "short", "test")


def test_an_editor_signs_in_and_reaches_the_dashboard(client, settings):
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login?next=/admin"
    sign_in(client, settings)
    page = client.get("/admin")
    assert page.status_code == 200 and "Dashboard" in page.text and "editor@example.org" in page.text
    cookie = next(c for c in client.cookies.jar if c.name == "__Host-digest_editor")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")


def test_a_wrong_password_is_refused_and_audited(client, settings):
    make_editor(settings)
    page = client.get("/admin/login")
    answer = client.post(
        "/admin/login",
        data={"email": "ada@example.org", "password": "not the one!", "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 401 and "Wrong email or password" in answer.text
    assert client.get("/admin", follow_redirects=False).status_code == 303
    with transaction(settings.database_url) as conn:
        assert [e.action for e in audit_entries(conn)][:1] == ["login.failed"]


def test_sign_in_is_rate_limited_per_account(client, settings):
    make_editor(settings)
    token = csrf_token(client.get("/admin/login").text)
    codes = [
        client.post(
            "/admin/login", data={"email": "ada@example.org", "password": "guess!!!!!!", "csrf_token": token}
        ).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[-1] == 429
    good = client.post(
        "/admin/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert good.status_code == 429, "even the right password waits once the limit is hit"


def test_the_sign_in_form_needs_its_csrf_token(client, settings):
    make_editor(settings)
    client.get("/admin/login")
    answer = client.post("/admin/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert answer.status_code == 403


def test_next_never_leads_off_site(client, settings):
    make_editor(settings)
    token = csrf_token(client.get("/admin/login").text)
    for target in ("https://evil.example/", "//evil.example/admin", "/admin\\@evil"):
        answer = client.post(
            "/admin/login",
            data={"email": "ada@example.org", "password": PASSWORD, "next": target, "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/admin"


def _age_sessions(settings: Settings, **values: datetime) -> None:
    with transaction(settings.database_url) as conn:
        conn.execute(update(editor_sessions).values(**values))


def test_a_session_ends_after_the_idle_time(client, settings):
    sign_in(client, settings)
    _age_sessions(
        settings, last_seen_at=datetime.now(UTC) - timedelta(minutes=settings.editor_idle_minutes + 1)
    )
    answer = client.get("/admin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")


def test_a_session_ends_after_its_lifetime_however_active(client, settings):
    sign_in(client, settings)
    _age_sessions(
        settings, created_at=datetime.now(UTC) - timedelta(hours=settings.editor_session_hours, minutes=1)
    )
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_an_active_session_stays_open(client, settings):
    sign_in(client, settings)
    _age_sessions(
        settings, last_seen_at=datetime.now(UTC) - timedelta(minutes=settings.editor_idle_minutes - 5)
    )
    assert client.get("/admin").status_code == 200
    assert client.get("/admin").status_code == 200, "the idle clock restarts with each request"


def test_signing_out_ends_the_session_for_good(client, settings):
    sign_in(client, settings)
    stolen = client.cookies.get("__Host-digest_editor")
    answer = client.post("/admin/logout", data={"csrf_token": form_token(client)}, follow_redirects=False)
    assert answer.status_code == 303
    client.cookies.set("__Host-digest_editor", stolen or "", domain="testserver.local")
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_disabled_editor_is_signed_out(client, settings):
    sign_in(client, settings)
    with transaction(settings.database_url) as conn:
        found = editor_store.editor_with_hash(conn, "editor@example.org")
        assert found is not None
        editor_store.set_disabled(conn, found[0].id, True)
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_every_editor_page_declares_the_role_it_needs(client):
    routes = editor_routes(client)
    assert len(routes) > 20
    missing = [(m, p) for m, p, role in routes if role is None and p not in PUBLIC]
    assert not missing, f"editor routes without a role check: {missing}"


def test_every_editor_page_refuses_a_stranger(client):
    for method, path, role in editor_routes(client):
        if role is None:
            continue
        answer = client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/admin/login"), (method, path)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)


def test_every_page_above_a_viewers_role_refuses_a_viewer(client, settings):
    sign_in(client, settings, "viewer")
    for method, path, role in editor_routes(client):
        if role is None or role <= Role.VIEWER:
            continue
        answer = client.request(method, path, follow_redirects=False)
        assert answer.status_code == 403, (method, path, answer.status_code)


def test_an_editor_cannot_manage_accounts_but_an_admin_can(client, settings):
    sign_in(client, settings, "editor")
    assert client.get("/admin/accounts").status_code == 403
    assert client.get("/admin/breaking").status_code == 200
    sign_in(client, settings, "admin")
    assert client.get("/admin/accounts").status_code == 200


def test_editor_forms_need_their_csrf_token(client, settings):
    sign_in(client, settings, "admin")
    posts = {
        "/admin/breaking/preview": {"title": "Quake", "url": "https://x.example/q", "list": "breaking"},
        "/admin/breaking/test": {"title": "Quake", "url": "https://x.example/q", "list": "breaking"},
        "/admin/breaking/send": {"title": "Quake", "url": "https://x.example/q", "list": "breaking"},
        "/admin/editions/1/stop": {},
        "/admin/subscribers": {"email": "a@example.org"},
        "/admin/suppressions": {"email": "a@example.org"},
        "/admin/accounts": {"email": "b@example.org", "password": PASSWORD},
        "/admin/lists": {"name": "evening"},
        "/admin/logout": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 403, path
