"""The circuit breaker for configuration errors, shared by every worker through Redis.

When a provider refuses our credentials (SendGrid 401/403, Telegram 401), no batch of that
channel can succeed until an operator fixes the setting. The first batch that hears it
trips the channel's breaker; every other batch of the channel, on any worker, then fails
its rows at once with the same reason instead of calling the provider.

A trip remembers a fingerprint of the refused credential (a hash, never the secret): a
worker that starts with a new key is not held by the old trip. ``digest retry`` resets the
breaker and re-opens the rows it held; rows already sent stay sent, so nobody gets the
edition twice. Without Redis (the embedded mode) the breaker lives in the process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import redis

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = ["Breaker", "Trip", "breaker_for", "fingerprint"]

log = logging.getLogger(__name__)

CHANNELS = ("email", "telegram")
KEEP_SECONDS = 7 * 24 * 3600  # a trip nobody acted on for a week is forgotten


@dataclass(frozen=True, slots=True)
class Trip:
    channel: str
    reason: str
    at: str  # ISO 8601, UTC
    edition_id: int
    fingerprint: str


def fingerprint(settings: Settings, channel: str) -> str:
    """A short hash of the credential the channel sends with (never the credential itself)."""
    if channel == "email":
        secret = settings.sendgrid_api_key if settings.email_channel == "sendgrid" else "outbox"
    else:
        secret = settings.telegram_bot_token if settings.telegram_channel == "telegram" else "outbox"
    return hashlib.sha256((secret or "").encode()).hexdigest()[:16]


class _Store(Protocol):
    def get(self, key: str) -> str | None: ...
    def put(self, key: str, value: str) -> None: ...
    def delete(self, key: str) -> None: ...


class _RedisStore:
    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def get(self, key: str) -> str | None:
        value = self._client.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def put(self, key: str, value: str) -> None:
        self._client.set(key, value, ex=KEEP_SECONDS)

    def delete(self, key: str) -> None:
        self._client.delete(key)


class _MemoryStore:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)


class Breaker:
    """Trip, look up and reset the breakers of the channels."""

    def __init__(self, store: _Store, prefix: str) -> None:
        self._store = store
        self._prefix = prefix

    def trip(self, channel: str, trip_print: str, reason: str, edition_id: int, now: datetime) -> bool:
        """Open the channel's breaker; True when this call opened it (so the alert is logged once)."""
        if self.current(channel, trip_print) is not None:
            return False
        trip = Trip(channel, reason, now.isoformat(timespec="seconds"), edition_id, trip_print)
        try:
            self._store.put(self._key(channel), json.dumps(asdict(trip)))
        except redis.RedisError as exc:
            log.warning("circuit breaker for %s not recorded: %s", channel, exc)
        return True

    def current(self, channel: str, trip_print: str | None = None) -> Trip | None:
        """The channel's trip, if open (and, given a fingerprint, if it is for that credential)."""
        try:
            raw = self._store.get(self._key(channel))
        except redis.RedisError as exc:
            log.warning("circuit breaker for %s not checked: %s", channel, exc)
            return None
        if not raw:
            return None
        try:
            trip = Trip(**json.loads(raw))
        except (ValueError, TypeError):
            return None
        return trip if trip_print is None or trip.fingerprint == trip_print else None

    def trips(self) -> list[Trip]:
        return [trip for channel in CHANNELS if (trip := self.current(channel)) is not None]

    def reset(self) -> list[Trip]:
        """Close every breaker; the trips that were open."""
        found = self.trips()
        for channel in CHANNELS:
            try:
                self._store.delete(self._key(channel))
            except redis.RedisError as exc:
                log.warning("circuit breaker for %s not reset: %s", channel, exc)
        return found

    def _key(self, channel: str) -> str:
        return f"{self._prefix}digest:breaker:{channel}"


_memory: dict[str, _MemoryStore] = {}
_redis: dict[str, _RedisStore] = {}
_lock = threading.Lock()


def breaker_for(settings: Settings) -> Breaker:
    """The breaker every worker shares: in Redis when a Redis URL is set, else in this process."""
    url = settings.shared_redis_url
    with _lock:
        if not url:
            store: _Store = _memory.setdefault(settings.redis_prefix, _MemoryStore())
        else:
            key = f"{settings.redis_prefix}|{url}"
            if key not in _redis:
                client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
                _redis[key] = _RedisStore(client)
            store = _redis[key]
    return Breaker(store, settings.redis_prefix)
