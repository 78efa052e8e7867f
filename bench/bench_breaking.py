"""Breaking news to 100,000 email subscribers and a Telegram channel, against the local servers.

    python bench/bench_breaking.py [--quick]

Measured from the editor's confirmation (the call to ``send_breaking``): when the Telegram
channel post is accepted by the Bot API server (target: 3 s) and when the last of the
100,000 emails is accepted by the SendGrid server (target: 60 s). Planning runs in this
process; the batches run in a pool of dedicated breaking worker processes (2 × cores) calling
``send_batch`` as the Celery tasks do, with the production SendGrid rate
(``DIGEST_SENDGRID_RATE`` = 10 requests/s, shared through Redis when it answers). Both servers
come from ``tests/fakes``: SendGrid in a process of its own (counts only), Telegram in a thread.
The run checks that every recipient got the message exactly once.

No baseline: the figures are compared with the targets (the ``ceiling`` column).
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import common
from bench.bench_send import (
    SPAWN,
    WORKERS,
    SendGridProcess,
    _redis_up,
    _settings_for,
    _warm,
    sendgrid_environment,
)
from bench.common import Row, row

RATE = 10.0  # SendGrid requests per second: the production default
CHANNEL = "@newsroom_live"
CHANNEL_TARGET_S, EMAIL_TARGET_S = 3.0, 60.0


def _environment(
    db_url: str, sendgrid_url: str, telegram_url: str, token: str, folder: Path
) -> dict[str, str]:
    env = sendgrid_environment(db_url, sendgrid_url, folder, rate=RATE, redis=_redis_up())
    telegram = {"TELEGRAM_BOT_TOKEN": token, "DIGEST_TELEGRAM_API_URL": telegram_url}
    return {**env, **telegram, "DIGEST_TELEGRAM_CHANNEL": "telegram"}


def _send(env: dict[str, str], edition_id: int, channel: str, ids: list[int]) -> tuple[int, float, float]:
    """One send task, as a breaking worker runs it; (sent, when it finished, peak RSS)."""
    import uuid

    from digest.pipeline.delivering import send_batch

    result = send_batch(edition_id, channel, ids, uuid.uuid4().hex, _settings_for(env))
    if result.retry:
        raise RuntimeError(f"{channel} batch left {len(result.retry)} rows to retry")
    return result.sent, time.time(), common.peak_rss_mb()


def _ready(_: int = 0) -> float:
    time.sleep(0.5)
    return common.peak_rss_mb()


def _measure(kind: str, size: int, folder: Path, sendgrid: SendGridProcess) -> dict[str, Any]:
    from digest import config
    from digest.models import Subscriber
    from digest.pipeline import breaking
    from digest.pipeline.planning import SendPlan
    from digest.store import subscribers as subscriber_store
    from digest.store.db import transaction
    from tests.fakes.telegram_server import FakeTelegram

    with common.database(kind, folder, f"breaking_{kind}_{size}") as url, FakeTelegram() as telegram:
        now = datetime.now(UTC)
        common.subscribers(url, emails=size, list_name="breaking", now=now)
        with transaction(url) as conn:
            subscriber_store.save(conn, Subscriber(telegram_chat_id=CHANNEL, lists=("breaking",)), now)
        env = _environment(url, sendgrid.url, telegram.base_url, telegram.token, folder)
        settings = config.load(env, dotenv=False)
        sendgrid.ask("reset")
        news = breaking.news_from_text(
            "Dam breached upstream", "https://wire.example/dam", "Evacuate the valley now."
        )
        with ProcessPoolExecutor(WORKERS, mp_context=SPAWN, initializer=_warm) as pool:
            list(pool.map(_ready, range(WORKERS)))  # the workers are up before the editor confirms
            futures: list[tuple[str, Future[tuple[int, float, float]]]] = []

            def dispatch(plan: SendPlan) -> None:
                assert plan.edition_id is not None
                futures.extend(
                    (ch, pool.submit(_send, env, plan.edition_id, ch, ids)) for ch, ids in plan.batches
                )

            confirmed = time.time()
            sent = breaking.send_breaking(
                settings, news, "breaking", dispatch, actor="bench", audiences=["channel", "email"]
            )
            planned = time.time() - confirmed
            results = [(ch, future.result()) for ch, future in futures]
        channel_s = max(done for ch, (_, done, _) in results if ch == "telegram") - confirmed
        email_s = max(done for ch, (_, done, _) in results if ch == "email") - confirmed
        requests, accepted, unique, most = sendgrid.ask("counts")
        posts = len(telegram.messages_for(CHANNEL))
    if not (accepted == unique == size and most == 1 and posts == 1 and sent.counts["email"] == size):
        raise RuntimeError(
            f"{kind}: accepted {accepted}, unique {unique}, most {most}, channel posts {posts}"
        )
    worker_mb = max(mb for _, (_, _, mb) in results)
    _log(
        f"{kind} {size:,}: planned in {planned:.1f}s, channel post at {channel_s:.2f}s, "
        f"{size:,} emails at {email_s:.1f}s ({requests} requests)"
    )
    return {
        "kind": kind,
        "size": size,
        "plan_s": planned,
        "channel_s": channel_s,
        "email_s": email_s,
        "requests": requests,
        "rss": max(worker_mb, common.peak_rss_mb()),
    }


def _log(message: str) -> None:
    print(f"[breaking] {message}", file=sys.stderr, flush=True)


def run(quick: bool = False) -> list[Row]:
    """Seconds from confirmation to the channel post and to the last email, per database."""
    size = 2_000 if quick else 100_000
    kinds = ["sqlite"] + (["postgresql"] if not quick and common.postgres_available() else [])
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-breaking-") as tmp, SendGridProcess() as sendgrid:
        for kind in kinds:
            runs.append(_measure(kind, size, Path(tmp), sendgrid))
    rows: list[Row] = []
    label = f"{size // 1000}k"
    for found in runs:
        suffix = "" if found["kind"] == "sqlite" else f" {found['kind']}"
        note = (
            f"{found['size']:,} email recipients + 1 Telegram channel, {WORKERS} breaking workers, "
            f"SendGrid at {RATE:.0f} requests/s ({found['requests']} requests); planned in "
            f"{found['plan_s']:.1f}s; target {EMAIL_TARGET_S:.0f}s"
        )
        rows.append(
            row(
                f"breaking{suffix}",
                found["email_s"],
                None,
                f"s to {label} emails",
                ceiling=EMAIL_TARGET_S,
                peak_rss_mb=found["rss"],
                note=note,
                higher_is_better=False,
            )
        )
        rows.append(
            row(
                f"breaking-channel{suffix}",
                found["channel_s"],
                None,
                "s to channel post",
                ceiling=CHANNEL_TARGET_S,
                peak_rss_mb=found["rss"],
                note=f"Telegram channel post accepted; target {CHANNEL_TARGET_S:.0f}s",
            )
        )
    return rows


if __name__ == "__main__":
    print(common.table(run(quick="--quick" in sys.argv)))
