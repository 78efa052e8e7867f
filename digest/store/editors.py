"""Editors and what they do: accounts, sessions, API tokens, breaking sends,
and the stop flag of an edition.

Secrets are never stored: sessions and API tokens are kept as SHA-256 digests of random
tokens (they have 256 bits of entropy, so a fast hash is enough), passwords as slow hashes
made by ``digest.web.auth``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from digest.models import DeliveryState
from digest.store import editorial
from digest.store.common import aware
from digest.store.ledger import OPEN
from digest.store.tables import UTCDateTime, deliveries, editions, lists, metadata, subscribers, suppressions

__all__ = [
    "ApiToken",
    "EditionSummary",
    "Editor",
    "Session",
]

editors = Table(
    "editors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # "viewer", "editor" or "admin"
    Column("password_hash", String(256), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The zone the desk shows times in, chosen on the editor's account page.
    Column("time_zone", String(64), nullable=False, default="UTC", server_default="UTC"),
    # Where test sends of breaking news and previews go on Telegram (the editor's own chat).
    Column("telegram_chat_id", String(64)),
)

editor_sessions = Table(
    "editor_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("editor_id", Integer, ForeignKey("editors.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("editor_id", Integer, ForeignKey("editors.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

breaking_sends = Table(
    "breaking_sends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
    # The item's key, or "url:<digest>" for a story written by hand: what "the same item" means.
    Column("item_key", String(64), nullable=False),
    # 0 for the first send of the item to the list; an editor who insists gets 1, 2 …
    Column("repeat", Integer, nullable=False, default=0),
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("url", String(2048), nullable=False),
    Column("created_by", String(400), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("list_id", "item_key", "repeat", name="uq_breaking_sends_list_item_repeat"),
)

edition_stops = Table(
    "edition_stops",
    metadata,
    Column("edition_id", Integer, ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    Column("stopped_by", String(400), nullable=False),
    Column("stopped_at", UTCDateTime, nullable=False),
)


# --- editors ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Editor:
    id: int
    email: str
    role: str
    disabled: bool = False
    created_at: datetime | None = None
    time_zone: str = "UTC"
    telegram_chat_id: str | None = None


def _editor(row: Any) -> Editor:
    zone = getattr(row, "time_zone", None) or "UTC"
    chat = getattr(row, "telegram_chat_id", None)
    return Editor(row.id, row.email, row.role, bool(row.disabled), aware(row.created_at), zone, chat)


def save_editor(
    conn: Connection, email: str, role: str, password_hash: str, now: datetime
) -> tuple[int, bool]:
    """Create the editor, or update the role and password of an existing one; (id, created)."""
    existing = conn.execute(select(editors.c.id).where(editors.c.email == email)).scalar()
    if existing is not None:
        conn.execute(
            update(editors)
            .where(editors.c.id == existing)
            .values(role=role, password_hash=password_hash, disabled=False)
        )
        return int(existing), False
    values = {"email": email, "role": role, "password_hash": password_hash, "disabled": False}
    result = conn.execute(insert(editors).values(**values, created_at=now))
    return int(result.inserted_primary_key[0]), True  # type: ignore[index]


def editor_with_hash(conn: Connection, email: str) -> tuple[Editor, str] | None:
    row = conn.execute(select(editors).where(editors.c.email == email)).first()
    return (_editor(row), str(row.password_hash)) if row else None


def editor_by_id(conn: Connection, editor_id: int) -> Editor | None:
    row = conn.execute(select(editors).where(editors.c.id == editor_id)).first()
    return _editor(row) if row else None


def all_editors(conn: Connection) -> list[Editor]:
    return [_editor(row) for row in conn.execute(select(editors).order_by(editors.c.email))]


def set_preferences(conn: Connection, editor_id: int, zone: str, chat: str | None) -> None:
    """The editor's own settings: the zone the desk shows, the chat test sends go to."""
    values = {"time_zone": zone, "telegram_chat_id": chat}
    conn.execute(update(editors).where(editors.c.id == editor_id).values(**values))


def set_disabled(conn: Connection, editor_id: int, disabled: bool) -> None:
    conn.execute(update(editors).where(editors.c.id == editor_id).values(disabled=disabled))
    if disabled:
        conn.execute(delete(editor_sessions).where(editor_sessions.c.editor_id == editor_id))


# --- sessions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    editor: Editor
    created_at: datetime
    last_seen_at: datetime


