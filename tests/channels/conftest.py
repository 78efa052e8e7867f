"""Fixtures of the channel tests: an edition with every placeholder, and readers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.channels.base import Envelope
from digest.models import Recipient, RenderedEdition

# `tests.fakes` needs the project root on sys.path; drop this once tests/ is a package
# (tests/__init__.py) or pytest's `pythonpath = ["."]` is set.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


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
