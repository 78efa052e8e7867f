"""Security headers on every response, CSRF cookies, and error pages that reveal nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from digest.web import create_app
from tests.conftest import make_settings
from tests.web.conftest import BASE, add_subscriber, unsubscribe_path


@pytest.mark.parametrize("path", ["/subscribe", "/healthz", "/metrics", "/nowhere", "/unsubscribe/bad"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["strict-transport-security"].startswith("max-age=")


def test_the_pages_style_block_carries_the_csp_nonce(client, settings):
    response = client.get("/subscribe")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.text
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_no_hsts_when_the_public_url_is_plain_http(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, DIGEST_PUBLIC_URL="http://localhost:8000")
    add_subscriber(settings, "editor@example.org")  # a list to sign up for: the page has a form
    with TestClient(create_app(settings, webhook_key="")) as client:
        response = client.get("/subscribe")
    assert "strict-transport-security" not in response.headers
    assert "digest_csrf=" in response.headers["set-cookie"]


def test_the_csrf_cookie_is_host_only_secure_and_http_only(client, settings):
    add_subscriber(settings, "editor@example.org")
    cookie = client.get("/subscribe").headers["set-cookie"]
    assert cookie.startswith("__Host-digest_csrf=")
    for attribute in ("HttpOnly", "Secure", "Path=/", "SameSite=strict"):
        assert attribute.lower() in cookie.lower()


def test_a_csrf_token_from_another_browser_is_refused(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    with TestClient(create_app(settings, webhook_key=""), base_url=BASE) as attacker:
        stolen = re.search(r'name="csrf_token" value="([^"]+)"', attacker.get(path).text).group(1)
    client.get(path)
    assert client.post(path, data={"csrf_token": stolen}).status_code == 403


def test_an_unexpected_error_is_a_plain_500_page_with_headers_and_no_trace(settings, monkeypatch):
    from digest.pipeline import signup

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret database password in this message")

    monkeypatch.setattr(signup, "signup_lists", broken)
    with TestClient(
        create_app(settings, webhook_key=""), base_url=BASE, raise_server_exceptions=False
    ) as client:
        response = client.get("/subscribe")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unknown_pages_and_wrong_methods_are_html_pages(client):
    missing = client.get("/wp-admin")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert client.delete("/subscribe").status_code == 405
    assert client.get("/docs").status_code == 404
