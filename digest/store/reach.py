"""Who each edition was addressed to and who the providers accepted it for (from the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from digest.models import DeliveryState
from digest.store.tables import deliveries, forgotten_deliveries

__all__ = ["accepted_at", "forget", "recipients"]


def recipients(conn: Connection, edition_ids: Sequence[int]) -> dict[tuple[int, str], dict[int, str]]:
    """(edition, channel) -> {subscriber_id: delivery state}; forgotten readers under their
    negative pseudonyms."""
    out: dict[tuple[int, str], dict[int, str]] = {}
    for table in (deliveries, forgotten_deliveries):
        # A deleted reader's rows stay detached (no subscriber): each still counts, once, under a
        # key no reader or pseudonym (-1 … -2^31) can have.
        row_key = table.c.id if table is deliveries else table.c.subscriber_id
        query = select(
            table.c.edition_id, table.c.channel, table.c.subscriber_id, table.c.state, row_key.label("key")
        ).where(table.c.edition_id.in_(list(edition_ids)))
        for edition_id, channel, subscriber_id, state, key in conn.execute(query):
            who = int(subscriber_id) if subscriber_id is not None else -(2**31 + int(key))
            out.setdefault((int(edition_id), channel), {})[who] = state
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
    # The ledger rows go with the reader (a plain delete would only detach them): no trace is left
    # that points to them, and the figures stay, once, under the pseudonym.
    conn.execute(delete(deliveries).where(deliveries.c.subscriber_id == subscriber_id))
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
