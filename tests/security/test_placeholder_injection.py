"""Feed text is data, never template: per-reader placeholders written into a feed's title,
summary, link or image caption stay literal for every reader, in every channel.

The edition is planned from a hostile item and sent in-process through the outbox, through
SendGrid (the real library against the local fake server, whose substitutions we apply the way
SendGrid does) and through Telegram (python-telegram-bot against the local fake server).
"""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from digest import pipeline
from digest.models import FeedSpec, Item, Recipient, Subscriber
from digest.pipeline.delivering import channel_for
from digest.render import PLACEHOLDERS
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid
from tests.fakes.telegram_server import FakeTelegram, parse_entities
from tests.pipeline.conftest import NOW

OURS = " ".join(PLACEHOLDERS.values())
SENDGRID_HTML_FORMS = " ".join(f"{tag[:-1]}_html-" for tag in PLACEHOLDERS.values())
FOREIGN = "{{name}} *|FNAME|* %name% {{ unsubscribe_url }} [unsubscribe]"
BAIT = f"{OURS} {SENDGRID_HTML_FORMS} {FOREIGN}"
EVIL_URL = "https://evil.example/steal?p=-preferences_url-&u=-unsubscribe_url-&n=-name-&h=-name_html-"
READERS = {"alice@example.org": "Alice Secretname", "bob@example.org": "Bob Hiddenname"}
CHATS = {"alice@example.org": "5001", "bob@example.org": "5002"}


def plant_hostile_item(db_url: str) -> None:
    with transaction(db_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://evil.example/rss", "Evil Feed"), NOW)
        assert feed.id is not None
        hostile = Item(
            key="evil-1",
            feed_id=feed.id,
            source="Evil Feed",
            url=EVIL_URL,
            title=f"Breaking {BAIT}",
            summary_html=f'<p>Read <a href="{EVIL_URL}">this</a> {BAIT}</p>',
            summary_text=f"Read this {BAIT}",
            image_url="https://evil.example/photo.jpg",
            image_caption=f"Photo {BAIT}",
            published=NOW - timedelta(hours=1),
        )
        plain = Item(
            key="ok-1",
            feed_id=feed.id,
            source="Evil Feed",
            url="https://evil.example/ok",
            title="Parliament approves winter energy budget",
            summary_text="A summary.",
            published=NOW - timedelta(hours=2),
        )
        item_store.save(conn, [hostile, plain], NOW)
        for email, name in READERS.items():
            sub = Subscriber(email=email, name=name, telegram_chat_id=CHATS[email], send_hour=9)
            subscriber_store.save(conn, sub, NOW)


def send_everything(settings) -> int:
    plan = pipeline.plan_send("daily", settings, now=NOW, manual=True)
    assert plan.edition_id is not None
    for channel, ids in plan.batches:
        result = pipeline.send_batch(plan.edition_id, channel, ids, f"b-{channel}-{ids[0]}", settings)
        assert not result.retry and not result.failed
    return plan.edition_id


def personal_values(settings) -> list[str]:
    """Every value that belongs to one reader: names and signed links (their signature part)."""
    return [*READERS.values(), "sig=", settings.public_url + "/u", settings.public_url + "/p"]


def assert_literal(text: str, settings) -> None:
    """The lines that carry the hostile item hold no reader's value."""
    hostile = [line for line in text.splitlines() if "evil.example/steal" in line or "Breaking" in line]
    assert hostile, "the hostile item should be in the message"
    for line in hostile:
        assert not any(value in line for value in personal_values(settings)), f"a reader's value in {line!r}"


@pytest.fixture(autouse=True)
def fresh_channels():
    channel_for.cache_clear()
    yield
    channel_for.cache_clear()


def test_placeholders_in_feed_text_stay_literal_in_outbox_email_and_telegram(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    plant_hostile_item(db_url)
    edition = send_everything(settings)
    outbox = Path(settings.outbox_dir)
    for path in (outbox / "email" / str(edition)).glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content()
        name = READERS[msg["To"].addresses[0].addr_spec]
        assert f"Hello, {name.split()[0]}." in text, "the template's own placeholder is filled"
        for part in (html, text, str(msg["Subject"])):
            assert_literal(part, settings)
        assert "-unsubscribe_url-" in text.replace("\u2060", ""), "feed text keeps what the feed wrote"
        assert "{{name}}" in text and "*|FNAME|*" in text and "%name%" in text
    chats = list((outbox / "telegram" / str(edition)).glob("*.json"))
    assert chats
    for path in chats:
        payload = json.loads(path.read_text())
        shown = parse_entities(payload.get("text") or payload.get("caption") or "")
        assert not any(value in shown for value in personal_values(settings))


def test_placeholders_in_feed_text_stay_literal_after_sendgrid_substitutes(db_url, tmp_path):
    with FakeSendGrid() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=fake.api_key,
            DIGEST_SENDGRID_API_URL=fake.url,
        )
        plant_hostile_item(db_url)
        send_everything(settings)
        body = fake.last_body
        delivered = fake.deliveries()
    assert body is not None and {d.email for d in delivered} == set(READERS)
    for reader in delivered:
        for part in body["content"]:
            shown = part["value"]
            for key, value in dict(reader.substitutions).items():  # what SendGrid's servers do
                shown = shown.replace(key, value)
            assert_literal(shown, settings)
            first_name = READERS[reader.email].split()[0]
            assert f"Hello, {first_name}." in shown, "the greeting still names the reader"


def test_placeholders_in_feed_text_reach_telegram_as_the_feed_wrote_them(db_url, tmp_path):
    token = "123456:placeholder-test"
    with FakeTelegram(token=token) as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            DIGEST_TELEGRAM_CHANNEL="telegram",
            TELEGRAM_BOT_TOKEN=token,
            DIGEST_TELEGRAM_API_URL=fake.base_url,
        )
        plant_hostile_item(db_url)
        send_everything(settings)
        messages = [m for chat in CHATS.values() for m in fake.messages_for(chat)]
    shown = "\n".join(parse_entities(m.text or "") for m in messages)
    assert "-unsubscribe_url-" in shown and "{{name}}" in shown
    assert not any(value in shown for value in personal_values(settings))


def test_placeholders_in_a_breaking_story_stay_literal_for_every_reader(db_url, tmp_path):
    from datetime import UTC, datetime

    from digest.pipeline import breaking
    from digest.render import personalize

    settings = make_settings(db_url, tmp_path)
    news = breaking.news_from_text(f"Breaking {BAIT}", EVIL_URL, summary=f"Read this {BAIT}")
    rendered = breaking.render(settings, news, "breaking", datetime.now(UTC))
    reader = Recipient(
        7,
        "alice@example.org",
        "Alice Secretname",
        f"{settings.public_url}/u/7?sig=x",
        f"{settings.public_url}/p/7?sig=y",
    )
    html = personalize(rendered.html, reader, html_escape=True)
    text = personalize(rendered.text, reader)
    for part in (html, text, personalize(rendered.subject, reader), *rendered.telegram):
        assert_literal(part, settings)
    assert f"{settings.public_url}/u/7?sig=x" in text, "the template's own unsubscribe link is filled"
