"""The lead photo (sendPhoto) and the inline keyboard, through the real python-telegram-bot
against the fake Bot API, and as the outbox writes them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from digest.channels.base import Envelope
from digest.channels.outbox import OutboxTelegram
from digest.channels.telegram import TelegramChannel
from digest.errors import DeliveryError
from digest.models import Recipient, RenderedEdition
from digest.ratelimit import InProcessRateLimiter
from tests.fakes.telegram_server import FakeTelegram

PHOTO = "https://img.example/opera.jpg"
WEB = "https://news.example.org/editions/7"
TOPICS = "https://t.me/ledger_bot?start=topics"
BUTTONS = (("Read all", WEB), ("Manage topics", TOPICS))


def envelope(*messages: str, photo: str | None = PHOTO) -> Envelope:
    content = RenderedEdition(
        "S",
        "",
        "",
        "",
        telegram=messages,
        lead_url="https://news.example.org/lead",
        telegram_photo=photo,
        telegram_caption="<b>Opera</b> · 3 min read",
        telegram_buttons=BUTTONS,
    )
    return Envelope(7, "daily", content, "digest@example.org", "Daily <daily.example.org>")


@pytest.fixture
def calls(fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every (method, params) the fake received, reply_markup included."""
    seen: list[tuple[str, dict[str, Any]]] = []
    handle = fake.handle

    def recording(token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        seen.append((method.lower(), dict(params)))
        return handle(token, method, params)

    monkeypatch.setattr(fake, "handle", recording)
    return seen


@pytest.fixture
def channel(fake: FakeTelegram) -> Iterator[TelegramChannel]:
    sender = TelegramChannel(fake.token, api_url=fake.base_url, limiter=InProcessRateLimiter(), timeout=2)
    yield sender
    sender.close()


def sends(calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(method, params) for method, params in calls if method in ("sendphoto", "sendmessage")]


def test_the_photo_goes_first_with_its_caption_then_the_messages_without_a_preview(
    fake: FakeTelegram, channel: TelegramChannel, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    channel.deliver(envelope("one", "two"), [Recipient(1, "42")])

    sent = fake.messages_for("42")
    assert [(m.method, m.text) for m in sent] == [
        ("sendphoto", "<b>Opera</b> · 3 min read"),
        ("sendmessage", "one"),
        ("sendmessage", "two"),
    ]
    photo = sends(calls)[0][1]
    assert (photo["photo"], photo["parse_mode"]) == (PHOTO, "HTML")
    assert [m.link_preview for m in sent[1:]] == [{"is_disabled": True}] * 2


def test_the_last_message_of_a_bot_subscriber_has_read_all_topics_and_unsubscribe(
    channel: TelegramChannel, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    channel.deliver(envelope("one", "two", photo=None), [Recipient(1, "42")])

    (_, first), (_, last) = sends(calls)
    assert "reply_markup" not in first
    assert last["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Read all", "url": WEB}, {"text": "Manage topics", "url": TOPICS}],
            [{"text": "Unsubscribe", "callback_data": "unsubscribe"}],
        ]
    }


@pytest.mark.parametrize("chat", ["@newsroom", "-1001234567890"])
def test_a_channel_post_gets_no_unsubscribe_button(
    chat: str, channel: TelegramChannel, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    channel.deliver(envelope("only", photo=None), [Recipient(1, chat)])
    ((_, message),) = sends(calls)
    assert message["reply_markup"] == {
        "inline_keyboard": [[{"text": "Read all", "url": WEB}, {"text": "Manage topics", "url": TOPICS}]]
    }


def test_a_photo_telegram_refuses_is_skipped_and_the_digest_still_goes(
    fake: FakeTelegram, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(status=400, description="Bad Request: wrong type of the web page content")
    with caplog.at_level(logging.WARNING, logger="digest"):
        channel.deliver(envelope("one"), [Recipient(1, "42")])
    assert [m.text for m in fake.messages_for("42")] == ["one"]
    assert "lead photo was refused" in caplog.text


def test_the_photo_counts_as_a_part_so_a_retry_resumes_after_it(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.fail_next(status=500, after=2)  # the photo and "one" go, "two" fails
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(envelope("one", "two"), [Recipient(1, "42")])
    assert [m.text for m in fake.messages_for("42")] == ["<b>Opera</b> · 3 min read", "one"]
    assert caught.value.sent_count == 2

    channel.deliver(envelope("one", "two"), [Recipient(1, "42", parts_sent=caught.value.sent_count)])
    assert [m.text for m in fake.messages_for("42")] == ["<b>Opera</b> · 3 min read", "one", "two"]


def test_the_outbox_writes_the_photo_first_and_the_keyboard_on_the_last_message(tmp_path: Path) -> None:
    OutboxTelegram(tmp_path).deliver(envelope("one", "two"), [Recipient(1, "42")])

    folder = tmp_path / "telegram" / "7"
    parts = [json.loads((folder / f"42-{n}.json").read_text()) for n in (1, 2, 3)]
    assert parts[0] == {
        "chat_id": "42",
        "photo": PHOTO,
        "caption": "<b>Opera</b> · 3 min read",
        "parse_mode": "HTML",
        "edition_id": 7,
    }
    assert [p.get("text") for p in parts[1:]] == ["one", "two"]
    assert "reply_markup" not in parts[1]
    assert parts[2]["reply_markup"]["inline_keyboard"][1] == [
        {"text": "Unsubscribe", "callback_data": "unsubscribe"}
    ]


def test_buttons_telegram_refuses_are_dropped_and_the_message_still_goes(
    fake: FakeTelegram, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(status=400, description="Bad Request: BUTTON_URL_INVALID")
    with caplog.at_level(logging.WARNING, logger="digest"):
        channel.deliver(envelope("only", photo=None), [Recipient(1, "42")])
    assert [m.text for m in fake.messages_for("42")] == ["only"]
    assert "buttons were refused" in caplog.text
