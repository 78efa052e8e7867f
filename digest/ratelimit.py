"""Rate limits shared by every worker process.

Each limit is a GCRA (generic cell rate algorithm, a token bucket kept as one number:
the *theoretical arrival time* of the next request). A request is allowed ``burst``
requests ahead of the steady rate; over any window of ``W`` seconds at most
``rate * W + burst`` requests are granted.

``acquire`` *reserves* a slot: when the wait fits within ``max_wait`` the slot is taken
at once and the caller sleeps until it comes, so waiting callers are served in order
without polling. When it does not fit, nothing is taken and ``RateLimited`` says how
long the wait would be, so a Celery task can re-schedule itself instead of sleeping.

``RedisRateLimiter`` keeps the state in Redis, one key per limit, updated by one Lua
script that reads the clock with ``TIME``: the clocks of the workers' machines do not
matter. Keys expire once they hold nothing a fresh key would not; if Redis loses them
(a restart), limits simply start fresh. ``InProcessRateLimiter`` is the same for one
process, used when there is no Redis (the embedded mode).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import redis
from redis.commands.core import Script

from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = [
    "InProcessRateLimiter",
    "LimiterUnavailable",
    "RateLimited",
    "RateLimiter",
    "RedisRateLimiter",
    "limiter_for",
    "wait_for_any",
]

log = logging.getLogger(__name__)


class RateLimited(DigestError):
    """The wait for a slot would exceed ``max_wait``; nothing was reserved."""

    def __init__(self, key: str, wait: float) -> None:
        super().__init__(f"rate limit {key}: next slot in {wait:.2f}s")
        self.key = key
        self.wait = wait


class LimiterUnavailable(DigestError):
    """The shared limiter's store (Redis) did not answer."""


class RateLimiter(Protocol):
    """What a channel needs from a limiter; both implementations below provide it."""

    def try_acquire(self, key: str, rate_per_sec: float, burst: int) -> float: ...

    def acquire(self, key: str, rate_per_sec: float, burst: int, max_wait: float) -> float: ...

    def back_off(self, key: str, seconds: float, rate_per_sec: float, burst: int) -> None: ...


class _GcraLimiter:
    """``acquire`` and argument checks on top of one primitive, ``_reserve``."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    def try_acquire(self, key: str, rate_per_sec: float, burst: int) -> float:
        """Take a slot now and return 0.0, or take nothing and return the seconds to wait."""
        granted, wait = self._reserve(key, *_params(rate_per_sec, burst), 0.0)
        return 0.0 if granted else max(wait, 1e-6)

    def acquire(self, key: str, rate_per_sec: float, burst: int, max_wait: float) -> float:
        """Reserve the next slot and sleep until it comes; return the seconds waited.

        Raise ``RateLimited`` (reserving nothing) when the wait would exceed ``max_wait``.
        """
        granted, wait = self._reserve(key, *_params(rate_per_sec, burst), max_wait)
        if not granted:
            raise RateLimited(key, wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def back_off(self, key: str, seconds: float, rate_per_sec: float, burst: int) -> None:
        """Grant nothing on ``key`` for ``seconds`` (the provider told us to slow down)."""
        _, tolerance = _params(rate_per_sec, burst)
        self._block(key, seconds, tolerance)

    def _reserve(self, key: str, interval: float, tolerance: float, max_wait: float) -> tuple[bool, float]:
        raise NotImplementedError

    def _block(self, key: str, seconds: float, tolerance: float) -> None:
        raise NotImplementedError


def _params(rate_per_sec: float, burst: int) -> tuple[float, float]:
    if rate_per_sec <= 0 or burst < 1:
        raise ValueError(f"rate must be positive and burst at least 1, got {rate_per_sec}, {burst}")
    interval = 1.0 / rate_per_sec
    return interval, interval * (burst - 1)


# KEYS[1]: the limit; ARGV: interval, tolerance, max_wait (seconds).
# Returns {granted (0/1), wait as a string}: Lua numbers would be truncated to integers.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, string.format('%.6f', wait)} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
return {1, string.format('%.6f', wait)}
"""

