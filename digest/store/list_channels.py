"""The Telegram channels and groups attached to a list: subscribers of the list whose
``attributes.kind`` is ``channel`` (the ledger then covers them like any reader)."""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from digest.store.tables import lists, memberships, subscribers

__all__ = ["attached"]


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