def add_session(conn: Connection, token_hash: str, editor_id: int, now: datetime) -> None:
    row = {"token_hash": token_hash, "editor_id": editor_id, "created_at": now, "last_seen_at": now}
    conn.execute(insert(editor_sessions).values(**row))


def session(conn: Connection, token_hash: str) -> Session | None:
    query = (
        select(editor_sessions, editors)
        .join(editors, editors.c.id == editor_sessions.c.editor_id)
        .where(editor_sessions.c.token_hash == token_hash)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    created, seen = aware(row.created_at), aware(row.last_seen_at)
    assert created is not None and seen is not None
    return Session(_editor(row), created, seen)


def touch_session(conn: Connection, token_hash: str, now: datetime) -> None:
    statement = update(editor_sessions).where(editor_sessions.c.token_hash == token_hash)
    conn.execute(statement.values(last_seen_at=now))


def end_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(editor_sessions).where(editor_sessions.c.token_hash == token_hash))


def end_sessions_of(conn: Connection, editor_id: int) -> int:
    """End every session of the editor (a password reset); how many there were."""
    result = conn.execute(delete(editor_sessions).where(editor_sessions.c.editor_id == editor_id))
    return int(result.rowcount or 0)


def purge_sessions(conn: Connection, *, idle_before: datetime, created_before: datetime) -> int:
    condition = or_(
        editor_sessions.c.last_seen_at < idle_before, editor_sessions.c.created_at < created_before
    )
    return int(conn.execute(delete(editor_sessions).where(condition)).rowcount or 0)


# --- API tokens ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    editor: Editor
    created_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


def add_token(conn: Connection, editor_id: int, name: str, token_hash: str, now: datetime) -> int:
    values = {"editor_id": editor_id, "name": name, "token_hash": token_hash, "created_at": now}
    return int(conn.execute(insert(api_tokens).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def _token(row: Any) -> ApiToken:
    return ApiToken(
        row.id,
        row.name,
        Editor(
            row.editor_id,
            row.email,
            row.role,
            bool(row.disabled),
            aware(row.created_at_1),
            row.time_zone or "UTC",
            row.telegram_chat_id,
        ),
        aware(row.created_at),
        aware(row.last_used_at),
        row.revoked_at is not None,
    )


def _tokens_query() -> Any:
    return select(
        api_tokens.c.id,
        api_tokens.c.name,
        api_tokens.c.editor_id,
        api_tokens.c.created_at,
        api_tokens.c.last_used_at,
        api_tokens.c.revoked_at,
        editors.c.email,
        editors.c.role,
        editors.c.disabled,
        editors.c.created_at.label("created_at_1"),
        editors.c.time_zone,
        editors.c.telegram_chat_id,
    ).join(editors, editors.c.id == api_tokens.c.editor_id)


def token_by_hash(conn: Connection, token_hash: str, now: datetime) -> ApiToken | None:
    """The live token with this digest (its last use recorded), or None."""
    row = conn.execute(_tokens_query().where(api_tokens.c.token_hash == token_hash)).first()
    if row is None:
        return None
    conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now))
    return _token(row)


def all_tokens(conn: Connection) -> list[ApiToken]:
    return [_token(row) for row in conn.execute(_tokens_query().order_by(api_tokens.c.id))]


def revoke_token(conn: Connection, token_id: int, now: datetime) -> bool:
    statement = update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
    return bool(conn.execute(statement.values(revoked_at=now)).rowcount)


# --- audit --------------------------------------------------------------------------------
# Every change is recorded in the shared audit log of ``digest.store.editorial``.


def audit(
    conn: Connection, actor: str, action: str, target: str, details: dict[str, Any], now: datetime
) -> None:
    """Record one change in the audit log, in the transaction that makes it."""
    editorial.audit(conn, actor=actor, action=action, target=target, details=details, at=now)


def audit_entries(conn: Connection, limit: int = 100) -> list[editorial.AuditEntry]:
    return editorial.audit_entries(conn, limit=limit)


# --- breaking sends and stops -------------------------------------------------------------


def breaking_repeats(conn: Connection, list_pk: int, item_key: str) -> list[tuple[int, int, datetime, str]]:
    """(repeat, edition id, when, who) of the earlier breaking sends of this item to this list."""
    query = (
        select(
            breaking_sends.c.repeat,
            breaking_sends.c.edition_id,
            breaking_sends.c.created_at,
            breaking_sends.c.created_by,
        )
        .where(breaking_sends.c.list_id == list_pk, breaking_sends.c.item_key == item_key)
        .order_by(breaking_sends.c.repeat)
    )
    return [(int(r), int(e), aware(at) or at, str(by)) for r, e, at, by in conn.execute(query)]


