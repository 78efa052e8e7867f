"""What sunsetting reads and writes: who showed no sign of reading lately, who was asked.

A reader's "sunset_asked" attribute holds when the "still want this?" email went out; it is
cleared by any human open or click, or the keep link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, select, update

from digest.models import DeliveryState, SubscriberStatus
from digest.store.tables import clicks, deliveries, email_events, subscribers

__all__ = ["ASKED", "KEPT", "Reader", "asked", "engaged", "quiet_readers", "set_asked"]

ASKED = "sunset_asked"
KEPT = "sunset_kept"


@dataclass(frozen=True, slots=True)
class Reader:
    id: int
    email: str
    name: str
    status: str
    asked_at: str | None
    kept_at: str | None = None
    quiet_since: datetime | None = None  # when the oldest of the quiet editions was sent


def quiet_readers(conn: Connection, editions: int) -> list[Reader]:
    """Active email readers sent at least ``editions`` editions, with no human open or click
    in their last ``editions`` of them."""
    sent: dict[int, list[int]] = {}
    since: dict[int, datetime] = {}
    query = (
        select(deliveries.c.subscriber_id, deliveries.c.edition_id, deliveries.c.updated_at)
        .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .where(
            deliveries.c.channel == "email",
            deliveries.c.state == str(DeliveryState.SENT),
            subscribers.c.status == str(SubscriberStatus.ACTIVE),
        )
        .order_by(deliveries.c.subscriber_id, deliveries.c.edition_id.desc())
    )
    for subscriber_id, edition_id, sent_at in conn.execute(query):
        latest = sent.setdefault(int(subscriber_id), [])
        if len(latest) < editions:
            latest.append(int(edition_id))
            since[int(subscriber_id)] = sent_at
    candidates = {sid: ids for sid, ids in sent.items() if len(ids) >= editions}
    read = _engaged_pairs(conn, candidates)
    quiet = [sid for sid, ids in candidates.items() if not any((sid, e) in read for e in ids)]
    return [replace(r, quiet_since=since[r.id]) for r in _readers(conn, quiet)]


def _engaged_pairs(conn: Connection, candidates: dict[int, list[int]]) -> set[tuple[int, int]]:
    if not candidates:
        return set()
    ids = list(candidates)
    opens = select(email_events.c.subscriber_id, email_events.c.edition_id).where(
        email_events.c.subscriber_id.in_(ids),
        email_events.c.event == "open",
        email_events.c.machine.is_(False),
    )
    human = select(clicks.c.subscriber_id, clicks.c.edition_id).where(
        clicks.c.subscriber_id.in_(ids), clicks.c.machine_reason.is_(None)
    )
    return {(int(s), int(e)) for query in (opens, human) for s, e in conn.execute(query) if e is not None}


def asked(conn: Connection) -> list[Reader]:
    """Readers the "still want this?" email went to who have not answered yet."""
    rows = conn.execute(select(subscribers.c.id, subscribers.c.attributes)).all()
    return _readers(conn, [int(r.id) for r in rows if ASKED in (r.attributes or {})])


def set_asked(
    conn: Connection, subscriber_id: int, at: datetime | None, *, kept: datetime | None = None
) -> None:
    """Record (or, with None, clear) when the reader was asked; ``kept``: when they answered."""
    row = conn.execute(select(subscribers.c.attributes).where(subscribers.c.id == subscriber_id)).first()
    if row is None:
        return
    attributes = dict(row.attributes or {})
    if at is None:
        attributes.pop(ASKED, None)
    else:
        attributes[ASKED] = at.isoformat()
    if kept is not None:
        attributes[KEPT] = kept.isoformat()
    conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(attributes=attributes))


def engaged(conn: Connection, subscriber_ids: Iterable[int], now: datetime) -> int:
    """A human open or click: clear the question and reactivate an inactive reader; how many."""
    changed = 0
    for subscriber_id in set(subscriber_ids):
        readers = _readers(conn, [subscriber_id])
        if not readers or (readers[0].asked_at is None and readers[0].status != SubscriberStatus.INACTIVE):
            continue
        set_asked(conn, subscriber_id, None, kept=now)
        if readers[0].status == SubscriberStatus.INACTIVE:
            conn.execute(
                update(subscribers)
                .where(subscribers.c.id == subscriber_id)
                .values(status=str(SubscriberStatus.ACTIVE))
            )
        changed += 1
    return changed


def _readers(conn: Connection, ids: list[int]) -> list[Reader]:
    if not ids:
        return []
    query = select(
        subscribers.c.id,
        subscribers.c.email,
        subscribers.c.name,
        subscribers.c.status,
        subscribers.c.attributes,
    ).where(subscribers.c.id.in_(ids))
    return [
        Reader(
            int(r.id),
            r.email or "",
            r.name,
            r.status,
            (r.attributes or {}).get(ASKED),
            (r.attributes or {}).get(KEPT),
        )
        for r in conn.execute(query)
    ]
