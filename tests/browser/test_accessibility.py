"""Every editor and reader page, at 1280 and 390 CSS pixels: zero serious or critical axe-core
violations (WCAG 2.1 AA, axe running inside the page) and no horizontal scrolling.

``PAGES`` maps each GET route of the app to the page the sweep opens; ``NOT_PAGES`` names the
GET routes that are not pages, and why. A new route in neither fails
``test_the_sweep_covers_every_page_of_the_route_table``. Screenshots: ``test-artifacts/a11y-*``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from digest.web import create_app
from tests.browser.newsroom import Newsroom, seed, sign_in
from tests.browser.test_editor_flow import serve
from tests.web.test_editor_auth import api_routes

WIDTHS = (1280, 390)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

# route -> the path the sweep opens ({edition} and the reader's links are filled in).
PAGES = {
    "/admin/login": "/admin/login",
    "/admin": "/admin",
    "/admin/account": "/admin/account",
    "/admin/editions/{edition_id}": "/admin/editions/{edition}",
    "/admin/breaking": "/admin/breaking",
    "/admin/preview": "/admin/preview",
    "/admin/preview/{list_name}": "/admin/preview/daily",
    "/admin/subscribers": "/admin/subscribers",
    "/admin/subscribers/{subscriber_id}": "/admin/subscribers/{reader_id}",
    "/admin/subscribers/{subscriber_id}/delete": "/admin/subscribers/{reader_id}/delete",
    "/admin/suppressions": "/admin/suppressions",
    "/admin/feeds": "/admin/feeds",
    "/admin/lists": "/admin/lists",
    "/admin/lists/{name}": "/admin/lists/daily",
    "/admin/lists/{name}/detach": "/admin/lists/daily/detach?chat=%40city_desk",
    "/admin/accounts": "/admin/accounts",
    "/admin/audit": "/admin/audit",
    "/subscribe": "/subscribe",
    "/manage": "/manage",
    "/archive/{list_name}": "/archive/daily",
    "/confirm/{token}": "{reader}",
    "/unsubscribe/{token}": "{reader}",
    "/preferences/{token}": "{reader}",
    "/keep/{token}": "{reader}",
    "/admin/lists/{list_name}/trends": "/admin/lists/daily/trends",
}
NOT_PAGES = {
    "/": "a redirect to /subscribe",
    "/favicon.ico": "the icon",
    "/healthz": "JSON for monitoring",
    "/metrics": "Prometheus text",
    "/editions/{edition_id}": "the email itself (tests/browser/test_email_in_chromium.py)",
    "/admin/static/editor.js": "the script",
    "/admin/editions/{edition_id}/progress.json": "JSON polled by the edition page",
    "/admin/editions/{edition_id}/email/{variant_id}": "the email as sent, framed by the edition page",
    "/admin/preview/{list_name}/email": "the email, framed by the preview page",
    "/admin/breaking/email": "the email, framed by the confirm step",
    "/admin/breaking/preview": "a redirect back to the breaking form",
    "/admin/subscribers/export.csv": "a CSV download",
    "/archive/{list_name}/feed.json": "a JSON Feed",
    "/archive/{list_name}/feed.xml": "an Atom feed",
    "/admin/breaker.json": "JSON polled by the dashboard's breaker alert",
    "/admin/editions/{edition_id}/stats.csv": "a CSV download",
    "/admin/editions/{edition_id}/stats.json": "JSON drawn by the edition page's charts",
    "/admin/lists/{list_name}/trends.csv": "a CSV download",
    "/admin/lists/{list_name}/trends.json": "JSON drawn by the list page's charts",
    "/r/{token}": "a redirect to the article (tests/engagement/)",
    "/static/{name}": "scripts (Chart.js and the stats drawing)",
}


def get_routes(settings: Any) -> set[str]:
    app = create_app(settings, webhook_key="")
    return {re.sub(r":\w+}", "}", r.path) for r in api_routes(app.routes) if "GET" in (r.methods or ())}


def test_the_sweep_covers_every_page_of_the_route_table(settings: Any) -> None:
    routes = get_routes(settings)
    missing = sorted(routes - PAGES.keys() - NOT_PAGES.keys())
    assert not missing, f"GET routes neither swept for accessibility nor listed as not pages: {missing}"
    gone = sorted((PAGES.keys() | NOT_PAGES.keys()) - routes)
    assert not gone, f"the sweep lists routes the app no longer has: {gone}"


def _path(route: str, room: Newsroom) -> str:
    if route in room.reader_paths():
        return room.reader_paths()[route]
    return PAGES[route].format(edition=room.edition_id, reader_id=room.reader_id)


def _blocking(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def _overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.slow
def test_every_page_passes_axe_and_fits_a_phone(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    problems: list[str] = []
    with serve(db_url, tmp_path) as (base, settings):
        room = seed(settings)
        _attach_a_channel(settings)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
            page = context.new_page()
            try:
                sign_in(page, base, "admin")
                for route in PAGES:
                    _sweep(page, base, route, room, width, artifacts, problems)
            finally:
                context.close()
    assert not problems, "\n".join(problems)


def _attach_a_channel(settings: Any) -> None:
    """@city_desk on the daily list, as the desk attaches it (Telegram's answer given here):
    the list page shows it, and its detach page can be swept."""
    from digest.channels.telegram_rights import PostingRights
    from digest.pipeline import list_channels

    def allowed(_token: str | None, _url: str, chat: str) -> PostingRights:
        return PostingRights(chat, "City desk", "channel", "administrator")

    list_channels.attach_channel(settings, "daily", "@city_desk", "sweep", check=allowed)


def _sweep(
    page: Any, base: str, route: str, room: Newsroom, width: int, artifacts: Path, problems: list[str]
) -> None:
    path = _path(route, room)
    if route == "/admin/login":  # signed in, the sign-in page is seen by a fresh browser only
        page = page.context.browser.new_page(viewport={"width": width, "height": 900})
    answer = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    where = f"{route} at {width}px"
    # The sweep's reader is confirmed already: their confirmation link shows the page that says
    # it was used (410), which is swept like any other.
    used = route == "/confirm/{token}" and answer is not None and answer.status == 410
    if answer is None or (answer.status >= 400 and not used):
        problems.append(f"{where}: HTTP {answer.status if answer else '?'}")
        return
    problems += [f"{where}: {v}" for v in _blocking(page)]
    if (extra := _overflow(page)) > 0:
        problems.append(f"{where}: scrolls sideways by {extra}px")
    name = re.sub(r"[^a-z0-9]+", "-", route.strip("/").lower()).strip("-") or "home"
    page.screenshot(path=str(artifacts / f"a11y-{name}-{width}.png"), full_page=True)
    if route == "/admin/login":
        page.close()
