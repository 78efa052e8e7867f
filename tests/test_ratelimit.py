"""The shared rate limiter: GCRA in Redis (db 14, keys under a per-test prefix) and in-process."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from digest import config
from digest.ratelimit import (
    InProcessRateLimiter,
    LimiterUnavailable,
    RateLimited,
    RedisRateLimiter,
    limiter_for,
)

REDIS_URL = "redis://127.0.0.1:6379/14"
Limiter = RedisRateLimiter | InProcessRateLimiter


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = f"digest:test:rl:{uuid.uuid4().hex}:"
    yield prefix
    for key in redis_client.scan_iter(match=prefix + "*"):
        redis_client.delete(key)


@pytest.fixture(params=["redis", "in-process"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[..., Limiter]:
    """A factory, so tests can pass a fake sleep."""
    if request.param == "in-process":
        return lambda **kw: InProcessRateLimiter(**kw)
    client = request.getfixturevalue("redis_client")
    prefix = request.getfixturevalue("prefix")
    return lambda **kw: RedisRateLimiter(client, prefix, **kw)


def test_it_grants_the_burst_at_once_then_asks_to_wait(make_limiter: Callable[..., Limiter]) -> None:
    limiter = make_limiter()
    assert [limiter.try_acquire("k", 1.0, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.try_acquire("k", 1.0, 3) == pytest.approx(1.0, abs=0.1)


def test_a_refused_try_reserves_nothing(make_limiter: Callable[..., Limiter]) -> None:
    limiter = make_limiter()
    limiter.try_acquire("k", 2.0, 1)
    first = limiter.try_acquire("k", 2.0, 1)
    second = limiter.try_acquire("k", 2.0, 1)
    assert 0 < second <= first <= 0.5


def test_acquire_sleeps_until_the_reserved_slot_and_returns_the_wait(
    make_limiter: Callable[..., Limiter],
) -> None:
    slept: list[float] = []
    limiter = make_limiter(sleep=slept.append)
    assert limiter.acquire("k", 4.0, 1, max_wait=1.0) == 0.0
    waits = [limiter.acquire("k", 4.0, 1, max_wait=1.0) for _ in range(2)]
    # Each reservation queues behind the last: a quarter second, then half a second.
    assert waits == pytest.approx([0.25, 0.5], abs=0.05)
    assert slept == waits


def test_acquire_raises_rate_limited_instead_of_waiting_longer_than_max_wait(
    make_limiter: Callable[..., Limiter],
) -> None:
    limiter = make_limiter(sleep=lambda _: None)
    limiter.acquire("k", 0.5, 1, max_wait=0)
    with pytest.raises(RateLimited) as caught:
        limiter.acquire("k", 0.5, 1, max_wait=0.5)
    assert caught.value.wait == pytest.approx(2.0, abs=0.1)
    assert limiter.try_acquire("k", 0.5, 1) == pytest.approx(2.0, abs=0.1)  # nothing was reserved


def test_back_off_grants_nothing_for_the_given_seconds(make_limiter: Callable[..., Limiter]) -> None:
    limiter = make_limiter()
    limiter.back_off("k", 30, 1.0, 3)
    assert limiter.try_acquire("k", 1.0, 3) == pytest.approx(30, abs=0.2)
    assert limiter.try_acquire("other", 1.0, 3) == 0.0


def test_it_refuses_a_rate_or_burst_that_makes_no_sense(make_limiter: Callable[..., Limiter]) -> None:
    with pytest.raises(ValueError):
        make_limiter().try_acquire("k", 0, 1)
    with pytest.raises(ValueError):
        make_limiter().try_acquire("k", 1.0, 0)


def test_redis_keys_expire_once_they_hold_nothing(redis_client: redis.Redis, prefix: str) -> None:
    limiter = RedisRateLimiter(redis_client, prefix)
    limiter.try_acquire("k", 1.0, 3)
    assert 0 < redis_client.pttl(prefix + "k") <= 2000


def test_redis_losing_its_state_just_starts_fresh(redis_client: redis.Redis, prefix: str) -> None:
    limiter = RedisRateLimiter(redis_client, prefix)
    limiter.back_off("k", 60, 1.0, 1)
    redis_client.delete(prefix + "k")  # what a restart without persistence leaves
    assert limiter.try_acquire("k", 1.0, 1) == 0.0


def test_an_unreachable_redis_raises_limiter_unavailable() -> None:
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    with pytest.raises(LimiterUnavailable):
        RedisRateLimiter(client).try_acquire("k", 1.0, 1)


def test_limiter_for_shares_redis_when_a_url_is_set_and_stays_in_process_otherwise() -> None:
    shared = config.load({"DIGEST_REDIS_URL": REDIS_URL}, dotenv=False)
    alone = config.load({}, dotenv=False)
    assert isinstance(limiter_for(shared), RedisRateLimiter)
    assert limiter_for(shared) is limiter_for(shared)
    assert isinstance(limiter_for(alone), InProcessRateLimiter)


RATE, BURST, WINDOW = 20.0, 5, 1.5


def _hammer(limiter: Limiter, until: float, granted: list[float]) -> None:
    while time.monotonic() < until:
        if limiter.try_acquire("hot", RATE, BURST) == 0.0:
            granted.append(time.monotonic())


def _hammer_with_threads(limiter: Limiter, threads: int, until: float) -> int:
    granted: list[float] = []
    workers = [threading.Thread(target=_hammer, args=(limiter, until, granted)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(granted)


def test_threads_hammering_one_key_never_get_more_than_rate_times_window_plus_burst(
    make_limiter: Callable[..., Limiter],
) -> None:
    limiter = make_limiter()
    start = time.monotonic()
    granted = _hammer_with_threads(limiter, 8, start + WINDOW)
    elapsed = time.monotonic() - start
    assert granted <= RATE * elapsed + BURST
    assert granted >= RATE * WINDOW * 0.8  # and it does not starve them either


def _process(prefix: str, until: float, results: multiprocessing.Queue[int]) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    results.put(_hammer_with_threads(RedisRateLimiter(client, prefix), 3, until))


def test_processes_hammering_one_key_never_get_more_than_rate_times_window_plus_burst(
    redis_client: redis.Redis, prefix: str
) -> None:
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[int] = context.Queue()
    start = time.monotonic()
    processes = [context.Process(target=_process, args=(prefix, start + WINDOW, results)) for _ in range(3)]
    for process in processes:
        process.start()
    counts = [results.get(timeout=20) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    # Grants happen between the first request and the last, which starts before the deadline.
    assert sum(counts) <= RATE * (WINDOW + 0.05) + BURST
    assert sum(counts) >= RATE * WINDOW * 0.8
