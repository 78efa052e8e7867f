"""Send an edition by email to 10k, 100k and 1M subscribers through the local SendGrid server.

    python bench/bench_send.py [--quick]

The pipeline runs in-process, the way the workers run it: ``plan_send`` (one compose and
render per variant, the ledger filled page by page) in a process of its own, then every batch
through ``send_batch`` in a pool of worker processes (2 × cores), against the local SendGrid
server (``tests/fakes``, counts only, in a third process) with the rate limit shared through
Redis as in production. Each run checks that every recipient got the edition exactly once.

Baseline: one request per recipient (``DIGEST_EMAIL_BATCH=1``) through the same workers,
measured on a sample and extrapolated to the size. Ceiling: 1,000 recipients per request.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench import common
from bench.common import Row, row

API_KEY = "SG.bench-key"
REDIS_URL = os.environ.get("DIGEST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
RATE = 200.0  # SendGrid requests per second for the bench (production default: 10)
WORKERS = 2 * (os.cpu_count() or 1)
SPAWN = multiprocessing.get_context("spawn")


# -- the SendGrid server, in a process of its own -------------------------------------------------


def _serve(pipe: Connection) -> None:
    from tests.fakes import FakeSendGrid

    with FakeSendGrid(api_key=API_KEY, record="counts", schema_sample=1) as fake:
        pipe.send(fake.url)
        while True:
            command = pipe.recv()
            if command == "stop":
                return
            if command == "reset":
                fake.reset()
                pipe.send(None)
            elif command == "counts":
                counts = fake.recipient_counts()
                pipe.send((fake.requests, sum(counts.values()), len(counts), max(counts.values(), default=0)))


class SendGridProcess:
    def __enter__(self) -> SendGridProcess:
        self._pipe, child = SPAWN.Pipe()
        self._process = SPAWN.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.url: str = self._pipe.recv()
        return self

    def ask(self, command: str) -> Any:
        self._pipe.send(command)
        return self._pipe.recv()

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(10)


# -- the workers ------------------------------------------------------------------------------


def sendgrid_environment(
    db_url: str, sendgrid_url: str, folder: Path, *, rate: float, redis: bool
) -> dict[str, str]:
    """Settings for a send through the local SendGrid server (shared by the breaking bench)."""
    env = {
        "DIGEST_DATABASE_URL": db_url,
        "DIGEST_OUTBOX_DIR": str(folder / "outbox"),
        "DIGEST_SECRET_KEY": "bench-secret",
        "DIGEST_PUBLIC_URL": "https://news.example.org",
        "DIGEST_FROM_EMAIL": "The Daily Digest <digest@news.example.org>",
        "DIGEST_EMAIL_CHANNEL": "sendgrid",
        "SENDGRID_API_KEY": API_KEY,
        "DIGEST_SENDGRID_API_URL": sendgrid_url,
        "DIGEST_SENDGRID_RATE": str(rate),
        "DIGEST_LOG_LEVEL": "WARNING",
    }
    if redis:
        env["DIGEST_REDIS_URL"] = REDIS_URL
    return env


def _environment(db_url: str, sendgrid_url: str, folder: Path, batch: int, redis: bool) -> dict[str, str]:
    env = sendgrid_environment(db_url, sendgrid_url, folder, rate=RATE, redis=redis)
    return {**env, "DIGEST_EMAIL_BATCH": str(batch)}


_settings: dict[tuple[tuple[str, str], ...], Any] = {}


def _settings_for(env: dict[str, str]) -> Any:
    """Settings read once per environment and kept, as a Celery worker keeps its own."""
    from digest import config

    key = tuple(sorted(env.items()))
    if key not in _settings:
        _settings[key] = config.load(env, dotenv=False)
    return _settings[key]


def _warm() -> None:
    """What a worker process imports at start, before it takes a task."""
    import digest.channels.sendgrid
    import digest.pipeline.delivering
    import digest.pipeline.planning  # noqa: F401


def _ready(_: int = 0) -> float:
    time.sleep(0.5)  # hold this worker so the next one starts too
    return common.peak_rss_mb()


def _plan(env: dict[str, str], list_name: str) -> tuple[int, list[tuple[str, list[int]]], float, float]:
    from digest.pipeline.planning import plan_send

    settings = _settings_for(env)
    started = time.perf_counter()
    plan = plan_send(list_name, settings, manual=True)
    elapsed = time.perf_counter() - started
    return plan.edition_id or 0, plan.batches, elapsed, common.peak_rss_mb()


def _send(env: dict[str, str], edition_id: int, ids: list[int]) -> tuple[int, int, float]:
    from digest.pipeline.delivering import send_batch

    result = send_batch(edition_id, "email", ids, uuid.uuid4().hex, _settings_for(env))
    if result.retry:
        raise RuntimeError(f"batch left {len(result.retry)} rows to retry")
    return result.sent, result.failed, common.peak_rss_mb()


@dataclass
class Run:
    size: int
    kind: str
    plan_s: float
    send_s: float
    requests: int
    planner_mb: float
    worker_mb: float

    @property
    def total_s(self) -> float:
        return self.plan_s + self.send_s


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(workers, mp_context=SPAWN, initializer=_warm)
    list(pool.map(_ready, range(workers)))  # start-up is not part of any measurement
    return pool


def _run(
    pool: ProcessPoolExecutor,
    env: dict[str, str],
    list_name: str,
    size: int,
    kind: str,
    sendgrid: SendGridProcess,
) -> Run:
    """plan_send in a fresh process, then every batch through the workers; checked exactly once."""
    sendgrid.ask("reset")
    with _pool(1) as planner:
        edition_id, batches, plan_s, planner_mb = planner.submit(_plan, env, list_name).result()
    started = time.perf_counter()
    results = list(pool.map(_send, *zip(*[(env, edition_id, ids) for _, ids in batches], strict=True)))
    send_s = time.perf_counter() - started
    sent = sum(r[0] for r in results)
    requests, accepted, unique, most = sendgrid.ask("counts")
    if not (sent == accepted == unique == size and most == 1):
        raise RuntimeError(f"{kind} {size}: sent {sent}, accepted {accepted}, unique {unique}, most {most}")
    worker_mb = max((r[2] for r in results), default=0.0)
    return Run(size, kind, plan_s, send_s, requests, planner_mb, worker_mb)


def _measure(kind: str, size: int, sample: int, folder: Path, sendgrid: SendGridProcess) -> tuple[Run, Run]:
    """Ours on ``size`` subscribers and the per-recipient baseline on ``sample`` others."""
    redis = _redis_up()
    with common.database(kind, folder, f"send_{kind}_{size}") as url, _pool(WORKERS) as pool:
        now = datetime.now(UTC)
        common.fresh_items(url, now)
        common.subscribers(url, emails=size, list_name="daily", now=now)
        common.subscribers(url, emails=sample, list_name="sample", start=size, now=now)
        ours = _run(pool, _environment(url, sendgrid.url, folder, 1000, redis), "daily", size, kind, sendgrid)
        base = _run(pool, _environment(url, sendgrid.url, folder, 1, redis), "sample", sample, kind, sendgrid)
    _log(
        f"{kind} {size:>9,}: plan {ours.plan_s:6.1f}s  send {ours.send_s:6.1f}s  requests {ours.requests}"
        f"  RSS planner {ours.planner_mb:.0f} MB, worker {ours.worker_mb:.0f} MB;"
        f"  baseline {sample} recipients in {base.send_s:.1f}s"
    )
    return ours, base


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _log(message: str) -> None:
    print(f"[send-email] {message}", file=sys.stderr, flush=True)


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def _naive_render_s(sample: int) -> float:
    """Seconds to render and inline one email per recipient (the render stage's baseline)."""
    from bench.bench_render import BRANDING, _naive_email, edition, recipients
    from digest.render import Renderer

    renderer, content = Renderer(BRANDING), edition(25)
    readers = recipients(sample + 1)
    _naive_email(renderer, content, readers[0])  # warm-up: template compilation, cssutils caches
    started = time.perf_counter()
    for reader in readers[1:]:
        _naive_email(renderer, content, reader)
    return (time.perf_counter() - started) / sample


def _rows(runs: list[tuple[Run, Run]], sample: int, render_s: float) -> list[Row]:
    rows: list[Row] = []
    cores = os.cpu_count() or 1
    for ours, base in runs:
        per_recipient = base.send_s / base.size  # the baseline's send time, extrapolated
        baseline_s = ours.plan_s + per_recipient * ours.size
        rows.append(
            row(
                f"send-email {_label(ours.size)} {ours.kind}",
                ours.size / ours.total_s,
                ours.size / baseline_s,
                "recipients/s",
                ceiling=RATE * 1000,
                peak_rss_mb=max(ours.planner_mb, ours.worker_mb),
                note=(
                    f"render+send {ours.total_s:.1f}s (plan {ours.plan_s:.1f}s, send {ours.send_s:.1f}s, "
                    f"{ours.requests} requests, {WORKERS} workers); RSS planner {ours.planner_mb:.0f} MB, "
                    f"worker {ours.worker_mb:.0f} MB; baseline one request per recipient, {sample} measured "
                    f"({base.send_s:.1f}s) and extrapolated to {baseline_s:.0f}s; "
                    f"ceiling = DIGEST_SENDGRID_RATE {RATE:.0f}/s × 1000"
                ),
            )
        )
    for ours, base in runs:
        if ours.size < max(r[0].size for r in runs):
            continue
        # The whole per-recipient way: render + premailer for each reader (spread over every
        # core) and one request each, against ours: one render per variant, 1,000 per request.
        naive_s = ours.size * render_s / cores + base.send_s / base.size * ours.size
        rows.append(
            row(
                f"render+send-email {_label(ours.size)} {ours.kind}",
                ours.total_s,
                naive_s,
                "s",
                peak_rss_mb=max(ours.planner_mb, ours.worker_mb),
                higher_is_better=False,
                note=(
                    f"target < 120 s and ≥ 100× the per-recipient way: render + premailer per reader "
                    f"({render_s * 1000:.1f} ms, over {cores} cores) plus one request per reader "
                    f"({base.send_s / base.size * 1000:.1f} ms), extrapolated to {naive_s:.0f}s"
                ),
            )
        )
    biggest = max(runs, key=lambda r: (r[0].size, r[0].kind == "postgresql"))[0]
    rows.append(
        row(
            "send-email batching",
            biggest.size / biggest.requests,
            1.0,
            "recipients/request",
            ceiling=1000,
            peak_rss_mb=biggest.worker_mb,
        )
    )
    return rows


def run(quick: bool = False) -> list[Row]:
    """Rows per size and database: recipients per second, render+send, against one request each."""
    # Quick: SQLite alone (CI checks that the stage runs); full: both databases.
    kinds = ["postgresql"] if not quick and common.postgres_available() else []
    kinds.append("sqlite")
    plan = (
        {"postgresql": [1_000], "sqlite": [1_000]}
        if quick
        else {
            "postgresql": [10_000, 100_000, 1_000_000],
            "sqlite": [10_000, 100_000, 1_000_000],
        }
    )
    sample = 40 if quick else 2_000
    runs: list[tuple[Run, Run]] = []
    with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp, SendGridProcess() as sendgrid:
        for kind in kinds:
            for size in plan[kind]:
                runs.append(_measure(kind, size, sample, Path(tmp), sendgrid))
    return _rows(runs, sample, _naive_render_s(10 if quick else 100))


if __name__ == "__main__":
    from bench.common import table

    print(table(run(quick="--quick" in sys.argv)))
