"""Feeds and lists from the editors' desk. Feeds: add (checked by the SSRF guard, answered
in words), edit, pause and resume, remove, import an OPML file. Lists: title, kind, and the
order and size of their sections. Every change audited.

The guard is the collector's own (``digest.collect.ssrf``): a feed the desk accepts is one
the collector may fetch, and one it refuses says why in a sentence.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from digest.collect import ssrf
from digest.config import Settings
from digest.editorial import format_layout, parse_layout
from digest.errors import ImportError_
from digest.models import Feed, FeedSpec
from digest.opml import parse_opml
from digest.pipeline.archive import DESCRIPTION_MAX
from digest.pipeline.feeds import InvalidFeed
from digest.store import audit as audit_store
from digest.store import desk as desk_store
from digest.store import editorial as editorial_store
from digest.store import feeds as feed_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

__all__ = [
    "FeedRow",
    "InvalidFeed",
    "ListSettings",
    "add_feed",
    "all_feeds",
    "check_url",
    "edit_feed",
    "edit_list",
    "import_opml",
    "list_settings",
    "remove_feed",
    "set_paused",
]

SECTION_MAX = 64
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class FeedRow:
    feed: Feed
    paused_by: str | None
    paused_at: datetime | None


def check_url(settings: Settings, url: str) -> str:
    """The URL if the collector may fetch it; else InvalidFeed saying why, in words."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidFeed("address", "give a full web address starting with http:// or https://")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ssrf.resolve(parts.hostname, port, settings.fetch_allowlist)
    except ssrf.RefusedAddressError as exc:
        raise InvalidFeed(
            "address",
            f"{parts.hostname} points inside a private network ({exc.reason.rsplit(' ', 1)[-1]}); "
            "feeds must be public web sites (an admin can allow a host with DIGEST_FETCH_ALLOWLIST)",
        ) from None
    except (socket.gaierror, UnicodeError, ValueError):
        raise InvalidFeed("address", f"no web site answers to the name {parts.hostname}") from None
    return text


def _spec(url: str, name: str, section: str, weight: str | float) -> FeedSpec:
    section = (section.strip().lower() or "news")[:SECTION_MAX]
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise InvalidFeed("weight", f"{weight!r} is not a number (1 is normal)") from None
    if not 0 < value <= 10:
        raise InvalidFeed("weight", "choose a weight above 0 and at most 10 (1 is normal)")
    return FeedSpec(url, name.strip()[:NAME_MAX], section, value)


def add_feed(settings: Settings, url: str, name: str, section: str, weight: str, actor: str) -> Feed:
    spec = _spec(check_url(settings, url), name, section, weight)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if feed_store.by_url(conn, spec.url) is not None:
            raise InvalidFeed("address", "this feed is already registered; edit it below")
        feed, _ = feed_store.add(conn, spec, now)
        details = {"name": feed.name, "section": feed.section}
        audit_store.audit(conn, actor, "feed.add", spec.url, details, now)
    return feed


