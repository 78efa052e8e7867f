"""Who each edition was addressed to and who the providers accepted it for (from the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from digest.models import DeliveryState
from digest.store.tables import deliveries

__all__ = ["accepted_at", "recipients"]


def recipients(conn: Connection, edition_ids: Sequence[int]) -> dict[tuple[int, str], dict[int, str]]:
    """(edition, channel) -> {subscriber_id: delivery state}."""
    query = select(
        deliveries.c.edition_id, deliveries.c.channel, deliveries.c.subscriber_id, deliveries.c.state
    ).where(deliveries.c.edition_id.in_(list(edition_ids)))
    out: dict[tuple[int, str], dict[int, str]] = {}
    for edition_id, channel, subscriber_id, state in conn.execute(query):
        out.setdefault((int(edition_id), channel), {})[int(subscriber_id)] = state
    return out


def accepted_at(conn: Connection, edition_id: int, subscriber_id: int, channel: str) -> datetime | None:
    """When the provider accepted this recipient's message (the row turned ``sent``), or None."""
    query = select(deliveries.c.updated_at).where(
        deliveries.c.edition_id == edition_id,
        deliveries.c.subscriber_id == subscriber_id,
        deliveries.c.channel == channel,
        deliveries.c.state == str(DeliveryState.SENT),
    )
    return conn.execute(query).scalar()
