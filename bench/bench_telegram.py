"""Send an edition to Telegram chats through the local Bot API server, within Telegram's limits.

    python bench/bench_telegram.py [--quick]

Ours: ``plan_send`` then every batch (50 chats) through ``send_batch`` in a pool of worker
processes (2 × cores), the limits (28 messages/s in all, 1/s per chat) shared through Redis; a
batch handed back for a retry is queued again after its ``retry_after``, as Celery would.
Baseline: the same messages sent one after another with python-telegram-bot's defaults (no
limiter; a 429 is waited out and the message sent again), on a sample of chats. Ceiling: the
platform's 30 messages/s. Target: a sustained ≥ 28 messages/s with no 429.

The full run sends to 10,000 chats (six minutes at 28/s); ``--quick`` to 200 (four batches,
so four workers are busy).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import tempfile
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from bench import common
from bench.bench_send import REDIS_URL, WORKERS, _pool, _redis_up, _settings_for
from bench.common import Row, row

SPAWN = multiprocessing.get_context("spawn")
TOKEN = "123456:BENCH-token"
RATE = 28.0


def _serve(pipe: Connection) -> None:
    from tests.fakes.telegram_server import FakeTelegram

    with FakeTelegram(TOKEN) as fake:
        pipe.send(fake.base_url)
        while True:
            command = pipe.recv()
            if command == "stop":
                return
            busiest = fake.rate_over(1.0)
            with fake._lock:
                times = sorted(m.at for m in fake.messages)
                floods = sum(1 for f in fake.floods if not f.forced)
                if command == "reset":
                    fake.messages.clear()
                    fake.floods.clear()
                    fake.requests.clear()
            pipe.send((len(times), times[0] if times else 0.0, times[-1] if times else 0.0, floods, busiest))


def _send(env: dict[str, str], edition_id: int, ids: list[int]) -> tuple[int, list[int], float]:
    from digest.pipeline.delivering import send_batch

    result = send_batch(edition_id, "telegram", ids, uuid.uuid4().hex, _settings_for(env))
    return result.sent, result.retry or [], result.retry_after or 1.0


def _plan(env: dict[str, str]) -> tuple[int, list[list[int]], list[list[str]]]:
    """The batches and, for the baseline, every chat's messages."""
    from sqlalchemy import select

    from digest.pipeline.planning import plan_send
    from digest.store.db import transaction
    from digest.store.tables import deliveries, edition_variants

    settings = _settings_for(env)
    plan = plan_send("daily", settings, manual=True)
    with transaction(settings.database_url) as conn:
        query = select(deliveries.c.address, edition_variants.c.telegram).join(
            edition_variants, edition_variants.c.id == deliveries.c.variant_id
        )
        chats = [[str(chat), *messages] for chat, messages in conn.execute(query)]
    return plan.edition_id or 0, [ids for _, ids in plan.batches], chats


def _ours(pool: ProcessPoolExecutor, env: dict[str, str], edition_id: int, batches: list[list[int]]) -> int:
    """Every batch through the workers; retries queued again after their delay, like Celery."""
    sent = 0
    if True:
        waiting: list[tuple[float, list[int]]] = []
        running: set[Future[tuple[int, list[int], float]]] = {
            pool.submit(_send, env, edition_id, ids) for ids in batches
        }
        while running or waiting:
            for due, ids in [w for w in waiting if w[0] <= time.monotonic()]:
                waiting.remove((due, ids))
                running.add(pool.submit(_send, env, edition_id, ids))
            for future in [f for f in running if f.done()]:
                running.remove(future)
                done, retry, after = future.result()
                sent += done
                if retry:
                    waiting.append((time.monotonic() + after, retry))
            time.sleep(0.05)
    return sent


async def _sequential(base_url: str, chats: list[list[str]]) -> int:
    """python-telegram-bot with its defaults, one message after another; 429s waited out."""
    from telegram import Bot
    from telegram.constants import ParseMode
    from telegram.error import RetryAfter

    async with Bot(TOKEN, base_url=base_url) as bot:
        sent = 0
        for chat, *messages in chats:
            for text in messages:
                while True:
                    try:
                        await bot.send_message(chat, text, parse_mode=ParseMode.HTML)
                        break
                    except RetryAfter as exc:
                        await asyncio.sleep(float(exc.retry_after))  # type: ignore[arg-type]
                sent += 1
    return sent


class _Server:
    def __enter__(self) -> _Server:
        self._pipe, child = SPAWN.Pipe()
        self._process = SPAWN.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.url: str = self._pipe.recv()
        return self

    def stats(self, reset: bool = False) -> tuple[int, float, float, int, float]:
        self._pipe.send("reset" if reset else "stats")
        result: tuple[int, float, float, int, float] = self._pipe.recv()
        return result

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(10)


def _rate(stats: tuple[int, float, float, int, float]) -> float:
    count, first, last, _, _ = stats
    return (count - 1) / (last - first) if count > 1 and last > first else 0.0


def run(quick: bool = False) -> list[Row]:
    chats, sample = (200, 6) if quick else (10_000, 200)
    if not _redis_up():
        return [common.placeholder("send-telegram", "not available", f"needs Redis at {REDIS_URL}")]
    kind = "postgresql" if not quick and common.postgres_available() else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-tg-") as tmp, _Server() as server:
        with common.database(kind, Path(tmp), "telegram") as url:
            now = datetime.now(UTC)
            common.fresh_items(url, now)
            common.subscribers(url, chats=chats, now=now)
            env = {
                "DIGEST_DATABASE_URL": url,
                "DIGEST_OUTBOX_DIR": str(Path(tmp) / "outbox"),
                "DIGEST_SECRET_KEY": "bench",
                "DIGEST_TELEGRAM_CHANNEL": "telegram",
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "DIGEST_TELEGRAM_API_URL": server.url,
                "DIGEST_TELEGRAM_RATE": str(RATE),
                "DIGEST_REDIS_URL": REDIS_URL,
                "DIGEST_LOG_LEVEL": "WARNING",
            }
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()  # no limits left over from an earlier run
            edition_id, batches, messages = _plan(env)
            with _pool(WORKERS) as pool:
                started = time.perf_counter()
                sent = _ours(pool, env, edition_id, batches)
                elapsed = time.perf_counter() - started
            ours = server.stats(reset=True)
        asyncio.run(_sequential(server.url, messages[:: max(1, len(messages) // sample)][:sample]))
        base = server.stats(reset=True)
    if sent != chats:
        raise RuntimeError(f"sent to {sent} of {chats} chats")
    print(
        f"[send-telegram] {chats} chats, {ours[0]} messages in {elapsed:.1f}s: {_rate(ours):.1f}/s, "
        f"429s {ours[3]}, busiest second {ours[4]:.0f}; "
        f"sequential {base[0]} messages: {_rate(base):.1f}/s, "
        f"429s {base[3]}",
        file=sys.stderr,
        flush=True,
    )
    note = (
        f"{chats} chats ({ours[0]} messages) in {elapsed:.0f}s with {WORKERS} workers, 429s: {ours[3]}, "
        f"busiest second {ours[4]:.0f} msg; baseline sequential PTB defaults on {sample} chats "
        f"({base[0]} messages), 429s: {base[3]}; target ≥ 28/s sustained, no 429"
    )
    return [row("send-telegram", _rate(ours), _rate(base), "messages/s", ceiling=30.0, note=note)]


if __name__ == "__main__":
    print(common.table(run(quick="--quick" in sys.argv)))
