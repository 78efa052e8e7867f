"""Every delivery ends: the retry policy and the circuit breaker applied to the ledger.

The decisions are ``digest.retry.RetryPolicy``'s and ``digest.breaker.Breaker``'s; this
module reads and writes what they decide about:

- ``held``: before a batch is sent, rows of an edition past its maximum age, or of a channel
  whose breaker is open, are failed with the reason instead of sent;
- ``after_failure``: a transient failure is retried with backoff or given up for good;
- ``trip``: a configuration error (SendGrid 401/403, Telegram 401) opens the breaker, with
  one alert in the log;
- ``expire_overdue``: the sweeper ends what nobody will send any more;
- ``reopen``: ``digest retry`` — resets the breaker, re-opens the failed rows;
- ``alerts`` and ``failures``: what ``digest status``, the dashboard and the edition page show.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from digest import breaker as breakers
from digest.config import Settings
from digest.errors import DeliveryError
from digest.models import DeliveryState
from digest.retry import Decision, RetryPolicy, edition_kind
from digest.store import alerts as alert_store
from digest.store import editions as edition_store
from digest.store import ledger
from digest.store.db import transaction
from digest.store.ledger import Delivery

__all__ = [
    "Alerts",
    "after_failure",
    "alerts",
    "expire_overdue",
    "failures",
    "held",
    "policy_for",
    "reopen",
    "stalled",
    "trip",
]

log = logging.getLogger(__name__)


def policy_for(settings: Settings) -> RetryPolicy:
    return RetryPolicy.from_settings(settings)


def held(
    conn: Connection, settings: Settings, edition_id: int, channel: str, ids: Sequence[int], now: datetime
) -> int:
    """Fail the open rows among ``ids`` that must not be sent any more; how many. -1 when none
    is held (the batch goes ahead)."""
    trip_ = breakers.breaker_for(settings).current(channel, breakers.fingerprint(settings, channel))
    if trip_ is not None:
        reason = _held_reason(trip_, edition_id)
        return ledger.give_up_open(conn, edition_id, ids, lambda _attempts, _error: reason, now)
    timing = edition_store.timing(conn, edition_id)
    if timing is None:
        return -1
    started, slot = timing
    policy = policy_for(settings)
    if not policy.expired(started, edition_kind(slot), now):
        return -1
    failed = ledger.give_up_open(conn, edition_id, ids, _gave_up(policy, started, now), now)
    if failed:
        log.warning(
            "edition %s: %d deliveries given up, the edition is older than its maximum age",
            edition_id,
            failed,
            extra={"edition": edition_id, "channel": channel, "failed": failed},
        )
    return failed


def _gave_up(policy: RetryPolicy, started: datetime, now: datetime) -> Callable[[int, str | None], str]:
    return lambda attempts, error: policy.give_up_reason(attempts, started, now, error or "never sent")


def _held_reason(trip_: breakers.Trip, edition_id: int) -> str:
    return (
        f"held: {trip_.reason} (circuit breaker open since {trip_.at}; fix the setting, then "
        f"`digest retry {edition_id}`)"
    )


@dataclass(slots=True)
class Outcome:
    """What the policy made of a failed group: rows to retry (after ``wait``), rows given up."""

    retry: list[Delivery] = field(default_factory=list)
    wait: float | None = None
    given_up: dict[str, list[Delivery]] = field(default_factory=dict)  # reason -> rows


def after_failure(
    settings: Settings, group: Sequence[Delivery], exc: DeliveryError, now: datetime
) -> Outcome:
    """Ask the policy about each row of a group that failed transiently, and record the answer
    (rows to retry become ``retrying``, the others ``failed`` with the reason)."""
    with transaction(settings.database_url) as conn:
        timing = edition_store.timing(conn, group[0].edition_id)
    started, slot = timing if timing else (now, "")
    policy, outcome = policy_for(settings), Outcome()
    for row in group:
        decision: Decision = policy.decide(
            attempts=row.attempts,
            started=started,
            kind=edition_kind(slot),
            now=now,
            error=str(exc),
            retry_after=exc.retry_after,
            jitter=random.random(),
        )
        if decision.retry:
            outcome.retry.append(row)
            outcome.wait = decision.wait if outcome.wait is None else min(outcome.wait, decision.wait)
        else:
            outcome.given_up.setdefault(decision.reason, []).append(row)
    with transaction(settings.database_url) as conn:
        ledger.mark(conn, [row.id for row in outcome.retry], DeliveryState.RETRYING, now, str(exc))
        if exc.retry_after is not None:  # the provider asked us to wait: no attempt was made
            ledger.uncount(conn, [row.id for row in outcome.retry])
        for reason, rows in outcome.given_up.items():
            ledger.mark(conn, [row.id for row in rows], DeliveryState.FAILED, now, reason)
    for reason, rows in outcome.given_up.items():
        log.error(
            "edition %s: %d deliveries %s",
            group[0].edition_id,
            len(rows),
            reason,
            extra={"edition": group[0].edition_id, "channel": group[0].channel, "failed": len(rows)},
        )
    return outcome


def trip(
    settings: Settings,
    channel: str,
    exc: DeliveryError,
    edition_id: int,
    rows: Sequence[Delivery],
    now: datetime,
) -> None:
    """A configuration error: open the channel's breaker (one alert) and fail ``rows``, held."""
    breaker = breakers.breaker_for(settings)
    opened = breaker.trip(channel, breakers.fingerprint(settings, channel), str(exc), edition_id, now)
    if opened:
        log.error(
            "CIRCUIT BREAKER OPEN for %s: %s. Every %s batch now fails at once instead of calling the "
            "provider; fix the setting, then run `digest retry %s`",
            channel,
            exc,
            channel,
            edition_id,
            extra={"edition": edition_id, "channel": channel},
        )
    trip_ = breaker.current(channel) or breakers.Trip(channel, str(exc), now.isoformat(), edition_id, "")
    with transaction(settings.database_url) as conn:
        # Only rows still in flight: one the channel did accept before stays sent.
        held_ids, reason = [row.id for row in rows], _held_reason(trip_, edition_id)
        ledger.mark(conn, held_ids, DeliveryState.FAILED, now, reason, only_if=DeliveryState.SENDING)


