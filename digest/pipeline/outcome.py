"""What a send's outcome writes: rows recorded sent or failed (the ``sent`` write retried through
a short database outage), refusals with their reasons, gone chats removed, refusing chats
marked failing, transient failures handed to the retry policy."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from digest.config import Settings
from digest.errors import ChatRefused, DeliveryError
from digest.models import Channel, DeliveryState
from digest.pipeline import retrying
from digest.store import alerts, ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import DATABASE_DOWN, transaction
from digest.store.ledger import Delivery

__all__ = ["BatchResult", "failed", "finish", "gone", "patiently", "refused", "refused_chat"]

log = logging.getLogger("digest.pipeline.delivering")  # one logger for a send, as before the split

T = TypeVar("T")

DATABASE_PATIENCE = 60.0  # seconds a send keeps trying to record its outcome while the database is down
PATIENT_LONGEST_WAIT = 8.0  # between those tries


@dataclass(slots=True)
class BatchResult:
    sent: int = 0
    failed: int = 0
    retry: list[int] | None = None  # rows of the batch still open: the task retries them
    retry_after: float | None = None
    reclaimed: int = 0


def refused(rows: list[Delivery], reasons: dict[int, str], settings: Settings, result: BatchResult) -> None:
    """Rows the provider refused for a reason of their own: each fails alone, with its reason."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for row in rows:
            ledger.mark(conn, [row.id], DeliveryState.FAILED, now, reasons[row.subscriber_id])
    for row in rows:
        log.warning(
            "edition %s: delivery %s refused: %s",
            row.edition_id,
            row.id,
            reasons[row.subscriber_id],
            extra={"edition": row.edition_id, "channel": row.channel, "failed": 1},
        )
    result.failed += len(rows)


def failed(group: list[Delivery], exc: DeliveryError, settings: Settings, result: BatchResult) -> bool:
    """Record a failed group: for good when permanent, else left for the task's retry."""
    if not group:
        return True
    if exc.permanent:
        log.error(
            "edition %s: %d recipients failed for good: %s",
            group[0].edition_id,
            len(group),
            exc,
            extra={"edition": group[0].edition_id, "channel": group[0].channel, "failed": len(group)},
        )
        finish(group, DeliveryState.FAILED, settings, str(exc))
        result.failed += len(group)
        return True
    if exc.maybe_delivered:
        log.warning(
            "edition %s: %d recipients may have been sent the edition already (the provider had the "
            "request when it failed: %s); unless another run has sent them since, they go again and may "
            "get it twice",
            group[0].edition_id,
            len(group),
            exc,
            extra={"edition": group[0].edition_id, "channel": group[0].channel, "retry": len(group)},
        )
    outcome = retrying.after_failure(settings, group, exc, datetime.now(UTC))  # the retry policy decides
    result.failed += sum(len(rows) for rows in outcome.given_up.values())
    if exc.sent_count and len(group) == 1:  # a retry resumes after the messages that went out
        with transaction(settings.database_url) as conn:
            ledger.set_parts_sent(conn, group[0].id, exc.sent_count)
    if not outcome.retry:
        return True
    result.retry_after = outcome.wait
    return False


def gone(group: list[Delivery], exc: DeliveryError, settings: Settings) -> None:
    """The reader blocked the bot or left Telegram: that chat is removed, nothing else (they
    keep their email and their lists)."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for row in group:
            if row.channel == Channel.TELEGRAM:
                subscriber_store.remove_chat(conn, row.address)
        ledger.mark(conn, [row.id for row in group], DeliveryState.FAILED, now, str(exc))
    log.warning(
        "Telegram chat gone, removed from its subscriber: %s",
        exc,
        extra={"edition": group[0].edition_id, "channel": group[0].channel, "failed": len(group)},
    )


def refused_chat(group: list[Delivery], exc: ChatRefused, settings: Settings) -> None:
    """A group or channel refused the bot: the delivery fails, the chat stays on its list,
    marked failing for the editors (``digest status``, the dashboard)."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for row in group:
            alerts.chat_failing(conn, row.address, exc.message, now)
        ledger.mark(conn, [row.id for row in group], DeliveryState.FAILED, now, str(exc))
    log.error(
        "Telegram chat refuses the bot, marked failing (fix the bot's rights there): %s",
        exc,
        extra={"edition": group[0].edition_id, "channel": group[0].channel, "failed": len(group)},
    )


def finish(group: list[Delivery], state: DeliveryState, settings: Settings, error: str | None = None) -> None:
    """Record the group's new state. What the provider accepted must be recorded ``sent``, or a
    retry would send it again, so through a short database outage that write is retried."""

    def write() -> None:
        with transaction(settings.database_url) as conn:
            ledger.mark(conn, [row.id for row in group], state, datetime.now(UTC), error)

    if state is DeliveryState.SENT:
        patiently(settings, write, f"edition {group[0].edition_id}: recording {len(group)} rows as sent")
    else:
        write()


def patiently(settings: Settings, action: Callable[[], T], what: str) -> T:
    """``action()``, tried again while the database is unreachable, for up to a minute — well
    within the visibility timeout, so no other run of the task takes the rows meanwhile."""
    give_up = time.monotonic() + min(DATABASE_PATIENCE, settings.visibility_timeout / 2)
    policy = retrying.policy_for(settings)
    for attempt in itertools.count():
        try:
            return action()
        except DATABASE_DOWN as exc:
            pause = min(policy.database_wait(attempt), PATIENT_LONGEST_WAIT)
            if time.monotonic() + pause > give_up:
                raise
            log.warning("%s: database unreachable (%s); again in %.1fs", what, type(exc).__name__, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")
