"""The bundled sample feeds and subscribers, for the demo and the tests.

The feed files carry fixed dates; ``materialize`` copies them with every date moved so that
the newest item is a few minutes old, so the demo finds fresh news whatever day it runs. They
make one news day: every item is within the edition's 36 hours (``DIGEST_MAX_AGE_HOURS``)
of the newest, so the demo's edition has all of them to choose from.

``stories.csv`` gives each item (by source and title) its true story, for the tests that
check how the sample is grouped; ``pictures/`` holds the pictures the feeds point at (see
``picture``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
FEEDS = HERE / "feeds"
OPML = HERE / "feeds.opml"
SUBSCRIBERS = HERE / "subscribers.csv"
STORIES = HERE / "stories.csv"
PICTURES = HERE / "pictures"

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} (?:[+-]\d{4}|GMT|UT)"
)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _formats() -> list[tuple[re.Pattern[str], Callable[[str], datetime], Callable[[datetime], str]]]:
    return [
        (ISO, _iso, lambda d: d.astimezone(UTC).isoformat().replace("+00:00", "Z")),
        (RFC822, parsedate_to_datetime, lambda d: format_datetime(d.astimezone(UTC))),
    ]


def newest_date(text: str) -> datetime | None:
    found = [parse(m.group()) for pattern, parse, _ in _formats() for m in pattern.finditer(text)]
    return max(found) if found else None


def oldest_date(text: str) -> datetime | None:
    found = [parse(m.group()) for pattern, parse, _ in _formats() for m in pattern.finditer(text)]
    return min(found) if found else None


def shift_dates(text: str, delta: timedelta) -> str:
    for pattern, parse, write in _formats():
        text = pattern.sub(lambda m, p=parse, w=write: w(p(m.group()) + delta), text)  # type: ignore[misc]
    return text


def materialize(dest: Path, now: datetime) -> Path:
    """Copy the sample feeds and OPML into ``dest`` with dates moved up to ``now``; return the OPML."""
    texts = {
        path.name: path.read_text(encoding="utf-8") for path in sorted(FEEDS.iterdir()) if path.is_file()
    }
    newest = max(d for d in map(newest_date, texts.values()) if d is not None)
    delta = (now - timedelta(minutes=10)) - newest
    (dest / "feeds").mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (dest / "feeds" / name).write_text(shift_dates(text, delta), encoding="utf-8")
    shutil.copy(OPML, dest / OPML.name)
    return dest / OPML.name


def picture(url: str) -> Path | None:
    """The bundled file of a picture the sample feeds point at (``https://<host>/<path>`` is
    ``pictures/<host>/<path>``), or None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or not parts.hostname.endswith(".example"):
        return None
    path = (PICTURES / parts.hostname / unquote(parts.path).lstrip("/")).resolve()
    return path if path.is_relative_to(PICTURES) and path.is_file() else None
