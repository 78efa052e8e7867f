"""Celery tasks: each a thin call into ``digest.pipeline``."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Task, shared_task

from digest import config, pipeline
from digest.pipeline.database import DATABASE_DOWN
from digest.pipeline.planning import SendPlan, open_batches, plan_every_list
from digest.pipeline.retrying import expire_overdue, stalled
from digest.retry import RetryPolicy

log = logging.getLogger(__name__)

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
    return {plan.list_name: dispatch(plan) for plan in plan_every_list(config.get())}


@shared_task(name="digest.send_list")
def send_list(list_name: str, manual: bool = True, ignore_hour: bool = False) -> int:
    plan = pipeline.plan_send(list_name, config.get(), manual=manual, ignore_hour=ignore_hour)
    return dispatch(plan)


def dispatch(plan: SendPlan) -> int:
    """Queue one send task per batch; return how many ledger rows they carry."""
    return _queue(plan.edition_id, plan.batches)


def dispatch_breaking(plan: SendPlan) -> int:
    """Queue a breaking edition's batches on the ``breaking`` queue, in the plan's order
    (channel posts first); their retries stay on that queue."""
    return _queue(plan.edition_id, plan.batches, queue="breaking")


def _queue(edition_id: int | None, batches: list[tuple[str, list[int]]], queue: str | None = None) -> int:
    """The one dispatch loop: a send task per batch, each with its own batch id; how many
    ledger rows they carry. Without ``queue`` the task's route decides."""
    options = {"queue": queue} if queue else {}
    for channel, ids in batches:
        send_batch.apply_async((edition_id, channel, ids, uuid.uuid4().hex), **options)
    return sum(len(ids) for _, ids in batches)


@shared_task(name="digest.resume", acks_late=True)
def resume(edition_id: int) -> int:
    """Queue the edition's rows still open (after a lost message or a long outage)."""
    return _queue(edition_id, open_batches(config.get(), edition_id))


@shared_task(name="digest.expire_unconfirmed")
def expire_unconfirmed() -> int:
    """Delete sign-ups never confirmed within a week (double opt-in: they got nothing else)."""
    from digest.pipeline.signup import expire_unconfirmed as expire

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
    make a duplicate task harmless) unless the retry policy says their edition is too old (then
    they are failed, with the reason); rows stuck in ``sending`` for twice the visibility timeout
    lost their task mid-send, so they go back to ``retrying`` — the one batch that may be repeated.
    """
    settings = config.get()
    now = datetime.now(UTC)
    editions, stuck = stalled(settings, now)
    if stuck:
        log.warning(
            "%d deliveries were stuck in sending (task lost); they will be sent again",
            stuck,
            extra={"stuck": stuck},
        )
    # The retry policy first: what is past its edition's maximum age is failed, not re-queued.
    for edition_id in editions:
        expired = expire_overdue(settings, edition_id, now)
        if expired:
            log.warning(
                "edition %s: %d deliveries given up by the sweeper, past the maximum age",
                edition_id,
                expired,
                extra={"edition": edition_id, "failed": expired},
            )
    return sum(resume(edition_id) for edition_id in editions)


# No task-level retry limit: the retry policy (digest.retry) ends every row — sent, or failed
# after its attempts or its edition's maximum age — and a batch retries only open rows.
@shared_task(name="digest.send_batch", bind=True, acks_late=True, max_retries=None)
def send_batch(
    self: Task, edition_id: int, channel: str, delivery_ids: list[int], batch: str
) -> dict[str, int]:
    settings = config.get()
    policy = RetryPolicy.from_settings(settings)
    try:
        result = pipeline.send_batch(edition_id, channel, delivery_ids, batch, settings)
    except DATABASE_DOWN as exc:
        # The ledger makes a repeat safe; after a long outage the sweeper takes the rows over.
        if self.request.retries >= policy.database_task_retries:
            raise
        wait = policy.database_wait(self.request.retries, random.random())
        raise self.retry(exc=exc, countdown=wait, max_retries=policy.database_task_retries) from exc
    if result.retry:
        countdown = result.retry_after or policy.backoff(self.request.retries + 1, random.random())
        log.info(
            "edition %s: %d rows to retry in %.0fs",
            edition_id,
            len(result.retry),
            countdown,
            extra={"edition": edition_id, "channel": channel, "batch": batch, "retry": len(result.retry)},
        )
        raise self.retry(args=(edition_id, channel, result.retry, batch), countdown=countdown)
    return {"sent": result.sent, "failed": result.failed, "reclaimed": result.reclaimed}
