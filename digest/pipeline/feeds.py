"""The operator's use cases for feeds: register or change one, import an OPML file.

An update changes only what it was given: ``digest feeds add URL --weight 2`` keeps the
feed's name and section. An import adds the feeds that are new and keeps the ones already
registered as they are (their settings were chosen here, not in the file), naming them.
A weight is a finite number above 0.

Errors (all ``DigestError``)::

    InvalidFeed   a value is not acceptable (.field names it)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest.config import Settings
from digest.errors import DigestError
from digest.models import Feed, FeedSpec
from digest.store import feeds as feed_store
from digest.store.db import transaction
from digest.textcheck import InvalidText, check_text

__all__ = [
    "FeedImport",
    "InvalidFeed",
    "check_weight",
    "import_feeds",
    "register_feed",
    "registered_feeds",
    "unregister_feed",
]


class InvalidFeed(DigestError):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


def check_weight(value: float, field_name: str = "weight") -> float:
    if not math.isfinite(value) or value <= 0:
        raise InvalidFeed(field_name, f"{value!r} is not a finite number above 0 (1 = normal)")
    return float(value)


def registered_feeds(settings: Settings) -> list[Feed]:
    with transaction(settings.database_url) as conn:
        return feed_store.all_feeds(conn)


def unregister_feed(settings: Settings, feed: str) -> bool:
    """Remove the feed with this id or URL (its items go with it); False when there is none."""
    with transaction(settings.database_url) as conn:
        return feed_store.remove(conn, feed)


def register_feed(
    settings: Settings,
    url: str,
    *,
    name: str | None = None,
    section: str | None = None,
    weight: float | None = None,
) -> tuple[Feed, bool, list[str]]:
    """Add the feed, or change the one with this URL in the values given (None: not given);
    (feed, whether it is new, the fields that changed)."""
    with transaction(settings.database_url) as conn:
        return _register(conn, url, datetime.now(UTC), name=name, section=section, weight=weight)


def _register(
    conn: Connection,
    url: str,
    now: datetime,
    *,
    name: str | None = None,
    section: str | None = None,
    weight: float | None = None,
) -> tuple[Feed, bool, list[str]]:
    values: dict[str, object] = {}
    try:
        if name is not None:
            values["name"] = check_text("name", name, max_length=200)
        if section is not None:
            values["section"] = check_text("section", section, max_length=64).lower() or "news"
    except InvalidText as exc:
        raise InvalidFeed(exc.field, exc.problem) from None
    if weight is not None:
        values["weight"] = check_weight(weight)
    return feed_store.add_given(conn, url, values, now)


@dataclass(frozen=True, slots=True)
class FeedImport:
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already registered: left as they are

    def summary(self, source: str, shown: int = 10) -> str:
        text = f"{source}: {len(self.added) + len(self.kept)} feeds ({len(self.added)} new"
        if self.kept:
            more = f" and {len(self.kept) - shown} more" if len(self.kept) > shown else ""
            listed = ", ".join(self.kept[:shown])
            text += (
                f"; {len(self.kept)} already registered, kept as they are: {listed}{more}"
                " — change one with `digest feeds add URL --name/--section/--weight`"
            )
        return text + ")"


def import_feeds(settings: Settings, specs: Sequence[FeedSpec]) -> FeedImport:
    """Register the new feeds of an import (all or nothing: a bad weight refuses them all)."""
    for spec in specs:
        check_weight(spec.weight, f"{spec.url}: weight")
    now = datetime.now(UTC)
    added, kept = [], []
    with transaction(settings.database_url) as conn:
        for spec in specs:
            if feed_store.by_url(conn, spec.url) is not None:
                kept.append(spec.url)
                continue
            _register(
                conn, spec.url, now, name=spec.name or spec.url, section=spec.section, weight=spec.weight
            )
            added.append(spec.url)
    return FeedImport(added, kept)
