"""Fill a test database fast: many subscribers and a few fresh items, with plain SQL inserts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.models import FeedSpec, Item
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import memberships, subscribers

HEADLINES = [
    "Parliament approves winter energy budget",
    "Drone factory opens near Lviv",
    "Grain corridor ships reach Istanbul",
    "Opera premiere lit by generators",
    "Railway restores night trains to Odesa",
]


def fresh_items(db_url: str, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    with transaction(db_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://wire.example/rss", "Wire"), now)
        found = [
            Item(
                key=f"w{n}",
                feed_id=feed.id,
                source="Wire",
                url=f"https://wire.example/{n}",
                title=title,
                summary_text="Summary.",
                published=now - timedelta(minutes=30 + n),
                section="news",
            )
            for n, title in enumerate(HEADLINES)
        ]
        item_store.save(conn, found, now)


def subscribers_bulk(
    db_url: str, *, emails: int = 0, chats: int = 0, list_name: str = "daily", chat_start: int = 500_000
) -> None:
    """``emails`` email-only and ``chats`` Telegram-only active subscribers of ``list_name``."""
    now = datetime.now(UTC)
    rows = [_row(now, email=f"reader{n}@example.org") for n in range(emails)]
    rows += [_row(now, telegram_chat_id=str(chat_start + n)) for n in range(chats)]
    with transaction(db_url) as conn:
        list_pk = subscriber_store.ensure_list(conn, list_name, now)
        start = conn.execute(subscribers.select().with_only_columns(subscribers.c.id)).all()
        conn.execute(subscribers.insert(), rows)
        ids = conn.execute(subscribers.select().with_only_columns(subscribers.c.id)).scalars().all()
        new = sorted(set(ids) - {r[0] for r in start})
        conn.execute(memberships.insert(), [{"list_id": list_pk, "subscriber_id": i} for i in new])


def _row(now: datetime, **values: str) -> dict[str, object]:
    return {
        "email": None,
        "telegram_chat_id": None,
        "name": "",
        "timezone": "UTC",
        "send_hour": 0,
        "frequency": "daily",
        "topics": [],
        "status": "active",
        "attributes": {},
        "created_at": now,
        **values,
    }
