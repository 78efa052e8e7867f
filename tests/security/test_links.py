"""Signed links: what tests/test_links.py and tests/web do not already cover — another key,
another list, list names that try to smuggle fields, expiry at its edge, junk tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from digest import links
from digest.links import LinkClaim
from digest.web import create_app
from tests.web.conftest import BASE, add_subscriber

KEY = b"the-right-key"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = links.sign(b"someone-elses-key", LinkClaim(1, "daily", "unsubscribe", 0))
    assert links.verify(KEY, token, "unsubscribe", NOW) is None


def test_a_token_cannot_be_moved_to_another_list_or_subscriber_by_editing_its_payload() -> None:
    token = links.sign(KEY, LinkClaim(1, "daily", "unsubscribe", 0))
    _, mac = token.split(".")
    for forged_claim in ("2:daily:unsubscribe:0", "1:breaking:unsubscribe:0", "1:daily:preferences:0"):
        forged = f"{links._b64(forged_claim.encode())}.{mac}"
        assert links.verify(KEY, forged, "unsubscribe", NOW) is None
        assert links.verify(KEY, forged, "preferences", NOW) is None
    assert links.verify(KEY, token, "unsubscribe", NOW) == LinkClaim(1, "daily", "unsubscribe", 0)


@pytest.mark.parametrize("list_name", ["daily:unsubscribe:0", "x:preferences:99999999999", ":", "a:b:c:d:e"])
def test_a_list_name_with_colons_cannot_turn_one_purpose_into_another(list_name: str) -> None:
    token = links.sign(
        KEY, LinkClaim(1, list_name, "preferences", int((NOW + timedelta(days=1)).timestamp()))
    )
    for purpose in ("unsubscribe", "confirm"):
        assert links.verify(KEY, token, purpose, NOW) is None


def test_preference_links_work_for_30_days_and_unsubscribe_links_forever() -> None:
    prefs = links.preferences_url("https://x", KEY, 1, "daily", NOW).rsplit("/", 1)[1]
    unsub = links.unsubscribe_url("https://x", KEY, 1, "daily").rsplit("/", 1)[1]
    assert links.verify(KEY, prefs, "preferences", NOW + timedelta(days=30) - timedelta(seconds=1))
    assert links.verify(KEY, prefs, "preferences", NOW + timedelta(days=30, seconds=1)) is None
    assert links.verify(
        KEY, unsub, "unsubscribe", NOW + timedelta(days=3650)
    )  # RFC 8058: old mail still works


@pytest.mark.parametrize(
    "token",
    ["", ".", "..", "a.b", "!!!.???", "x" * 5000, "MTpkYWlseTp1bnN1YnNjcmliZTow.", ".AAAA", "%00", "💥.💥"],
)
def test_junk_tokens_are_a_400_page_never_a_500(settings, token: str) -> None:
    add_subscriber(settings, "ada@example.org")
    with TestClient(
        create_app(settings, webhook_key=""), base_url=BASE, raise_server_exceptions=False
    ) as client:
        for path in (f"/unsubscribe/{token}", f"/preferences/{token}", f"/confirm/{token}"):
            response = client.get(path, follow_redirects=False)
            if response.request.url.path == "/":  # ".." climbed out of the route: the home page
                continue
            assert response.status_code in (400, 404), (path, response.status_code)
            response = client.post(path, data={"List-Unsubscribe": "One-Click"})
            assert response.status_code in (400, 403, 404, 405), (path, response.status_code)
