"""Every email we send, checked against the caniemail data for the clients readers use.

`tools/email-css/check.mjs` (npm package @jsx-email/doiuse-email) lists what each client
does not support; each such feature must have a fallback declared in
`templates/email/caniemail-fallbacks.json`, for that client. Needs Node.js and
`npm ci --prefix tools/email-css` (scripts/test and .ci/run install it); skips without them,
except in CI, where a missing checker is a failure.
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from digest.config import Settings
from digest.models import Subscriber
from digest.pipeline import breaking, confirming, manage, signup
from digest.pipeline.notices import render_notice
from digest.ratelimit import InProcessRateLimiter
from digest.render import Branding, CallToAction, Renderer
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.core.factories import edition, item, story

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT / "tools" / "email-css"
FALLBACKS = json.loads((ROOT / "templates" / "email" / "caniemail-fallbacks.json").read_text())
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def the_edition(settings: Settings) -> str:
    branding = Branding(
        "The Kyiv Ledger",
        "1 Example Street, Kyiv 01001, Ukraine",
        "https://ledger.example",
        logo_url="https://ledger.example/logo.png",
        footer_text="Independent, reader-funded journalism",
        cta=CallToAction("Help us reach 25,000 members", "Join", "https://ledger.example/join", 18340, 25000),
    )
    lead = item(
        "lead",
        "Front line holds near Huliaipole",
        source="Ledger",
        summary_text="What happened overnight.",
        image_url="https://ledger.example/photo.jpg",
        image_caption="Soldiers near Huliaipole.",
    )
    content = edition(
        ("news", [story(lead, item("also", "Same story", source="Wire"), score=3)]),
        ("video", [story(item("vid", "Inside the newsroom", source="Ledger TV", is_video=True))]),
    )
    rendered = Renderer(branding).render(content, edition_id=7, web_url="https://ledger.example/editions/7")
    return rendered.html


def the_breaking_email(settings: Settings) -> str:
    news = breaking.news_from_text("Dam breached", "https://wire.example.org/dam", "Water is rising.")
    return breaking.render(settings, news, "daily", NOW).html


def outbox_html(settings: Settings, sub_id: int) -> str:
    path = Path(settings.outbox_dir) / "email" / "0" / f"{sub_id}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return str(message.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]


def the_confirmation(settings: Settings) -> str:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", NOW)
    form = signup.SignUp(email="new@example.org", name="New", lists=("daily",))
    signup.sign_up(settings, form, client="test", limiter=InProcessRateLimiter())
    with transaction(settings.database_url) as conn:
        found = subscriber_store.find(conn, email="new@example.org")
    assert found is not None and found.id is not None
    return outbox_html(settings, found.id)


def the_links_email(settings: Settings) -> str:
    with transaction(settings.database_url) as conn:
        sub_id, _ = subscriber_store.save(conn, Subscriber(email="old@example.org", lists=("daily",)), NOW)
    manage.send_own_links(settings, "old@example.org", client="test")
    return outbox_html(settings, sub_id)


def the_welcome(settings: Settings) -> str:
    """The welcome a reader gets on confirming (it replaces the confirmation in the outbox)."""
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", NOW)
    form = signup.SignUp(email="new@example.org", name="New Reader", lists=("daily",))
    signup.sign_up(settings, form, client="test", limiter=InProcessRateLimiter())
    with transaction(settings.database_url) as conn:
        found = subscriber_store.find(conn, email="new@example.org")
    assert found is not None and found.id is not None
    link = re.search(r'href="https://news\.example\.org/confirm/([^"]+)"', outbox_html(settings, found.id))
    assert link
    confirming.confirm(settings, link.group(1))
    return outbox_html(settings, found.id)


def the_keep_email(settings: Settings) -> str:
    return render_notice(settings, "web/keep_email.html", url="https://news.example.org/keep/t", days=14)


# Every email template, and how the code renders it.
EMAILS: dict[str, Callable[[Settings], str]] = {
    "email/edition.html": the_edition,
    "email/breaking.html": the_breaking_email,
    "web/confirm_email.html": the_confirmation,
    "web/links_email.html": the_links_email,
    "web/keep_email.html": the_keep_email,
    "web/welcome_email.html": the_welcome,
}


def email_templates() -> set[str]:
    templates = ROOT / "templates"
    found = {f"email/{p.name}" for p in (templates / "email").glob("*.html") if not p.name.startswith("_")}
    return found | {f"web/{p.name}" for p in (templates / "web").glob("*_email.html")}


def test_every_email_template_is_checked():
    assert set(EMAILS) == email_templates()


def checker() -> list[str]:
    node = shutil.which("node")
    if node and (CHECKER / "node_modules" / "@jsx-email" / "doiuse-email").is_dir():
        return [node, str(CHECKER / "check.mjs")]
    if os.environ.get("CI"):
        pytest.fail("the caniemail checker is not installed: npm ci --prefix tools/email-css")
    pytest.skip("Node.js or tools/email-css/node_modules missing (npm ci --prefix tools/email-css)")


def unsupported(command: list[str], files: list[Path]) -> dict[str, list[tuple[str, str]]]:
    out = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, check=True, timeout=120
    )
    return {Path(f).stem: [tuple(pair) for pair in pairs] for f, pairs in json.loads(out.stdout).items()}


def test_every_email_uses_only_what_the_readers_clients_support_or_declares_a_fallback(settings, tmp_path):
    command = checker()
    files = []
    for name, render in EMAILS.items():
        path = tmp_path / (name.replace("/", "__") + ".html")
        path.write_text(render(settings), encoding="utf-8")
        files.append(path)

    report = unsupported(command, files)

    missing = sorted(
        f"{template}: `{feature}` in {client}"
        for template, pairs in report.items()
        for feature, client in pairs
        if client not in FALLBACKS.get(feature, {}).get("clients", ())
    )
    assert not missing, "unsupported without a declared fallback:\n" + "\n".join(missing)


def test_a_feature_without_a_fallback_fails_the_check(tmp_path):
    command = checker()
    page = tmp_path / "flex.html"
    page.write_text('<html><body><div style="display:flex;gap:4px">x</div></body></html>')
    (pairs,) = unsupported(command, [page]).values()
    assert any(feature.startswith("display:flex") or "flex" in feature for feature, _ in pairs), pairs
    assert not all(client in FALLBACKS.get(f, {}).get("clients", ()) for f, client in pairs)


def test_every_declared_fallback_says_what_the_client_gets():
    for feature, entry in FALLBACKS.items():
        if feature.startswith("_"):
            continue
        assert entry["clients"] and len(entry["fallback"]) > 20, feature


def contrast(foreground: str, background: str) -> float:
    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    "render", [the_confirmation, the_links_email, the_welcome], ids=["confirmation", "links", "welcome"]
)
def test_one_off_emails_follow_the_digests_rules(db_url, tmp_path, render):
    from tests.conftest import make_settings

    settings = make_settings(db_url, tmp_path, DIGEST_BRAND_COLOR="#0057b8")
    html = render(settings)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "prefers-color-scheme: dark" in html
    assert "#0057b8" in html  # the newsroom's colour, not ours
    footer = re.search(r'<td class="footer"[^>]*style="[^"]*color:\s*(#[0-9a-f]{6})', html)
    assert footer, "the footer's colour is inlined"
    assert contrast(footer.group(1), "#f2f2f2") >= 4.5
