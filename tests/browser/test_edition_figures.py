"""Done when: an edition goes out through the SendGrid and Telegram test servers, SendGrid posts
signed events (repeats included), readers and machines click, and the stats API, the edition
page and the list page (charts in Chromium) show the same, honest figures."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from digest import pipeline
from digest.config import Settings
from digest.models import FeedSpec, Item, Subscriber
from digest.pipeline import accounts as auth
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.browser.test_editor_flow import serve
from tests.fakes import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram
from tests.pipeline.conftest import TOPICS

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
TOKEN = "123456:figures-token"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
READERS = [f"reader{n}@example.org" for n in range(6)]
CHATS = ["7001", "7002"]
CHART = "Chart.getChart(document.querySelector"  # the chart Chart.js drew on a canvas


class Signer:
    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = base64.b64encode(der).decode()

    def post(self, base: str, events: list[dict[str, Any]]) -> httpx.Response:
        body, stamp = json.dumps(events), str(int(time.time()))
        signature = self.private.sign((stamp + body).encode(), ec.ECDSA(hashes.SHA256()))
        headers = {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
            "Content-Type": "application/json",
        }
        return httpx.post(f"{base}/webhooks/sendgrid", content=body.encode(), headers=headers)


def email_links(sendgrid: FakeSendGrid, address: str) -> list[str]:
    """The tracked links of one recipient's email, their reader half filled as SendGrid would."""
    assert sendgrid.last_body is not None
    html = next(c["value"] for c in sendgrid.last_body["content"] if c["type"] == "text/html")
    values = dict(sendgrid.delivered_to(address).substitutions)
    hrefs = re.findall(r'href="([^"]*/r/[^"]+)"', html)
    return [href.replace("-click_key_html-", values["-click_key_html-"]) for href in dict.fromkeys(hrefs)]


def telegram_links(telegram: FakeTelegram, chat: str) -> list[str]:
    texts = [m.text or "" for m in telegram.messages_for(chat)]
    return list(dict.fromkeys(href for text in texts for href in re.findall(r'href="([^"]*/r/[^"]+)"', text)))


def retargeted(link: str, url: str) -> str:
    """The link with its destination changed and its signature kept: a forgery."""
    prefix, token = link.split("/r/")
    payload, rest = token.split(".", 1)
    fields = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|", 3)
    forged = base64.urlsafe_b64encode("|".join([*fields[:3], url]).encode()).rstrip(b"=").decode()
    return f"{prefix}/r/{forged}.{rest}"


def click(url: str, *, agent: str = CHROME, method: str = "GET") -> httpx.Response:
    return httpx.request(
        method, url.replace("&amp;", "&"), headers={"User-Agent": agent}, follow_redirects=False
    )


