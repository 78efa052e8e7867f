"""The Telegram channels and groups attached to a list: subscribers of the list whose
``attributes.kind`` is ``channel`` (the ledger then covers them like any reader)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, or_, select

from digest.store.tables import lists, memberships, subscribers

__all__ = ["attached", "detach"]


def attached(conn: Connection, list_name: str) -> list[tuple[str, str]]:
    """(chat id, status) of each channel attached to the list, in the order they came."""
    chat = subscribers.c.telegram_chat_id
    query = (
        select(subscribers.c.telegram_chat_id, subscribers.c.status, subscribers.c.attributes)
        .join(memberships, memberships.c.subscriber_id == subscribers.c.id)
        .join(lists, lists.c.id == memberships.c.list_id)
        .where(lists.c.name == list_name)
        # Channels and groups only (@name, -100…): the JSON attribute is read below, on few rows.
        .where(or_(chat.startswith("@"), chat.startswith("-")))
        .order_by(subscribers.c.id)
    )
    return [
        (str(chat_id), str(status))
        for chat_id, status, attributes in conn.execute(query)
        if (attributes or {}).get("kind") == "channel"
    ]


def detach(conn: Connection, list_name: str, chat_id: str) -> bool:
    """End the channel's membership of the list (its other lists and its past deliveries
    stay); whether it was a member."""
    list_pk = select(lists.c.id).where(lists.c.name == list_name).scalar_subquery()
    channel_pk = select(subscribers.c.id).where(subscribers.c.telegram_chat_id == chat_id).scalar_subquery()
    gone = conn.execute(
        delete(memberships).where(memberships.c.list_id == list_pk, memberships.c.subscriber_id == channel_pk)
    )
    return bool(gone.rowcount)
