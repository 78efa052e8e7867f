"""Read queries of the desk's subscriber pages: a filtered, counted page of readers, one
reader's sign-up time and delivery history, and an update of only the given columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select, update

from digest.models import Subscriber
from digest.store.common import aware, newest_first
from digest.store.subscribers import _subscriber
from digest.store.tables import deliveries, editions, lists, memberships, subscribers

__all__ = ["Delivery", "ReaderFilter", "delivery_history", "reader_page", "signed_up_at", "update_columns"]

# Columns an editor may change from the detail page (lists are memberships, not a column).
EDITABLE = ("name", "timezone", "send_hour", "frequency", "topics", "status")


@dataclass(frozen=True, slots=True)
class ReaderFilter:
    text: str = ""
    list_name: str = ""
    status: str = ""
    channel: str = ""  # "email", "telegram" or "" for both
    since: datetime | None = None  # signed up at or after
    until: datetime | None = None  # signed up before


def _conditions(found: ReaderFilter) -> list[Any]:
    conditions: list[Any] = []
    if found.text.strip():
        pattern = f"%{found.text.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(subscribers.c.email).like(pattern),
                func.lower(subscribers.c.telegram_chat_id).like(pattern),
                func.lower(subscribers.c.name).like(pattern),
            )
        )
    if found.list_name:
        member = (
            select(memberships.c.subscriber_id)
            .join(lists, lists.c.id == memberships.c.list_id)
            .where(memberships.c.subscriber_id == subscribers.c.id, lists.c.name == found.list_name)
        )
        conditions.append(exists(member))
    if found.status:
        conditions.append(subscribers.c.status == found.status)
    if found.channel == "email":
        conditions.append(subscribers.c.email.is_not(None))
    elif found.channel == "telegram":
        conditions.append(subscribers.c.telegram_chat_id.is_not(None))
    if found.since is not None:
        conditions.append(subscribers.c.created_at >= found.since)
    if found.until is not None:
        conditions.append(subscribers.c.created_at < found.until)
    return conditions


def reader_page(
    conn: Connection, found: ReaderFilter, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[tuple[Subscriber, datetime | None]]]:
    """(how many match, one page of them newest first with their sign-up time)."""
    conditions = _conditions(found)
    total = conn.execute(select(func.count()).select_from(subscribers).where(*conditions)).scalar_one()
    query = (
        select(subscribers).where(*conditions).order_by(subscribers.c.id.desc()).offset(offset).limit(limit)
    )
    rows = conn.execute(query).all()
    return int(total), [(_subscriber(conn, row), aware(row.created_at)) for row in rows]


def signed_up_at(conn: Connection, subscriber_id: int) -> datetime | None:
    query = select(subscribers.c.created_at).where(subscribers.c.id == subscriber_id)
    return aware(conn.execute(query).scalar())


@dataclass(frozen=True, slots=True)
class Delivery:
    edition_id: int
    title: str
    list_name: str
    channel: str
    state: str
    last_error: str | None
    updated_at: datetime | None


def delivery_history(conn: Connection, subscriber_id: int, limit: int = 50) -> list[Delivery]:
    """The reader's latest deliveries, newest first, with their states and errors."""
    query = (
        select(
            deliveries.c.edition_id,
            editions.c.title,
            lists.c.name,
            deliveries.c.channel,
            deliveries.c.state,
            deliveries.c.last_error,
            deliveries.c.updated_at,
        )
        .join(editions, editions.c.id == deliveries.c.edition_id)
        .join(lists, lists.c.id == deliveries.c.list_id)
        .where(deliveries.c.subscriber_id == subscriber_id)
    )
    return [
        Delivery(int(e), str(t), str(n), str(c), str(s), err, aware(at))
        for e, t, n, c, s, err, at in conn.execute(newest_first(query, deliveries.c.id, limit=limit))
    ]


def update_columns(conn: Connection, subscriber_id: int, values: dict[str, Any]) -> None:
    """Write exactly the given columns of one subscriber (none others)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not an editable column: {sorted(unknown)[0]}")
    if values:
        conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(**values))
