"""The queries the subscriber-facing web app needs beyond ``digest.store.subscribers``:
one subscriber by id, leaving and choosing lists, profile changes, expiring sign-ups.

Functions here never create lists: names that come from a web form are checked against
the lists that exist (``existing_lists``) before they reach ``subscribers.save``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from digest.models import Subscriber, SubscriberStatus
from digest.store import subscribers as subscriber_store
from digest.store.common import insert_ignoring_conflicts
from digest.store.tables import feeds, lists, memberships, subscribers

__all__ = [
    "by_id",
    "delete_unconfirmed",
    "existing_lists",
    "feed_sections",
    "join_lists",
    "leave_list",
    "leave_lists_except",
    "link_binding",
    "update_profile",
]


def by_id(conn: Connection, subscriber_id: int) -> Subscriber | None:
    """The subscriber with their lists, or None when there is no such id."""
    row = conn.execute(
        select(subscribers.c.email, subscribers.c.telegram_chat_id).where(subscribers.c.id == subscriber_id)
    ).first()
    if row is None:
        return None
    return subscriber_store.find(conn, email=row.email, chat_id=row.telegram_chat_id)


def link_binding(conn: Connection, subscriber_id: int) -> tuple[str, bool] | None:
    """(link token, whether first-format links still count) of the subscriber, or None."""
    row = conn.execute(
        select(subscribers.c.link_token, subscribers.c.legacy_links).where(subscribers.c.id == subscriber_id)
    ).first()
    return None if row is None else (str(row.link_token), bool(row.legacy_links))


def list_descriptions(conn: Connection) -> dict[str, str]:
    """List name -> the description readers see when they sign up (lists without one left out)."""
    query = select(lists.c.name, lists.c.description).where(lists.c.description != "")
    return {name: description for name, description in conn.execute(query)}


def existing_lists(conn: Connection) -> list[tuple[str, str]]:
    """(name, title) of every list, by name."""
    return [
        (row.name, row.title)
        for row in conn.execute(select(lists.c.name, lists.c.title).order_by(lists.c.name))
    ]


def feed_sections(conn: Connection) -> list[str]:
    """The sections the registered feeds file their items under."""
    return sorted(conn.execute(select(feeds.c.section).distinct()).scalars())


def _list_ids(conn: Connection, names: Sequence[str]) -> list[int]:
    return list(conn.execute(select(lists.c.id).where(lists.c.name.in_(list(names)))).scalars())


def leave_list(conn: Connection, subscriber_id: int, list_name: str) -> bool:
    """Remove the membership; False when the subscriber was not on that list."""
    statement = delete(memberships).where(
        memberships.c.subscriber_id == subscriber_id, memberships.c.list_id.in_(_list_ids(conn, [list_name]))
    )
    return bool(conn.execute(statement).rowcount)


def leave_lists_except(conn: Connection, subscriber_id: int, keep: Sequence[str]) -> int:
    """Remove every membership but those of ``keep``; return how many went."""
    statement = delete(memberships).where(memberships.c.subscriber_id == subscriber_id)
    if keep:
        statement = statement.where(memberships.c.list_id.not_in(_list_ids(conn, keep)))
    return int(conn.execute(statement).rowcount or 0)


def join_lists(conn: Connection, subscriber_id: int, names: Sequence[str]) -> int:
    """Add memberships of the named lists that exist; return how many were new."""
    rows = [{"list_id": pk, "subscriber_id": subscriber_id} for pk in _list_ids(conn, names)]
    return insert_ignoring_conflicts(conn, memberships, rows)


def update_profile(conn: Connection, sub: Subscriber) -> None:
    """Write the subscriber's name, zone, hour, frequency, topics and status (not the lists)."""
    assert sub.id is not None
    values = {
        "name": sub.name,
        "timezone": sub.timezone,
        "send_hour": sub.send_hour,
        "frequency": sub.frequency,
        "topics": list(sub.topics),
        "status": str(sub.status),
    }
    conn.execute(update(subscribers).where(subscribers.c.id == sub.id).values(**values))


def delete_unconfirmed(conn: Connection, created_before: datetime) -> int:
    """Delete sign-ups never confirmed and older than ``created_before`` (memberships cascade)."""
    stale = (subscribers.c.status == str(SubscriberStatus.UNCONFIRMED)) & (
        subscribers.c.created_at < created_before
    )
    # SQLite cascades only with foreign keys on; delete the memberships explicitly to be sure.
    doomed = select(subscribers.c.id).where(stale)
    conn.execute(delete(memberships).where(memberships.c.subscriber_id.in_(doomed)))
    return int(conn.execute(delete(subscribers).where(stale)).rowcount or 0)