def add_breaking(conn: Connection, row: dict[str, Any]) -> None:
    """Record a breaking send; a concurrent second record of the same repeat breaks the unique key."""
    conn.execute(insert(breaking_sends).values(**row))


def stop(conn: Connection, edition_id: int, by: str, now: datetime) -> int:
    """Raise the edition's stop flag and fail its open rows; return how many were stopped."""
    exists = conn.execute(select(edition_stops.c.edition_id).where(edition_stops.c.edition_id == edition_id))
    if exists.first() is None:
        conn.execute(insert(edition_stops).values(edition_id=edition_id, stopped_by=by, stopped_at=now))
    return fail_open(conn, edition_id, None, f"stopped by {by}", now)


def stopped_by(conn: Connection, edition_id: int) -> str | None:
    """Who stopped the edition, or None while it may go on."""
    query = select(edition_stops.c.stopped_by).where(edition_stops.c.edition_id == edition_id)
    return conn.execute(query).scalar()


def fail_open(
    conn: Connection, edition_id: int, ids: Sequence[int] | None, reason: str, now: datetime
) -> int:
    """Mark the edition's rows not yet sent (all, or those among ``ids``) failed with ``reason``."""
    statement = update(deliveries).where(
        deliveries.c.edition_id == edition_id, deliveries.c.state.in_([str(s) for s in OPEN])
    )
    if ids is not None:
        statement = statement.where(deliveries.c.id.in_(ids))
    values = {"state": str(DeliveryState.FAILED), "last_error": reason[:2000], "updated_at": now}
    return int(conn.execute(statement.values(**values)).rowcount or 0)


# --- what the dashboard shows -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditionSummary:
    id: int
    list_name: str
    slot: str
    title: str
    created_at: datetime
    counts: dict[str, int]
    stopped_by: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(str(DeliveryState.SENT), 0) + self.counts.get(str(DeliveryState.FAILED), 0)


def recent_editions(conn: Connection, limit: int = 20, edition_id: int | None = None) -> list[EditionSummary]:
    """The newest editions (or just one) with their ledger counts by state."""
    query = (
        select(
            editions.c.id,
            lists.c.name,
            editions.c.slot,
            editions.c.title,
            editions.c.created_at,
            edition_stops.c.stopped_by,
        )
        .join(lists, lists.c.id == editions.c.list_id)
        .outerjoin(edition_stops, edition_stops.c.edition_id == editions.c.id)
        .order_by(editions.c.id.desc())
        .limit(limit)
    )
    if edition_id is not None:
        query = query.where(editions.c.id == edition_id)
    rows = conn.execute(query).all()
    ids = [int(r[0]) for r in rows]
    counts: dict[int, dict[str, int]] = {i: {str(s): 0 for s in DeliveryState} for i in ids}
    if ids:
        by_state = (
            select(deliveries.c.edition_id, deliveries.c.state, func.count())
            .where(deliveries.c.edition_id.in_(ids))
            .group_by(deliveries.c.edition_id, deliveries.c.state)
        )
        for ed, state, n in conn.execute(by_state):
            counts[int(ed)][str(state)] = int(n)
    return [
        EditionSummary(int(r[0]), r[1], r[2], r[3], aware(r[4]) or r[4], counts[int(r[0])], r[5])
        for r in rows
    ]


def search_subscribers(conn: Connection, text: str, limit: int = 50) -> list[int]:
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


def suppression_list(conn: Connection, text: str = "", limit: int = 200) -> list[tuple[str, str, datetime]]:
    """(email, reason, since) of suppressed addresses, newest first, optionally filtered."""
    query = select(suppressions).order_by(suppressions.c.created_at.desc()).limit(limit)
    if text.strip():
        query = query.where(suppressions.c.email.like(f"%{text.strip().lower()}%"))
    return [(r.email, r.reason, aware(r.created_at) or r.created_at) for r in conn.execute(query)]


def unsuppress(conn: Connection, email: str) -> bool:
    statement = delete(suppressions).where(suppressions.c.email == email.strip().lower())
    return bool(conn.execute(statement).rowcount)