def test_an_editions_figures_count_each_event_once_and_readers_apart_from_machines(
    browser: Any, artifacts: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    signer = Signer()
    with FakeSendGrid(api_key="SG.figures") as sendgrid, FakeTelegram(token=TOKEN) as telegram:
        overrides = {
            "DIGEST_EMAIL_CHANNEL": "sendgrid",
            "SENDGRID_API_KEY": "SG.figures",
            "DIGEST_SENDGRID_API_URL": sendgrid.url,
            "DIGEST_TELEGRAM_CHANNEL": "telegram",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "DIGEST_TELEGRAM_API_URL": telegram.base_url,
            "DIGEST_SENDGRID_WEBHOOK_KEY": signer.public,
            "DIGEST_HUMAN_CLICK_MIN_SECONDS": "2",
        }
        with serve(db_url, tmp_path, webhook_key=signer.public, **overrides) as (base, settings):
            edition_id = send_edition(settings)
            figures = act_and_read(settings, base, signer, sendgrid, telegram, edition_id)
            look_at_the_pages(browser, artifacts, settings, base, edition_id, figures)


def add_stories(settings: Settings, count: int) -> None:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://wire.example.org/rss", "Wire"), now)
        news = [
            Item(
                key=f"wire-{n}",
                feed_id=feed.id,
                source="Wire",
                url=f"https://wire.example.org/story-{n}",
                title=TOPICS[n],
                summary_text="What happened.",
                published=now - timedelta(hours=n + 1),
            )
            for n in range(count)
        ]
        item_store.save(conn, news, now)


def send_edition(settings: Settings) -> int:
    add_stories(settings, 3)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for address in READERS:
            subscriber_store.save(conn, Subscriber(email=address, lists=("daily",)), now)
        for chat in CHATS:
            subscriber_store.save(conn, Subscriber(telegram_chat_id=chat, lists=("daily",)), now)
    plan = pipeline.plan_send("daily", settings, manual=True, ignore_hour=True)
    assert plan.edition_id is not None
    for channel, ids in plan.batches:
        assert not pipeline.send_batch(plan.edition_id, channel, ids, f"b-{channel}", settings).retry
    return plan.edition_id


def act_and_read(settings, base, signer, sendgrid, telegram, edition_id) -> dict[str, Any]:
    ids = {d.email: dict(d.custom_args)["subscriber_id"] for d in sendgrid.deliveries()}
    assert {dict(d.custom_args)["edition_id"] for d in sendgrid.deliveries()} == {str(edition_id)}

    def event(address: str, name: str, n: int, **extra: Any) -> dict[str, Any]:
        custom_args = {"edition_id": str(edition_id), "subscriber_id": ids[address], "list": "daily"}
        stamp = int(time.time())
        return {
            "email": address,
            "event": name,
            "sg_event_id": f"{name}-{n}",
            "timestamp": stamp,
            **custom_args,
            **extra,
        }

    delivered = [event(a, "delivered", n) for n, a in enumerate(READERS[:5])]
    batch = [
        *delivered,
        event(READERS[5], "bounce", 9, type="bounce"),
        event(READERS[0], "open", 10, sg_machine_open=False),
        event(READERS[1], "open", 11, sg_machine_open=True),  # Apple Mail Privacy Protection
        event(READERS[2], "open", 12, sg_machine_open=True),
        event(READERS[2], "open", 13, sg_machine_open=False),  # and later the reader herself
        event(READERS[4], "spamreport", 14),
    ]
    assert signer.post(base, batch).json() == {"received": 11, "new": 11, "acted": 2}
    time.sleep(1.1)  # SendGrid posts the batch again, signed anew: nothing counts twice
    assert signer.post(base, [*delivered, batch[-1]]).json() == {"received": 6, "new": 0, "acted": 0}

    links = {address: email_links(sendgrid, address) for address in READERS[:5]}
    assert all(len(found) >= 4 for found in links.values()), [len(f) for f in links.values()]  # stories, trap
    story, other = links[READERS[0]][1], links[READERS[0]][2]
    assert click(links[READERS[1]][1], method="HEAD").status_code == 302  # link checker
    assert (
        click(links[READERS[2]][1], agent="Mozilla/5.0 (compatible; Barracuda Sentinel (EE))").status_code
        == 302
    )
    for link in links[READERS[3]]:  # a sandbox opening every link on arrival, the hidden one too
        click(link)
    time.sleep(2.1)  # readers take longer than DIGEST_HUMAN_CLICK_MIN_SECONDS
    first = click(story)
    assert first.status_code == 302 and "utm_source=digest" in first.headers["location"]
    assert first.headers["location"].startswith("https://wire.example.org/story-")
    click(story)  # the same reader again: one unique click
    click(other)
    click(links[READERS[2]][2])  # the reader behind the scanner clicks later, as a person
    tg_links = telegram_links(telegram, CHATS[0])
    assert tg_links and click(tg_links[0]).status_code == 302
    tampered = retargeted(story, "https://evil.example.org/")
    assert click(tampered).status_code == 404  # no open redirect

    viewer = "viewer@example.org"
    auth.add_editor(settings, viewer, "viewer", PASSWORD, "test")
    token = auth.create_token(settings, viewer, "stats", "test")
    answer = httpx.get(
        f"{base}/api/v1/editions/{edition_id}/stats", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    figures = answer.json()
    email, chats = figures["by_channel"]["email"], figures["by_channel"]["telegram"]
    assert (email["recipients"], email["delivered"], email["bounced"]) == (6, 5, 1)
    assert (email["opened"], email["machine_opens"], email["complaints"]) == (2, 1, 1)
    assert (email["clicked"], chats["clicked"]) == (2, 1)  # reader 0 and reader 2; one chat
    assert email["machine_clicks"] >= 2 + len(links[READERS[3]])
    assert (chats["recipients"], chats["delivered"]) == (2, 2)  # the Bot API accepted both
    assert (figures["recipients"], figures["delivered"], figures["clicked"]) == (8, 7, 3)
    assert len(figures["stories"]) == 3 and sum(s["clicks"] for s in figures["stories"]) == 4
    assert all(s["click_rate"] == round(s["clicks"] / 7, 4) for s in figures["stories"])
    return figures


def look_at_the_pages(browser, artifacts, settings, base, edition_id, figures) -> None:
    page = browser.new_page(viewport={"width": 1300, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else 0)
    try:
        page.goto(f"{base}/admin/login")
        page.fill("#email", "viewer@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{base}/admin/editions/{edition_id}")
        page.wait_for_selector("#edition-stats[data-ready=true]", timeout=15_000)
        funnel = page.evaluate(f"{CHART}('canvas.funnel')).data.datasets[0].data")
        assert funnel == [figures[k] for k in ("recipients", "delivered", "opened", "clicked")]
        bars = page.evaluate(f"{CHART}('canvas.stories')).data.datasets[0].data")
        assert bars == [s["clicks"] for s in figures["stories"]]
        assert page.inner_text("tr[data-figure=machine_opens] td:nth-child(3)") == "1"
        page.screenshot(path=str(artifacts / "edition-figures.png"), full_page=True)
        csv_text = page.evaluate(f"fetch('/admin/editions/{edition_id}/stats.csv').then(r => r.text())")
        assert csv_text.splitlines()[0] == "figure,total,email,telegram" and "machine_clicks" in csv_text

        page.goto(f"{base}/admin/lists/daily/trends")
        page.wait_for_selector("#list-trends[data-ready30=true][data-ready90=true]", timeout=15_000)
        series = page.evaluate(f"{CHART}('canvas.days-30')).data.datasets.map(d => [d.label, d.data])")
        assert dict((label, data) for label, data in series)["clicked"] == [3]
        assert dict((label, data) for label, data in series)["complaints"] == [1]
        page.screenshot(path=str(artifacts / "list-trends.png"), full_page=True)
        assert not errors, errors  # the CSP let our own scripts run, nothing else was needed
    finally:
        page.close()
