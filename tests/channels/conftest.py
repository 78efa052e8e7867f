"""Fixtures of the channel tests: an edition with every placeholder, and readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from digest.channels.base import Envelope
from digest.models import Recipient, RenderedEdition
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22's opt-in: RetryAfter.retry_after is a timedelta, without a deprecation warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The local Telegram Bot API server."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def envelope() -> Envelope:
    content = RenderedEdition(
        subject="Morning digest for -name-",
        preheader="Three stories",
        html=(
            "<p>Hello -name-</p>"
            '<a href="-unsubscribe_url-">Unsubscribe</a> <a href="-preferences_url-">Preferences</a>'
        ),
        text="Hello -name-\nUnsubscribe: -unsubscribe_url-\nPreferences: -preferences_url-\n",
        telegram=("<b>Digest</b> for -name-", 'Bye: <a href="-unsubscribe_url-">unsubscribe</a>'),
    )
    return Envelope(
        edition_id=42,
        list_name="daily",
        content=content,
        from_email="The Daily Digest <digest@news.example.org>",
        list_id="The Daily Digest daily <daily.news.example.org>",
        unsubscribe_mailto="mailto:unsubscribe@news.example.org?subject=unsubscribe",
        categories=("digest", "daily"),
    )


def _readers(count: int, start: int = 1) -> list[Recipient]:
    return [
        Recipient(
            subscriber_id=i,
            address=f"reader{i}@example.org",
            name=f"Reader {i}",
            unsubscribe_url=f"https://news.example.org/u/{i}?list=daily&sig=s{i}",
            preferences_url=f"https://news.example.org/p/{i}",
        )
        for i in range(start, start + count)
    ]


@pytest.fixture
def readers() -> Callable[..., list[Recipient]]:
    """``readers(n)``: n distinct recipients with personal links."""
    return _readers