def expire_overdue(settings: Settings, edition_id: int, now: datetime) -> int:
    """The sweeper's question before it re-queues an edition: fail what is past its age."""
    with transaction(settings.database_url) as conn:
        timing = edition_store.timing(conn, edition_id)
        if timing is None:
            return 0
        started, slot = timing
        policy = policy_for(settings)
        if not policy.expired(started, edition_kind(slot), now):
            return 0
        return ledger.give_up_open(conn, edition_id, None, _gave_up(policy, started, now), now)


def stalled(settings: Settings, now: datetime) -> tuple[list[int], int]:
    """The sweeper's look: (editions whose open rows have waited ``DIGEST_RESUME_AFTER``, how
    many rows stuck in ``sending`` for twice the visibility timeout went back to ``retrying``)."""
    with transaction(settings.database_url) as conn:
        return ledger.stalled_editions(
            conn,
            open_before=now - timedelta(seconds=settings.resume_after),
            sending_before=now - timedelta(seconds=2 * settings.visibility_timeout),
        )


def reopen(settings: Settings, edition_id: int, now: datetime) -> tuple[int, list[breakers.Trip]]:
    """``digest retry``: close the breakers, re-open the edition's failed rows (their age and
    attempts counted afresh); how many rows, and the trips that were open."""
    trips = breakers.breaker_for(settings).reset()
    with transaction(settings.database_url) as conn:
        edition_store.reopened(conn, edition_id, now)
        count = ledger.reopen_failed(conn, edition_id, now)
    return count, trips


@dataclass(frozen=True, slots=True)
class Alerts:
    """What editors must know about: open breakers and Telegram chats that refuse the bot."""

    breakers: list[breakers.Trip]
    failing_chats: list[alert_store.FailingChat]

    def __bool__(self) -> bool:
        return bool(self.breakers or self.failing_chats)


def alerts(settings: Settings) -> Alerts:
    with transaction(settings.database_url) as conn:
        chats = alert_store.failing_chats(conn)
    return Alerts(breakers.breaker_for(settings).trips(), chats)


def failures(settings: Settings, edition_id: int, limit: int = 20) -> tuple[int, list[tuple[str, str, str]]]:
    """How many of the edition's rows failed, and the first ``limit`` (channel, address, reason)."""
    with transaction(settings.database_url) as conn:
        return alert_store.failed_rows(conn, edition_id, limit)
