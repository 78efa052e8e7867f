"""The reader routes live on module-level routers: each app still answers with its own
settings, pages and metrics, however many apps a process builds."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from digest.ratelimit import InProcessRateLimiter
from digest.web import create_app

BASE = "https://testserver"


def test_two_apps_in_one_process_each_speak_with_their_own_settings(settings):
    first = create_app(replace(settings, newsroom_name="First Gazette"), limiter=InProcessRateLimiter())
    second = create_app(replace(settings, newsroom_name="Second Courier"), limiter=InProcessRateLimiter())
    with TestClient(first, base_url=BASE) as a, TestClient(second, base_url=BASE) as b:
        page_a, page_b = a.get("/subscribe"), b.get("/subscribe")
        assert page_a.status_code == page_b.status_code == 200
        assert "First Gazette" in page_a.text and "Second Courier" not in page_a.text
        assert "Second Courier" in page_b.text and "First Gazette" not in page_b.text
        assert a.get("/metrics").status_code == b.get("/metrics").status_code == 200
