"""Editor accounts: passwords, sessions, API tokens, roles and the audit log.

The use cases over ``digest.store.editors`` and ``digest.store.audit`` (no web framework
here), shared by the editor pages, the JSON API and ``digest accounts``; each opens its own
transaction.

- Passwords are hashed with scrypt (memory-hard, in the standard library), with a random
  salt; the parameters travel in the hash so they can be raised later.
- A session is a random token in a cookie; the database keeps only its SHA-256 digest. It
  ends after ``DIGEST_EDITOR_IDLE_MINUTES`` without a request, or ``DIGEST_EDITOR_SESSION_HOURS``
  after sign-in, whichever comes first.
- An API token (``dg_…``) is shown once and stored as a digest; it acts with its editor's role.
- Roles are ordered: viewer < editor < admin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

from digest.config import Settings
from digest.errors import DigestError
from digest.ratelimit import RateLimiter, wait_for_any
from digest.store import audit as audit_store
from digest.store import editors as store
from digest.store.db import transaction
from digest.store.editors import ApiToken, Editor

__all__ = [
    "Actor",
    "ApiToken",
    "BadCredentials",
    "Editor",
    "Role",
    "TooManyAttempts",
    "add_editor",
    "audit",
    "authenticate",
    "create_token",
    "end_session",
    "everyone",
    "hash_password",
    "identify_token",
    "revoke_token",
    "session_editor",
    "set_disabled",
    "start_session",
    "verify_password",
]

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD = 10
TOKEN_PREFIX = "dg_"
# Sign-in attempts: per client address, and per account from one client address (rate per
# second, burst). Never per account alone: then anyone's wrong guesses would lock the editor out.
LOGIN_IP_LIMIT = (1 / 12, 10)
LOGIN_ACCOUNT_LIMIT = (1 / 30, 5)


class Role(IntEnum):
    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"role must be viewer, editor or admin, not {value!r}") from None

    def __str__(self) -> str:
        return self.name.lower()


class BadCredentials(DigestError):
    """Unknown address, wrong password or a disabled account (never said which)."""


class TooManyAttempts(DigestError):
    def __init__(self, wait: float) -> None:
        super().__init__(f"too many sign-in attempts, try again in {wait:.0f}s")
        self.wait = wait


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an editor through a session, an API token or the command line."""

    editor: Editor | None
    label: str  # what the audit log says: "ada@example.org", "ada@example.org (token cms)", "cli:root"

    @property
    def role(self) -> Role:
        return Role.parse(self.editor.role) if self.editor else Role.ADMIN

    @property
    def time_zone(self) -> str:
        """The zone the desk shows this actor times in (UTC for a token-less CLI or admin)."""
        return self.editor.time_zone if self.editor else "UTC"

    def may(self, needed: Role) -> bool:
        return self.role >= needed


# --- passwords ----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * 2, dklen=32)


