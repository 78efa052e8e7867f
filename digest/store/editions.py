"""Editions, their rendered variants and the items they carried."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from digest.models import RenderedEdition
from digest.store.common import aware, insert_ignoring_conflicts
from digest.store.tables import edition_items, edition_retries, edition_variants, editions, lists


def get_or_create(conn: Connection, list_pk: int, slot: str, title: str, now: datetime) -> tuple[int, bool]:
    """The edition of this list for this slot; created at most once, whoever asks first."""
    rows = [{"list_id": list_pk, "slot": slot, "title": title, "created_at": now}]
    created = insert_ignoring_conflicts(conn, editions, rows) > 0
    query = select(editions.c.id).where(editions.c.list_id == list_pk, editions.c.slot == slot)
    return int(conn.execute(query).scalar_one()), created


def save_variant(conn: Connection, edition_id: int, topics_key: str, rendered: RenderedEdition) -> int:
    row = {
        "edition_id": edition_id,
        "topics_key": topics_key,
        "subject": rendered.subject,
        "preheader": rendered.preheader,
        "html": rendered.html,
        "text": rendered.text,
        "telegram": _telegram_json(rendered),
        "lead_url": rendered.lead_url,
        "headlines": [list(pair) for pair in rendered.headlines],
    }
    insert_ignoring_conflicts(conn, edition_variants, [row])
    found = variant_id(conn, edition_id, topics_key)
    assert found is not None
    return found


def variant_id(conn: Connection, edition_id: int, topics_key: str) -> int | None:
    query = select(edition_variants.c.id).where(
        edition_variants.c.edition_id == edition_id, edition_variants.c.topics_key == topics_key
    )
    return conn.execute(query).scalar()


def variant(conn: Connection, variant_pk: int) -> RenderedEdition:
    row = conn.execute(select(edition_variants).where(edition_variants.c.id == variant_pk)).one()
    telegram = row.telegram if isinstance(row.telegram, list | dict) else json.loads(row.telegram)
    if isinstance(telegram, list):  # rows written before photos and buttons
        telegram = {"messages": telegram}
    return RenderedEdition(
        subject=row.subject,
        preheader=row.preheader,
        html=row.html,
        text=row.text,
        telegram=tuple(telegram["messages"]),
        lead_url=row.lead_url,
        telegram_photo=telegram.get("photo"),
        telegram_caption=telegram.get("caption", ""),
        telegram_buttons=tuple((label, url) for label, url in telegram.get("buttons", ())),
        headlines=tuple((title, url) for title, url in row.headlines or ()),
        language=telegram.get("language", "en"),
        moment=datetime.fromisoformat(telegram["moment"]) if telegram.get("moment") else None,
    )


def _telegram_json(rendered: RenderedEdition) -> dict[str, Any]:
    """The Telegram part of a variant, in the one JSON column: messages, lead photo, buttons."""
    return {
        "messages": list(rendered.telegram),
        "photo": rendered.telegram_photo,
        "caption": rendered.telegram_caption,
        "buttons": [list(button) for button in rendered.telegram_buttons],
        "language": rendered.language,  # the per-chat "Unsubscribe" button is labelled in it
        # Kept with the variant's other per-send data: each reader's local time is made from it.
        "moment": rendered.moment.isoformat() if rendered.moment else None,
    }


def record_items(conn: Connection, edition_id: int, item_ids: Sequence[int]) -> None:
    rows = [{"edition_id": edition_id, "item_id": item_id} for item_id in set(item_ids)]
    insert_ignoring_conflicts(conn, edition_items, rows)


def info(conn: Connection, edition_id: int) -> tuple[int, str, str, str] | None:
    """(list id, list name, slot, title) of an edition."""
    query = select(editions.c.list_id, lists.c.name, editions.c.slot, editions.c.title).join(
        lists, lists.c.id == editions.c.list_id
    )
    row = conn.execute(query.where(editions.c.id == edition_id)).first()
    return (row[0], row[1], row[2], row[3]) if row else None


def latest(conn: Connection, list_pk: int) -> int | None:
    query = select(func.max(editions.c.id)).where(editions.c.list_id == list_pk)
    return conn.execute(query).scalar()


def timing(conn: Connection, edition_id: int) -> tuple[datetime, str] | None:
    """(when its deliveries started: creation, or the last ``digest retry``; its slot)."""
    query = (
        select(editions.c.created_at, editions.c.slot, edition_retries.c.at)
        .outerjoin(edition_retries, edition_retries.c.edition_id == editions.c.id)
        .where(editions.c.id == edition_id)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    created = aware(row.created_at)
    assert created is not None
    return (max(created, aware(row.at) or created)), row.slot


def reopened(conn: Connection, edition_id: int, now: datetime) -> None:
    """``digest retry`` re-opened the edition now: its deliveries' age counts from here."""
    if not insert_ignoring_conflicts(conn, edition_retries, [{"edition_id": edition_id, "at": now}]):
        statement = update(edition_retries).where(edition_retries.c.edition_id == edition_id)
        conn.execute(statement.values(at=now))
