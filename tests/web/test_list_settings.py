"""A list's settings over HTTP: an update changes only what it was given, and a bad value is
refused in words (400) with nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.pipeline import feeds_desk
from digest.store import subscribers as subscriber_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from tests.web.conftest import csrf_token
from tests.web.test_editor_auth import sign_in


def _list(settings) -> None:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "Daily")


def test_a_description_alone_changes_only_the_description_and_is_audited(client, settings):
    _list(settings)
    sign_in(client, settings, "admin")
    token = csrf_token(client.get("/admin/lists/daily").text)
    said = "  The city's five stories,\n before 7 am.  "
    answer = client.post(
        "/admin/lists/daily", data={"description": said, "csrf_token": token}, follow_redirects=False
    )
    assert answer.headers["location"] == "/admin/lists/daily?saved=description"
    found = feeds_desk.list_settings(settings, "daily")
    assert (found.title, found.kind, found.description) == (
        "Daily",
        "digest",
        "The city's five stories, before 7 am.",
    )
    with transaction(settings.database_url) as conn:
        (entry,) = [e for e in audit_entries(conn) if e.action == "list.edit"]
    assert entry.details == {"description": "The city's five stories, before 7 am."}


def test_a_description_too_long_is_refused_in_words_and_nothing_is_saved(client, settings):
    _list(settings)
    sign_in(client, settings, "admin")
    token = csrf_token(client.get("/admin/lists/daily").text)
    answer = client.post(
        "/admin/lists/daily", data={"title": "New", "description": "x" * 301, "csrf_token": token}
    )
    assert answer.status_code == 400
    assert "Nothing was saved. Description: at most 300 characters (this is 301)." in answer.text
    found = feeds_desk.list_settings(settings, "daily")
    assert (found.title, found.description) == ("Daily", "")
