"""The bot against the fake Bot API: settings pointing at it, updates as Telegram writes
them, a polling bot in a thread, a webhook client, and a stopwatch for replies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from digest import config
from digest.bot import build_application, webhook_app
from digest.bot.app import ALLOWED_UPDATES
from digest.models import FeedSpec, Item, Subscriber
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram

SECRET = "s3cret-Webhook_token"
WEBHOOK_URL = "https://bot.news.example.org/telegram/updates"
CHAT = 4242
_ids = count(1000)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    # Replies to one reader come in bursts (a /last is several messages): allow them.
    with FakeTelegram(chat_burst=20) as server:
        yield server


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake: FakeTelegram) -> Iterator[config.Settings]:
    loaded = make_settings(
        db_url,
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake.token,
        DIGEST_TELEGRAM_API_URL=fake.base_url,
        DIGEST_TELEGRAM_WEBHOOK_SECRET=SECRET,
        DIGEST_DEFAULT_TIMEZONE="Europe/Kyiv",
    )
    config.override(loaded)
    now = datetime.now(UTC)
    with transaction(loaded.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", now, "Morning Digest")
        subscriber_store.ensure_list(conn, "breaking", now, "Breaking News", subscriber_store.BREAKING)
    yield loaded
    config.override(None)


# --- updates as Telegram sends them -------------------------------------------------------


def _user(chat: int, first_name: str) -> dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": first_name}


def _chat(chat: int) -> dict[str, Any]:
    return {"id": chat, "type": "private" if chat > 0 else "group", "first_name": "Olena"}


def message(text: str, chat: int = CHAT, first_name: str = "Olena") -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": _chat(chat),
        "from": _user(abs(chat), first_name),
        "text": text,
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": body}


def button(data: str, chat: int = CHAT, first_name: str = "Olena", message_id: int = 1) -> dict[str, Any]:
    """A tap on an inline button under message ``message_id`` of the chat."""
    query = {
        "id": str(next(_ids)),
        "from": _user(abs(chat), first_name),
        "chat_instance": "ci",
        "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat), "text": "…"},
    }
    return {"update_id": next(_ids), "callback_query": query}


# --- watching the fake ----------------------------------------------------------------------


def reactions(fake: FakeTelegram) -> int:
    """Everything the bot did that a reader sees: messages, edits, answered taps."""
    return len(fake.messages) + len(fake.edits) + len(fake.answers)


def wait_until(done: Callable[[], bool], timeout: float = 5.0) -> float:
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"nothing happened within {timeout}s")
        time.sleep(0.005)
    return time.monotonic() - start


class PollingBot:
    """The bot polling the fake from a thread, as ``digest bot`` runs it."""

    def __init__(self, settings: config.Settings, fake: FakeTelegram) -> None:
        self.fake = fake
        self.application = build_application(settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="bot-polling", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.application.run_polling(
            poll_interval=0.01, allowed_updates=ALLOWED_UPDATES, stop_signals=None, close_loop=False
        )

    def start(self) -> PollingBot:
        self.thread.start()
        wait_until(lambda: bool(self.fake.commands) and self.application.running)
        return self

    def stop(self) -> None:
        """Stop the loop; run_polling then shuts down gracefully.

        ``running`` is set inside run_polling's last start-up step, a ``run_until_complete``.
        A stop that lands before that step returns is used up by it, and the ``run_forever``
        after it then runs on. So the stop is asked again until the updater begins to stop:
        once it has, the loop is in its shutdown and a second stop would break it.
        """
        updater = self.application.updater
        assert updater is not None
        deadline = time.monotonic() + 10
        while self.thread.is_alive() and updater.running and time.monotonic() < deadline:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=0.5)
        self.thread.join(timeout=10)
        self.loop.close()

    def send(self, update: dict[str, Any], reactions_expected: int = 1) -> float:
        """Queue the update for getUpdates; the seconds until the bot's first reaction."""
        before = reactions(self.fake)
        self.fake.queue_update(update)
        first = wait_until(lambda: reactions(self.fake) > before)
        wait_until(lambda: reactions(self.fake) >= before + reactions_expected)
        return first


@pytest.fixture
def polling(settings: config.Settings, fake: FakeTelegram) -> Iterator[PollingBot]:
    bot = PollingBot(settings, fake).start()
    yield bot
    bot.stop()


class WebhookBot:
    """Telegram's side of webhook mode: POSTs updates with (or without) the secret."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, update: Any, secret: str | None = SECRET) -> tuple[int, float]:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        start = time.monotonic()
        response = self.client.post("/telegram/updates", json=update, headers=headers)
        return response.status_code, time.monotonic() - start


@pytest.fixture
def webhook(settings: config.Settings, fake: FakeTelegram) -> Iterator[WebhookBot]:
    with TestClient(webhook_app(settings, WEBHOOK_URL)) as client:
        yield WebhookBot(client)


# --- data -----------------------------------------------------------------------------------


def add_news(settings: config.Settings, sections: dict[str, list[str]]) -> None:
    """Fresh items from one feed per section: section -> titles."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for section, titles in sections.items():
            spec = FeedSpec(f"https://wire.example.org/{section}.rss", f"Wire {section}", section=section)
            feed, _ = feed_store.add(conn, spec, now)
            found = [
                Item(
                    key=f"{section}-{n}",
                    feed_id=feed.id,
                    source=feed.name,
                    title=title,
                    url=f"https://wire.example.org/{section}/{n}",
                    summary_text="A summary.",
                    published=now - timedelta(hours=1),
                    section=section,
                )
                for n, title in enumerate(titles)
            ]
            item_store.save(conn, found, now)


def subscriber(settings: config.Settings, chat: int = CHAT) -> Subscriber | None:
    with transaction(settings.database_url) as conn:
        return subscriber_store.find(conn, chat_id=str(chat))


def add_reader(settings: config.Settings, chat: int = CHAT, **fields: Any) -> Subscriber:
    with transaction(settings.database_url) as conn:
        subscriber_store.save(conn, Subscriber(telegram_chat_id=str(chat), **fields), datetime.now(UTC))
    found = subscriber(settings, chat)
    assert found is not None
    return found


def keyboard(markup: dict[str, Any] | None) -> list[list[tuple[str, str]]]:
    """An inline keyboard as rows of (label, callback data or URL)."""
    assert markup is not None, "the message has no keyboard"
    return [
        [(b["text"], b.get("callback_data") or b["url"]) for b in row] for row in markup["inline_keyboard"]
    ]
