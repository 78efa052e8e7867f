"""Lists, subscribers and who belongs to which list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, not_, or_, select, update

from digest.models import DeliveryState, Subscriber, SubscriberStatus
from digest.store.common import insert_ignoring_conflicts
from digest.store.tables import deliveries, lists, memberships, subscribers, suppressions

BREAKING = "breaking"


def ensure_list(conn: Connection, name: str, now: datetime, title: str = "", kind: str = "") -> int:
    """The id of the list ``name``, created when missing (``breaking`` is a breaking-news list)."""
    kind = kind or (BREAKING if name == BREAKING else "digest")
    row = {"name": name, "title": title or name.title(), "kind": kind, "created_at": now}
    insert_ignoring_conflicts(conn, lists, [row])
    return int(conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar_one())


def list_id(conn: Connection, name: str) -> int | None:
    return conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar()


def digest_lists(conn: Connection) -> list[str]:
    """Names of the lists that get the scheduled edition."""
    return list(
        conn.execute(select(lists.c.name).where(lists.c.kind == "digest").order_by(lists.c.name)).scalars()
    )


def all_lists(conn: Connection) -> list[tuple[int, str, str, int]]:
    """(id, name, title, active members) for every list."""
    active = (
        select(memberships.c.list_id, func.count().label("n"))
        .join(subscribers, subscribers.c.id == memberships.c.subscriber_id)
        .where(subscribers.c.status == SubscriberStatus.ACTIVE)
        .group_by(memberships.c.list_id)
        .subquery()
    )
    query = select(lists.c.id, lists.c.name, lists.c.title, func.coalesce(active.c.n, 0)).outerjoin(
        active, active.c.list_id == lists.c.id
    )
    return [(int(a), str(b), str(c), int(d)) for a, b, c, d in conn.execute(query.order_by(lists.c.name))]


def _row_values(sub: Subscriber) -> dict[str, Any]:
    return {
        "email": sub.email,
        "telegram_chat_id": sub.telegram_chat_id,
        "name": sub.name,
        "timezone": sub.timezone,
        "send_hour": sub.send_hour,
        "frequency": sub.frequency,
        "topics": list(sub.topics),
        "status": str(sub.status),
        "attributes": dict(sub.attributes),
    }


def find(conn: Connection, *, email: str | None = None, chat_id: str | None = None) -> Subscriber | None:
    conditions = []
    if email:
        conditions.append(subscribers.c.email == email)
    if chat_id:
        conditions.append(subscribers.c.telegram_chat_id == chat_id)
    if not conditions:
        return None
    row = conn.execute(select(subscribers).where(or_(*conditions))).first()
    return _subscriber(conn, row) if row else None


def save(conn: Connection, sub: Subscriber, now: datetime) -> tuple[int, bool]:
    """Insert or update a subscriber (matched by email or chat id) and their lists, every field
    as given (``save_given`` writes only some)."""
    sub_id, created, _ = save_given(conn, sub, ALL_FIELDS, now)
    return sub_id, created


# What an update may be given: the row's values, and "lists" (joined, never left, here).
ALL_FIELDS = frozenset(
    (
        "email",
        "telegram_chat_id",
        "name",
        "timezone",
        "send_hour",
        "frequency",
        "topics",
        "status",
        "attributes",
        "lists",
    )
)


def save_given(
    conn: Connection, sub: Subscriber, given: frozenset[str], now: datetime
) -> tuple[int, bool, list[str]]:
    """Insert the subscriber, or update the one with this email or chat id in the ``given``
    fields only (attributes are merged key by key); (id, created, the fields that changed).

    A new subscriber takes every value of ``sub`` (its defaults where nothing was given).
    """
    existing = find(conn, email=sub.email, chat_id=sub.telegram_chat_id)
    values = _row_values(sub)
    if existing is None:
        result = conn.execute(subscribers.insert().values(**values, created_at=now))
        sub_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        changed = sorted(given)
    else:
        sub_id = existing.id or 0
        before = _row_values(existing)
        if "attributes" in given:
            values["attributes"] = {**before["attributes"], **values["attributes"]}
        changes = {k: v for k, v in values.items() if k in given and v is not None and before[k] != v}
        if changes:
            conn.execute(update(subscribers).where(subscribers.c.id == sub_id).values(**changes))
        changed = sorted(changes)
    if "lists" in given or existing is None:
        rows = [{"list_id": ensure_list(conn, name, now), "subscriber_id": sub_id} for name in sub.lists]
        if insert_ignoring_conflicts(conn, memberships, rows) and existing is not None:
            changed.append("lists")
    return sub_id, existing is None, changed


def set_status(conn: Connection, subscriber_id: int, status: SubscriberStatus) -> None:
    conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(status=str(status)))


def set_chat_id(conn: Connection, subscriber_id: int, chat_id: str) -> None:
    conn.execute(
        update(subscribers).where(subscribers.c.id == subscriber_id).values(telegram_chat_id=chat_id)
    )


def remove_chat(conn: Connection, chat_id: str) -> int:
    """Forget this Telegram chat (the reader blocked the bot); the subscriber keeps their email.
    One with no email left has nothing to be sent to: unsubscribed."""
    row = conn.execute(
        select(subscribers.c.id, subscribers.c.email).where(subscribers.c.telegram_chat_id == chat_id)
    ).first()
    if row is None:
        return 0
    values: dict[str, Any] = {"telegram_chat_id": None}
    if not row.email:
        values["status"] = str(SubscriberStatus.UNSUBSCRIBED)
    conn.execute(update(subscribers).where(subscribers.c.id == row.id).values(**values))
    return 1


def remove(conn: Connection, email_or_chat: str) -> bool:
    condition = or_(subscribers.c.email == email_or_chat, subscribers.c.telegram_chat_id == email_or_chat)
    found = conn.execute(select(subscribers.c.id).where(condition)).scalar()
    return found is not None and remove_by_id(conn, int(found))


def remove_by_id(conn: Connection, subscriber_id: int) -> bool:
    """Delete the subscriber and their memberships, keeping the ledger as it was sent.

    Their deliveries stay, detached (no subscriber, no address), so editions' counts do not
    change; one not yet out is failed, as it never will go.
    """
    mine = deliveries.c.subscriber_id == subscriber_id
    not_out = deliveries.c.state.in_([str(s) for s in UNFINISHED])
    conn.execute(
        update(deliveries)
        .where(mine, not_out)
        .values(state=str(DeliveryState.FAILED), last_error="recipient deleted")
    )
    conn.execute(update(deliveries).where(mine).values(subscriber_id=None, address=""))
    conn.execute(delete(memberships).where(memberships.c.subscriber_id == subscriber_id))
    return bool(conn.execute(delete(subscribers).where(subscribers.c.id == subscriber_id)).rowcount)


UNFINISHED = (DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.SENDING)


def _subscriber(conn: Connection, row: Any, list_names: Sequence[str] | None = None) -> Subscriber:
    if list_names is None:
        query = select(lists.c.name).join(memberships, memberships.c.list_id == lists.c.id)
        list_names = list(conn.execute(query.where(memberships.c.subscriber_id == row.id)).scalars())
    return Subscriber(
        id=row.id,
        email=row.email,
        telegram_chat_id=row.telegram_chat_id,
        name=row.name,
        timezone=row.timezone,
        send_hour=row.send_hour,
        frequency=row.frequency,
        topics=tuple(row.topics or ()),
        lists=tuple(sorted(list_names)),
        status=SubscriberStatus(row.status),
        attributes=dict(getattr(row, "attributes", None) or {}),
    )


# What deciding who is due needs: not the free-form attributes (a JSON document per reader
# that planning a million-reader send would decode for nothing).
_SCHEDULING = [column for column in subscribers.c if column.name not in ("attributes", "created_at")]


def members_page(
    conn: Connection, list_pk: int, *, after: int = 0, limit: int = 5000, active_only: bool = True
) -> list[Subscriber]:
    """One page of the list's subscribers with ids above ``after``, in id order, without
    their attributes.

    Callers walk a list page by page, so memory stays flat however long the list grows.
    """
    query = (
        select(*_SCHEDULING)
        .join(memberships, memberships.c.subscriber_id == subscribers.c.id)
        # Both sides bounded by ``after``: with only one, PostgreSQL's merge join scans the
        # memberships index from the start on every page (quadratic in the list's length).
        .where(memberships.c.list_id == list_pk, memberships.c.subscriber_id > after)
        .where(subscribers.c.id > after)
        .order_by(subscribers.c.id)
        .limit(limit)
    )
    if active_only:
        query = query.where(subscribers.c.status == SubscriberStatus.ACTIVE)
    return [_subscriber(conn, row, list_names=()) for row in conn.execute(query)]


def search(conn: Connection, text: str, limit: int = 50) -> list[int]:
    """Ids of subscribers whose email, chat id or name contains ``text`` (newest first)."""
    query = select(subscribers.c.id).order_by(subscribers.c.id.desc()).limit(limit)
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(subscribers.c.email).like(pattern),
                func.lower(subscribers.c.telegram_chat_id).like(pattern),
                func.lower(subscribers.c.name).like(pattern),
            )
        )
    return [int(x) for x in conn.execute(query).scalars()]


def everyone(conn: Connection) -> list[Subscriber]:
    """Every subscriber with their lists (for export)."""
    names: dict[int, list[str]] = {}
    query = select(memberships.c.subscriber_id, lists.c.name).join(lists, lists.c.id == memberships.c.list_id)
    for sub_id, name in conn.execute(query):
        names.setdefault(sub_id, []).append(name)
    rows = conn.execute(select(subscribers).order_by(subscribers.c.id))
    return [_subscriber(conn, row, names.get(row.id, [])) for row in rows]


# --- a list's audiences (breaking news) -------------------------------------------------------

AUDIENCES = ("channel", "bot", "email")


def audience(list_pk: int, name: str) -> tuple[Any, ColumnElement[bool]]:
    """(address column, condition) of the list's active members in one audience: ``channel``
    (Telegram channels and groups: ``@name`` or a negative id), ``bot`` (private chats) or
    ``email`` (not on the suppression list). Queries join ``memberships`` to ``subscribers``."""
    member = and_(
        memberships.c.list_id == list_pk,
        memberships.c.subscriber_id == subscribers.c.id,
        subscribers.c.status == "active",
    )
    chat = subscribers.c.telegram_chat_id
    if name == "email":
        unsuppressed = func.lower(subscribers.c.email).not_in(select(suppressions.c.email))
        return subscribers.c.email, and_(member, subscribers.c.email.is_not(None), unsuppressed)
    posts = or_(chat.like("@%"), chat.like("-%"))
    if name == "channel":
        return chat, and_(member, chat.is_not(None), posts)
    if name == "bot":
        return chat, and_(member, chat.is_not(None), not_(posts))
    raise ValueError(f"unknown audience {name!r} (choose from {', '.join(AUDIENCES)})")


def audience_counts(conn: Connection, list_pk: int, names: Sequence[str]) -> dict[str, int]:
    """How many of the list's active members each audience holds."""
    found = {}
    for name in names:
        _, condition = audience(list_pk, name)
        query = (
            select(func.count())
            .select_from(subscribers)
            .join(memberships, memberships.c.subscriber_id == subscribers.c.id)
        )
        found[name] = int(conn.execute(query.where(condition)).scalar_one())
    return found