def verify_password(password: str, hashed: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = hashed.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


# Compared against when the address is unknown, so timing does not tell which addresses exist.
_DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")


# --- accounts -----------------------------------------------------------------------------


def normalize_email(value: str) -> str:
    address = value.strip().lower()
    if "@" not in address or " " in address or len(address) > 320:
        raise ValueError(f"{value!r} is not an email address")
    return address


def add_editor(settings: Settings, email: str, role: str, password: str, actor: str) -> tuple[Editor, bool]:
    """Create an editor (or reset an existing one's role and password, which ends every
    session they have: whoever knew the old password is signed out); audited."""
    address, parsed = normalize_email(email), Role.parse(role)
    check_password_rules(password)
    now = datetime.now(UTC)
    hashed = hash_password(password)
    with transaction(settings.database_url) as conn:
        editor_id, created = store.save_editor(conn, address, str(parsed), hashed, now)
        details: dict[str, Any] = {"role": str(parsed)}
        if not created:
            details["sessions_ended"] = store.end_sessions_of(conn, editor_id)
        audit_store.audit(conn, actor, "editor.add" if created else "editor.reset", address, details, now)
        editor = store.editor_by_id(conn, editor_id)
    assert editor is not None
    return editor, created


def everyone(settings: Settings) -> tuple[list[Editor], list[ApiToken]]:
    """Every editor account and every API token (the accounts page, ``digest accounts list``)."""
    with transaction(settings.database_url) as conn:
        return store.all_editors(conn), store.all_tokens(conn)


def set_disabled(settings: Settings, editor_id: int, disabled: bool, actor: str) -> bool:
    """Lock an editor out (or let them back in); audited. False when there is no such editor."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        found = store.editor_by_id(conn, editor_id)
        if found is None:
            return False
        store.set_disabled(conn, editor_id, disabled)
        action = "editor.disable" if disabled else "editor.enable"
        audit_store.audit(conn, actor, action, found.email, {}, now)
    return True


def authenticate(
    settings: Settings, email: str, password: str, *, client: str, limiter: RateLimiter
) -> Editor:
    """The editor with this address and password; rate-limited per client address and per
    (account, client address)."""
    address = email.strip().lower()
    _throttle(limiter, client, address)
    with transaction(settings.database_url) as conn:
        found = store.editor_with_hash(conn, address)
    hashed = found[1] if found else _DUMMY_HASH
    good = verify_password(password, hashed)
    now = datetime.now(UTC)
    if not (found and good and not found[0].disabled):
        with transaction(settings.database_url) as conn:
            audit_store.audit(conn, address[:320] or "?", "login.failed", "", {"client": client}, now)
        raise BadCredentials("wrong email or password")
    return found[0]


def _throttle(limiter: RateLimiter, client: str, address: str) -> None:
    account = hashlib.sha256(f"{address}\n{client}".encode()).hexdigest()[:32]
    limits = [(f"login:ip:{client}", *LOGIN_IP_LIMIT), (f"login:acct-ip:{account}", *LOGIN_ACCOUNT_LIMIT)]
    wait = wait_for_any(limiter, limits, purpose="sign-in")
    if wait > 0:
        raise TooManyAttempts(wait)


# --- sessions -----------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(settings: Settings, editor: Editor, client: str) -> str:
    """A new session for ``editor``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        store.add_session(conn, _digest(token), editor.id, now)
        audit_store.audit(conn, editor.email, "login", "", {"client": client}, now)
        store.purge_sessions(conn, **_limits(settings, now))
    return token


def _limits(settings: Settings, now: datetime) -> dict[str, datetime]:
    return {
        "idle_before": now - timedelta(minutes=settings.editor_idle_minutes),
        "created_before": now - timedelta(hours=settings.editor_session_hours),
    }


def session_editor(settings: Settings, token: str, now: datetime | None = None) -> Editor | None:
    """The editor of a live session (its idle clock restarted), or None when it has expired."""
    if not token or len(token) > 100:
        return None
    now = now or datetime.now(UTC)
    digest = _digest(token)
    limits = _limits(settings, now)
    with transaction(settings.database_url) as conn:
        found = store.session(conn, digest)
        if found is None:
            return None
        if (
            found.last_seen_at < limits["idle_before"]
            or found.created_at < limits["created_before"]
            or found.editor.disabled
        ):
            store.end_session(conn, digest)
            return None
        store.touch_session(conn, digest, now)
    return found.editor


def end_session(settings: Settings, token: str) -> None:
    with transaction(settings.database_url) as conn:
        found = store.session(conn, _digest(token))
        store.end_session(conn, _digest(token))
        if found is not None:
            audit_store.audit(conn, found.editor.email, "logout", "", {}, datetime.now(UTC))


# --- API tokens ---------------------------------------------------------------------------


def create_token(settings: Settings, email: str, name: str, actor: str) -> str:
    """A new API token for the editor; the only time its value is seen."""
    address = normalize_email(email)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("give the token a name of 1 to 100 characters (what uses it)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        found = store.editor_with_hash(conn, address)
        if found is None:
            raise ValueError(f"no editor {address} (add one with `digest accounts add`)")
        store.add_token(conn, found[0].id, name, _digest(token), now)
        audit_store.audit(conn, actor, "token.create", address, {"name": name}, now)
    return token


def revoke_token(settings: Settings, token_id: int, actor: str) -> bool:
    """Revoke an API token; audited. False when it was unknown or already revoked."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if not store.revoke_token(conn, token_id, now):
            return False
        audit_store.audit(conn, actor, "token.revoke", str(token_id), {}, now)
    return True


def identify_token(settings: Settings, token: str) -> Actor | None:
    """The actor an API token stands for, or None for an unknown, revoked or disabled one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with transaction(settings.database_url) as conn:
        found = store.token_by_hash(conn, _digest(token), datetime.now(UTC))
    if found is None or found.revoked or found.editor.disabled:
        return None
    return Actor(found.editor, f"{found.editor.email} (token {found.name})")


# --- audit --------------------------------------------------------------------------------


def audit(settings: Settings, actor: Actor | str, action: str, target: str = "", **details: Any) -> None:
    """Record what an editor did: who, when, what."""
    label = actor.label if isinstance(actor, Actor) else actor
    with transaction(settings.database_url) as conn:
        audit_store.audit(conn, label, action, target, details, datetime.now(UTC))
