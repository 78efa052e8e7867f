"""Clicks on tracked links (``/r/<token>``), one row per request, with the reason a single
request already looked like a machine's. A forgotten reader's clicks keep their counts under
a random negative id (see ``store/events.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from digest.store.tables import clicks

__all__ = ["StoredClick", "add", "anonymize", "for_editions"]


@dataclass(frozen=True, slots=True)
class StoredClick:
    edition_id: int
    subscriber_id: int
    channel: str
    item_id: int | None
    url: str
    method: str
    machine_reason: str | None
    at: datetime


def add(conn: Connection, click: StoredClick) -> None:
    conn.execute(
        insert(clicks).values(
            edition_id=click.edition_id,
            subscriber_id=click.subscriber_id,
            channel=click.channel,
            item_id=click.item_id,
            url=click.url[:2048],
            method=click.method[:8],
            machine_reason=click.machine_reason,
            at=click.at,
        )
    )


def for_editions(conn: Connection, edition_ids: Sequence[int]) -> list[StoredClick]:
    """The clicks of these editions, oldest first."""
    query = (
        select(clicks).where(clicks.c.edition_id.in_(list(edition_ids))).order_by(clicks.c.at, clicks.c.id)
    )
    return [
        StoredClick(
            r.edition_id, r.subscriber_id, r.channel, r.item_id, r.url, r.method, r.machine_reason, r.at
        )
        for r in conn.execute(query)
    ]


def anonymize(conn: Connection, subscriber_id: int, pseudonym: int) -> int:
    statement = update(clicks).where(clicks.c.subscriber_id == subscriber_id).values(subscriber_id=pseudonym)
    return int(conn.execute(statement).rowcount or 0)