def edit_feed(settings: Settings, feed_id: int, changes: dict[str, str], actor: str) -> list[str]:
    """Change the given fields among name, section and weight; the names of those changed."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed = feed_store.by_id(conn, feed_id)
        if feed is None:
            raise InvalidFeed("feed", f"there is no feed {feed_id}")
        spec = _spec(
            feed.url,
            changes.get("name", feed.name),
            changes.get("section", feed.section),
            changes.get("weight", feed.weight),
        )
        values = {"name": spec.name or feed.url, "section": spec.section, "weight": spec.weight}
        changed = {k: v for k, v in values.items() if getattr(feed, k) != v}
        if changed:
            desk_store.update_feed(conn, feed_id, changed)
            audit_store.audit(conn, actor, "feed.edit", feed.url, changed, now)
    return sorted(changed)


def set_paused(settings: Settings, feed_id: int, paused: bool, actor: str) -> None:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed = feed_store.by_id(conn, feed_id)
        if feed is None:
            raise InvalidFeed("feed", f"there is no feed {feed_id}")
        desk_store.set_feed_pause(conn, feed_id, actor if paused else None, now)
        audit_store.audit(conn, actor, "feed.pause" if paused else "feed.resume", feed.url, {}, now)


def remove_feed(settings: Settings, feed_id: int, actor: str) -> str:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed = feed_store.by_id(conn, feed_id)
        if feed is None:
            raise InvalidFeed("feed", f"there is no feed {feed_id}")
        feed_store.remove(conn, str(feed_id))
        audit_store.audit(conn, actor, "feed.remove", feed.url, {"name": feed.name}, now)
    return feed.name


def import_opml(settings: Settings, data: bytes, filename: str, actor: str) -> tuple[int, int]:
    """Every feed of the file, or none: (feeds in the file, new ones)."""
    try:
        specs = parse_opml(data, filename)
    except ImportError_ as exc:
        raise InvalidFeed("OPML file", str(exc)) from None
    refused = []
    for spec in specs:
        try:
            check_url(settings, spec.url)
        except InvalidFeed as exc:
            refused.append(f"{spec.url}: {exc.problem}")
    if refused:
        shown = "; ".join(refused[:5])
        raise InvalidFeed("OPML file", f"nothing was imported; {len(refused)} refused — {shown}")
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        added = sum(feed_store.add(conn, spec, now)[1] for spec in specs)
        audit_store.audit(conn, actor, "feed.import", filename, {"feeds": len(specs), "new": added}, now)
    return len(specs), added


def all_feeds(settings: Settings) -> list[FeedRow]:
    with transaction(settings.database_url) as conn:
        found = feed_store.all_feeds(conn)
        pauses = desk_store.feed_pauses_by_id(conn)
    return [FeedRow(f, *pauses.get(f.id, (None, None))) for f in found]


# --- lists --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListSettings:
    name: str
    title: str
    kind: str
    active: int
    sections: str  # "news:5,analysis:3" in edition order; "" for the defaults
    description: str = ""  # what the sign-up page says of the list


def list_settings(settings: Settings, name: str) -> ListSettings:
    with transaction(settings.database_url) as conn:
        found = next((row for row in subscriber_store.all_lists(conn) if row[1] == name), None)
        if found is None:
            raise InvalidFeed("list", f"there is no list {name!r}")
        kind = desk_store.list_kind(conn, name)
        layout = editorial_store.layout(conn, name)
        description = desk_store.list_description(conn, name)
    return ListSettings(name, found[2], kind, found[3], format_layout(layout), description)


def edit_list(settings: Settings, name: str, changes: dict[str, str], actor: str) -> list[str]:
    """Change the given fields among title, description, kind and sections; the names of
    those changed."""
    current = list_settings(settings, name)
    values: dict[str, object] = {}
    if "title" in changes and changes["title"].strip() != current.title:
        values["title"] = changes["title"].strip()[:200] or name
    if "description" in changes:
        text = " ".join(changes["description"].split())  # one paragraph on the sign-up page
        if len(text) > DESCRIPTION_MAX:
            raise InvalidFeed("description", f"at most {DESCRIPTION_MAX} characters (this is {len(text)})")
        if text != current.description:
            values["description"] = text
    if "kind" in changes and changes["kind"] != current.kind:
        if changes["kind"] not in ("digest", "breaking"):
            raise InvalidFeed("kind", "choose digest (a scheduled edition) or breaking (breaking news only)")
        values["kind"] = changes["kind"]
    layout = None
    if "sections" in changes and changes["sections"].replace(" ", "") != current.sections:
        try:
            layout = parse_layout(changes["sections"])
        except ValueError as exc:
            raise InvalidFeed("sections", str(exc)) from None
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        desk_store.update_list(conn, name, values)
        if values:
            audit_store.audit(conn, actor, "list.edit", name, dict(values), now)
        if layout is not None:
            editorial_store.set_layout(conn, name, layout, actor=actor, now=now)
    return sorted([*values, *(["sections"] if layout is not None else [])])