# KEYS[1]: the limit; ARGV: seconds, tolerance. Moves the arrival time so that the next
# grant comes no sooner than now + seconds.
_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local blocked = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if blocked > tat then
  redis.call('SET', KEYS[1], string.format('%.6f', blocked), 'PX', math.ceil((blocked - now) * 1000) + 1000)
end
return 1
"""


class RedisRateLimiter(_GcraLimiter):
    """Limits shared through Redis by every process that uses the same keys."""

    def __init__(
        self,
        redis_client: redis.Redis,
        prefix: str = "digest:rl:",
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(sleep)
        self.redis = redis_client
        self.prefix = prefix
        self._reserve_script = redis_client.register_script(_RESERVE)
        self._block_script = redis_client.register_script(_BLOCK)

    def _reserve(self, key: str, interval: float, tolerance: float, max_wait: float) -> tuple[bool, float]:
        reply = self._call(self._reserve_script, key, interval, tolerance, max_wait)
        if not isinstance(reply, list) or len(reply) != 2:
            raise LimiterUnavailable(f"rate limiter: unexpected reply from redis: {reply!r}")
        return bool(int(reply[0])), float(reply[1])

    def _block(self, key: str, seconds: float, tolerance: float) -> None:
        self._call(self._block_script, key, seconds, tolerance)

    def _call(self, script: Script, key: str, *args: float) -> object:
        try:
            # redis-py reloads the script by itself when a restarted server forgot it.
            return script(keys=[self.prefix + key], args=[repr(float(a)) for a in args])
        except redis.RedisError as exc:
            raise LimiterUnavailable(f"rate limiter: redis: {exc}") from exc


class InProcessRateLimiter(_GcraLimiter):
    """The same limits for the threads of one process (no Redis: the embedded mode)."""

    _PRUNE_AT = 10_000  # keys kept before stale ones are dropped

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(sleep)
        self._clock = clock
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}

    def _reserve(self, key: str, interval: float, tolerance: float, max_wait: float) -> tuple[bool, float]:
        with self._lock:
            now = self._clock()
            tat = max(self._tat.get(key, now), now)
            wait = max(tat - tolerance - now, 0.0)
            if wait > max_wait:
                return False, wait
            self._tat[key] = tat + interval
            self._prune(now)
            return True, wait

    def _block(self, key: str, seconds: float, tolerance: float) -> None:
        with self._lock:
            now = self._clock()
            self._tat[key] = max(self._tat.get(key, now), now + seconds + tolerance)

    def _prune(self, now: float) -> None:
        if len(self._tat) > self._PRUNE_AT:
            self._tat = {k: v for k, v in self._tat.items() if v > now}


_in_process = InProcessRateLimiter()
_shared: dict[str, RedisRateLimiter] = {}
_shared_lock = threading.Lock()


def wait_for_any(limiter: RateLimiter, limits: Sequence[tuple[str, float, int]], *, purpose: str) -> float:
    """Try each (key, rate per second, burst) in turn; the first wait asked for, else 0.

    For limits that protect forms (sign-up, sign-in): when Redis cannot be reached they
    fail open, with a warning, rather than lock everyone out.
    """
    for key, rate, burst in limits:
        try:
            wait = limiter.try_acquire(key, rate, burst)
        except LimiterUnavailable as exc:
            log.warning("%s rate limit not checked: %s", purpose, exc)
            return 0.0
        if wait > 0:
            return wait
    return 0.0


def limiter_for(settings: Settings) -> RedisRateLimiter | InProcessRateLimiter:
    """The process's limiter: Redis-shared when a Redis URL is set, else in-process."""
    url = settings.shared_redis_url
    if not url:
        return _in_process
    key = f"{settings.redis_prefix}|{url}"
    with _shared_lock:
        if key not in _shared:
            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
            _shared[key] = RedisRateLimiter(client, prefix=f"{settings.redis_prefix}digest:rl:")
        return _shared[key]
