"""What editors are warned about: Telegram chats that refuse the bot, rows given up on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from digest.models import DeliveryState
from digest.store.common import among, insert_ignoring_conflicts
from digest.store.tables import chat_failures, deliveries


@dataclass(frozen=True, slots=True)
class FailingChat:
    chat_id: str
    reason: str
    since: datetime


def chat_failing(conn: Connection, chat_id: str, reason: str, now: datetime) -> None:
    """Record that a group or channel refused the bot (the first time is kept as ``since``)."""
    row = {"chat_id": chat_id, "reason": reason[:2000], "since": now, "updated_at": now}
    if not insert_ignoring_conflicts(conn, chat_failures, [row]):
        statement = update(chat_failures).where(chat_failures.c.chat_id == chat_id)
        conn.execute(statement.values(reason=reason[:2000], updated_at=now))


def chats_working(conn: Connection, chat_ids: Sequence[str]) -> None:
    """These chats took a message again: they are no longer failing."""
    if chat_ids:
        conn.execute(delete(chat_failures).where(among(conn, chat_failures.c.chat_id, chat_ids)))


def failing_chats(conn: Connection) -> list[FailingChat]:
    query = select(chat_failures).order_by(chat_failures.c.since)
    return [FailingChat(row.chat_id, row.reason, row.since) for row in conn.execute(query)]


def failed_rows(conn: Connection, edition_id: int, limit: int = 20) -> tuple[int, list[tuple[str, str, str]]]:
    """How many rows of the edition failed, and the first ``limit`` (channel, address, reason)."""
    failed = (deliveries.c.edition_id == edition_id) & (deliveries.c.state == DeliveryState.FAILED)
    total = conn.execute(select(func.count()).select_from(deliveries).where(failed)).scalar_one()
    query = (
        select(deliveries.c.channel, deliveries.c.address, deliveries.c.last_error)
        .where(failed)
        .order_by(deliveries.c.id)
        .limit(limit)
    )
    return int(total), [(str(c), str(a), str(e or "")) for c, a, e in conn.execute(query)]
