"""Celery tasks: each a thin call into ``digest.pipeline``."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Task, shared_task

from digest import config, pipeline
from digest.pipeline.planning import SendPlan, open_batches
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import DATABASE_DOWN, transaction

log = logging.getLogger(__name__)

MAX_SEND_RETRIES = 12
# The database unreachable (restarting, failing over, a network cut): the task is tried again
# with backoff — up to 2, 4, 8, 16, then 30 s, jittered — instead of failing; the ledger makes
# a repeat safe.
DATABASE_RETRY: dict[str, Any] = {
    "autoretry_for": DATABASE_DOWN,
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "retry_jitter": True,
}


@shared_task(name="digest.collect_due")
def collect_due() -> int:
    """Fan out one refresh task per feed that is due."""
    ids = pipeline.due_feed_ids(config.get())
    for feed_id in ids:
        refresh_feed.delay(feed_id)
    return len(ids)


@shared_task(name="digest.refresh_feed", acks_late=True, max_retries=10, **DATABASE_RETRY)
def refresh_feed(feed_id: int) -> dict[str, Any]:
    result = pipeline.refresh_feed(feed_id, config.get())
    return {"feed": result.url, "status": result.status, "new": result.new, "error": result.error}


@shared_task(name="digest.tick")
def tick() -> dict[str, int]:
    """The hourly tick: every list's due subscribers get today's edition."""
    settings = config.get()
    with transaction(settings.database_url) as conn:
        names = subscriber_store.digest_lists(conn)
    return {name: dispatch(pipeline.plan_send(name, settings)) for name in names}


@shared_task(name="digest.send_list")
def send_list(list_name: str, manual: bool = True, ignore_hour: bool = False) -> int:
    plan = pipeline.plan_send(list_name, config.get(), manual=manual, ignore_hour=ignore_hour)
    return dispatch(plan)


def dispatch(plan: SendPlan) -> int:
    """Queue one send task per batch; return how many ledger rows they carry."""
    for channel, ids in plan.batches:
        send_batch.delay(plan.edition_id, channel, ids, uuid.uuid4().hex)
    return plan.deliveries


def dispatch_breaking(plan: SendPlan) -> int:
    """Queue a breaking edition's batches on the ``breaking`` queue, in the plan's order
    (channel posts first); their retries stay on that queue."""
    for channel, ids in plan.batches:
        send_batch.apply_async((plan.edition_id, channel, ids, uuid.uuid4().hex), queue="breaking")
    return plan.deliveries


@shared_task(name="digest.resume", acks_late=True)
def resume(edition_id: int) -> int:
    """Queue the edition's rows still open (after a lost message or a long outage)."""
    batches = open_batches(config.get(), edition_id)
    for channel, ids in batches:
        send_batch.delay(edition_id, channel, ids, uuid.uuid4().hex)
    return sum(len(ids) for _, ids in batches)


@shared_task(name="digest.expire_unconfirmed")
def expire_unconfirmed() -> int:
    """Delete sign-ups never confirmed within a week (double opt-in: they got nothing else)."""
    from digest.pipeline.subscriptions import expire_unconfirmed as expire

    return expire(config.get(), datetime.now(UTC))


@shared_task(name="digest.sunset")
def sunset() -> dict[str, int]:
    """Sunsetting (off unless DIGEST_SUNSET_EDITIONS is set): ask quiet readers once, make
    those who never answered inactive."""
    from digest.pipeline import sunset as sunsetting

    result = sunsetting.run(config.get(), datetime.now(UTC))
    return {"asked": result.asked, "inactive": result.inactive}


@shared_task(name="digest.resume_stalled")
def resume_stalled() -> int:
    """Re-queue deliveries whose task was lost (Redis restarted, a message expired).

    Open rows that have waited ``DIGEST_RESUME_AFTER`` (ten minutes) are queued again (claims
    make a duplicate task harmless); rows stuck in ``sending`` for twice the visibility timeout
    lost their task mid-send, so they go back to ``retrying`` — the one batch that may be repeated.
    """
    settings = config.get()
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        editions, stuck = ledger.stalled_editions(
            conn,
            open_before=now - timedelta(seconds=settings.resume_after),
            sending_before=now - timedelta(seconds=2 * settings.visibility_timeout),
        )
    if stuck:
        log.warning(
            "%d deliveries were stuck in sending (task lost); they will be sent again",
            stuck,
            extra={"stuck": stuck},
        )
    return sum(resume(edition_id) for edition_id in editions)


@shared_task(
    name="digest.send_batch", bind=True, acks_late=True, max_retries=MAX_SEND_RETRIES, **DATABASE_RETRY
)
def send_batch(
    self: Task, edition_id: int, channel: str, delivery_ids: list[int], batch: str
) -> dict[str, int]:
    result = pipeline.send_batch(edition_id, channel, delivery_ids, batch, config.get())
    if result.retry:
        countdown = result.retry_after or backoff(self.request.retries)
        log.info(
            "edition %s: %d rows to retry in %.0fs",
            edition_id,
            len(result.retry),
            countdown,
            extra={"edition": edition_id, "channel": channel, "batch": batch, "retry": len(result.retry)},
        )
        raise self.retry(args=(edition_id, channel, result.retry, batch), countdown=countdown)
    return {"sent": result.sent, "failed": result.failed, "reclaimed": result.reclaimed}


def backoff(retries: int) -> float:
    """Exponential backoff with full jitter, from a few seconds up to ten minutes."""
    return float(random.uniform(0.5, 1.0) * min(600.0, 5.0 * 2**retries))
