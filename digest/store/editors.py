"""Editors' accounts: the editors, their sessions and their API tokens.

Secrets are never stored: sessions and API tokens are kept as SHA-256 digests of random
tokens (they have 256 bits of entropy, so a fast hash is enough), passwords as slow hashes
made by ``digest.pipeline.accounts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from digest.store.common import aware
from digest.store.tables import api_tokens, editor_sessions, editors

__all__ = [
    "ApiToken",
    "Editor",
    "Session",
    "add_session",
    "add_token",
    "all_editors",
    "all_tokens",
    "editor_by_id",
    "editor_with_hash",
    "end_session",
    "end_sessions_of",
    "purge_sessions",
    "revoke_token",
    "save_editor",
    "session",
    "set_disabled",
    "set_preferences",
    "token_by_hash",
    "touch_session",
]


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
