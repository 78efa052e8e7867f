"""Who each edition was addressed to and who the providers accepted it for (from the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select

from digest.models import DeliveryState
from digest.store.tables import deliveries, forgotten_deliveries

__all__ = ["accepted_at", "forget", "recipients"]


def recipients(conn: Connection, edition_ids: Sequence[int]) -> dict[tuple[int, str], dict[int, str]]:
    """(edition, channel) -> {subscriber_id: delivery state}; forgotten readers under their
    negative pseudonyms."""
    out: dict[tuple[int, str], dict[int, str]] = {}
    for table in (deliveries, forgotten_deliveries):
        query = select(table.c.edition_id, table.c.channel, table.c.subscriber_id, table.c.state).where(
            table.c.edition_id.in_(list(edition_ids))
        )
        for edition_id, channel, subscriber_id, state in conn.execute(query):
            out.setdefault((int(edition_id), channel), {})[int(subscriber_id)] = state
    return out


def forget(conn: Connection, subscriber_id: int, pseudonym: int) -> int:
    """Keep what a reader's deliveries counted for under ``pseudonym`` (before the reader's
    ledger rows are deleted with them); how many rows."""
    query = select(deliveries.c.edition_id, deliveries.c.channel, deliveries.c.state).where(
        deliveries.c.subscriber_id == subscriber_id
    )
    rows = [
        {"edition_id": e, "subscriber_id": pseudonym, "channel": c, "state": s}
        for e, c, s in conn.execute(query)
    ]
    if rows:
        conn.execute(insert(forgotten_deliveries), rows)
    return len(rows)


def accepted_at(conn: Connection, edition_id: int, subscriber_id: int, channel: str) -> datetime | None:
    """When the provider accepted this recipient's message (the row turned ``sent``), or None."""
    query = select(deliveries.c.updated_at).where(
        deliveries.c.edition_id == edition_id,
        deliveries.c.subscriber_id == subscriber_id,
        deliveries.c.channel == channel,
        deliveries.c.state == str(DeliveryState.SENT),
    )
    return conn.execute(query).scalar()
