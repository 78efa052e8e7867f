"""The desk's subscriber pages: find readers (counted, paged, filtered), see one reader, and
change only what the editor changed.

An edit form carries the values it showed; ``update_reader`` writes just the fields whose
submitted value differs from the shown one, so a reader's own change made meanwhile (their
preferences page, the bot) is never overwritten by a form that did not touch it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from digest import schedule
from digest.config import Settings
from digest.errors import DigestError
from digest.models import Subscriber, SubscriberStatus
from digest.store import audit as audit_store
from digest.store import consents as consent_store
from digest.store import readers as reader_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.consents import Consent
from digest.store.db import transaction
from digest.store.readers import Delivery, ReaderFilter

__all__ = [
    "FIELDS",
    "InvalidEdit",
    "ReaderDetail",
    "ReaderPage",
    "UnknownReader",
    "filter_from",
    "find_readers",
    "reader_detail",
    "update_reader",
]

PAGE_SIZE = 50
# What the edit form shows, as text: the field's name -> how to read it from a Subscriber.
FIELDS = ("name", "timezone", "send_hour", "frequency", "topics", "lists", "status")


class UnknownReader(DigestError):
    def __init__(self, subscriber_id: int) -> None:
        super().__init__(f"There is no subscriber {subscriber_id}.")
        self.subscriber_id = subscriber_id


class InvalidEdit(DigestError):
    """A field of the edit form that cannot be saved; nothing was saved."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field, self.problem = field_name, problem


@dataclass(frozen=True, slots=True)
class ReaderPage:
    total: int
    rows: list[tuple[Subscriber, datetime | None]]
    page: int
    pages: int


def filter_from(
    text: str = "", list_name: str = "", status: str = "", channel: str = "", since: str = "", until: str = ""
) -> ReaderFilter:
    """A filter from the page's query string; dates are days (``2026-11-30``), ``until`` inclusive."""
    if status and status not in {str(s) for s in SubscriberStatus}:
        raise InvalidEdit("status", f"{status!r} is not one of active, unconfirmed, unsubscribed")
    if channel not in ("", "email", "telegram"):
        raise InvalidEdit("channel", f"{channel!r} is not email or telegram")
    return ReaderFilter(
        text.strip(),
        list_name.strip(),
        status,
        channel,
        _day(since, "signed up from"),
        _day(until, "signed up until", next_day=True),
    )


def _day(value: str, what: str, *, next_day: bool = False) -> datetime | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidEdit(what, f"{value!r} is not a date like 2026-11-30") from None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time(), UTC)


def find_readers(settings: Settings, found: ReaderFilter, page: int = 1) -> ReaderPage:
    page = max(1, page)
    with transaction(settings.database_url) as conn:
        total, rows = reader_store.reader_page(conn, found, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return ReaderPage(total, rows, page, max(1, -(-total // PAGE_SIZE)))


@dataclass(frozen=True, slots=True)
class ReaderDetail:
    sub: Subscriber
    signed_up_at: datetime | None
    history: list[Delivery] = field(default_factory=list)
    all_lists: list[str] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)  # sign-ups and confirmations, oldest first

    @property
    def shown(self) -> dict[str, str]:
        """The edit form's values, as text."""
        return as_text(self.sub)


EDITABLE = ("name", "timezone", "send_hour", "frequency", "topics", "lists", "status")


def as_text(sub: Subscriber) -> dict[str, str]:
    """The fields an editor changes on the reader's page, as the form shows them."""
    text = sub.fields(separator="; ")
    return {key: text[key] for key in EDITABLE}


def reader_detail(settings: Settings, subscriber_id: int) -> ReaderDetail:
    with transaction(settings.database_url) as conn:
        sub = subscription_store.by_id(conn, subscriber_id)
        if sub is None:
            raise UnknownReader(subscriber_id)
        names = [name for _, name, _, _ in subscriber_store.all_lists(conn)]
        return ReaderDetail(
            sub,
            reader_store.signed_up_at(conn, subscriber_id),
            reader_store.delivery_history(conn, subscriber_id),
            names,
            consent_store.history(conn, subscriber_id),
        )


def update_reader(
    settings: Settings, subscriber_id: int, shown: dict[str, str], submitted: dict[str, str], actor: str
) -> list[str]:
    """Save the fields the editor changed (submitted differs from shown); the names changed."""
    changed = [
        f for f in FIELDS if _norm(f, submitted.get(f, shown.get(f, ""))) != _norm(f, shown.get(f, ""))
    ]
    values = {f: _parse(f, submitted.get(f, "")) for f in changed if f != "lists"}
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if subscription_store.by_id(conn, subscriber_id) is None:
            raise UnknownReader(subscriber_id)
        reader_store.update_columns(conn, subscriber_id, values)
        if "lists" in changed:
            _move_lists(conn, subscriber_id, shown.get("lists", ""), submitted.get("lists", ""))
        if changed:
            details = {f: submitted.get(f, "") for f in changed}
            audit_store.audit(conn, actor, "subscriber.update", str(subscriber_id), details, now)
    return changed


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]


def _norm(name: str, value: str) -> Any:
    if name in ("topics", "lists"):
        return sorted(set(_split(value)))
    return value.strip()


def _parse(name: str, value: str) -> Any:
    text = value.strip()
    if name == "name":
        return text[:200]
    if name == "timezone":
        try:
            schedule.zone(text or "UTC")
        except ValueError as exc:
            raise InvalidEdit("time zone", str(exc)) from None
        return text or "UTC"
    if name == "send_hour":
        if not text.isdigit() or not 0 <= int(text) <= 23:
            raise InvalidEdit("send hour", f"{value!r} is not an hour from 0 to 23")
        return int(text)
    if name == "frequency":
        try:
            kind, day = schedule.parse_frequency(text)
        except ValueError as exc:
            raise InvalidEdit("frequency", str(exc)) from None
        return kind if day is None else f"{kind}:{day}"
    if name == "topics":
        return _split(text)
    if name == "status":
        if text not in {str(s) for s in SubscriberStatus}:
            raise InvalidEdit("status", f"{value!r} is not one of active, unconfirmed, unsubscribed")
        return text
    raise InvalidEdit(name, "cannot be changed here")


def _move_lists(conn: Any, subscriber_id: int, shown: str, submitted: str) -> None:
    """Join the lists added and leave the lists removed; other memberships stay as they are."""
    before, after = set(_split(shown)), set(_split(submitted))
    known = {name for _, name, _, _ in subscriber_store.all_lists(conn)}
    unknown = sorted((after - before) - known)
    if unknown:
        raise InvalidEdit("lists", f"there is no list {unknown[0]!r}")
    subscription_store.join_lists(conn, subscriber_id, sorted(after - before))
    for name in sorted(before - after):
        subscription_store.leave_list(conn, subscriber_id, name)
