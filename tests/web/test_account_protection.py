"""Accounts stay the editor's: sign-in throttling that an attacker cannot turn against the
editor, and a password reset that signs out whoever knew the old password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from digest.config import Settings
from digest.ratelimit import InProcessRateLimiter
from digest.store import editors as editor_store
from digest.store.db import transaction
from digest.store.tables import editor_sessions
from digest.web import create_app
from tests.web.conftest import BASE, csrf_token
from tests.web.test_editor_auth import PASSWORD, make_editor, sign_in

ATTACKER, EDITOR_DESK = ("203.0.113.9", 40000), ("198.51.100.7", 40001)


@pytest.fixture
def clients(settings: Settings) -> Iterator[dict[str, TestClient]]:
    """Two browsers at different addresses, in front of one app and one limiter."""
    app = create_app(settings, limiter=InProcessRateLimiter(), webhook_key="")
    with (
        TestClient(app, base_url=BASE, client=ATTACKER) as attacker,
        TestClient(app, base_url=BASE, client=EDITOR_DESK) as desk,
    ):
        yield {"attacker": attacker, "desk": desk}


def attempt(client: TestClient, email: str, password: str) -> int:
    token = csrf_token(client.get("/admin/login").text)
    data = {"email": email, "password": password, "csrf_token": token, "next": "/admin"}
    return client.post("/admin/login", data=data, follow_redirects=False).status_code


def test_an_attackers_failures_do_not_lock_the_editor_out_from_another_address(clients, settings):
    make_editor(settings)
    codes = [attempt(clients["attacker"], "ada@example.org", "guess!!!!!!") for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429, "the attacker is throttled"
    assert attempt(clients["attacker"], "ada@example.org", PASSWORD) == 429
    assert attempt(clients["desk"], "ada@example.org", PASSWORD) == 303, "the editor signs in"


def test_one_address_guessing_many_accounts_is_throttled(clients, settings):
    codes = [attempt(clients["attacker"], f"user{n}@example.org", "guess!!!!!!") for n in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    make_editor(settings)
    assert attempt(clients["desk"], "ada@example.org", PASSWORD) == 303


def live_sessions(settings: Settings, email: str) -> int:
    with transaction(settings.database_url) as conn:
        found = editor_store.editor_with_hash(conn, email)
        assert found is not None
        query = editor_sessions.select().where(editor_sessions.c.editor_id == found[0].id)
        return len(conn.execute(query).all())


def test_resetting_a_password_on_the_accounts_page_ends_the_editors_sessions(client, settings):
    stolen = TestClient(client.app, base_url=BASE)
    sign_in(stolen, settings, "editor", "ada@example.org")
    assert stolen.get("/admin", follow_redirects=False).status_code == 200
    sign_in(client, settings, "admin")
    token = csrf_token(client.get("/admin/accounts").text)
    data = {
        "email": "ada@example.org",
        "role": "editor",
        "password": "a brand new secret",
        "csrf_token": token,
    }
    assert client.post("/admin/accounts", data=data, follow_redirects=False).status_code == 303
    assert live_sessions(settings, "ada@example.org") == 0
    assert stolen.get("/admin", follow_redirects=False).status_code == 303, "the old session is over"
    assert client.get("/admin").status_code == 200, "the admin's own session is untouched"


def test_resetting_a_password_with_digest_accounts_add_ends_the_editors_sessions(client, settings):
    from digest.cli import app, context

    sign_in(client, settings, "editor", "ada@example.org")
    context._ready = False
    result = CliRunner().invoke(
        app, ["accounts", "add", "ada@example.org", "--password-stdin"], input="a brand new secret\n"
    )
    context._ready = False
    assert result.exit_code == 0, result.output
    assert live_sessions(settings, "ada@example.org") == 0
    assert client.get("/admin", follow_redirects=False).status_code == 303
