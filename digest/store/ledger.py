"""The delivery ledger: one row per (edition, recipient, channel).

A row is written *before* the provider is called and moves
pending → sending → sent | failed | retrying. Claiming rows is one conditional
UPDATE, so two workers can never both send the same row; a task redelivered after
its worker died re-claims its own in-flight rows by their batch token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select, update

from digest.models import Channel, DeliveryState
from digest.store.common import among, insert_many_ignoring_conflicts
from digest.store.subscribers import audience as subscriber_audience
from digest.store.tables import deliveries, memberships, subscribers

OPEN = (DeliveryState.PENDING, DeliveryState.RETRYING)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    edition_id: int
    subscriber_id: int
    channel: str
    address: str
    variant_id: int
    state: str
    attempts: int
    name: str
    parts_sent: int = 0
    link_token: str = ""  # the subscriber's, signed into their links
    timezone: str = "UTC"  # the subscriber's: a breaking email's time is shown in it


def add(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Add pending rows; rows that already exist (same edition or same period) are skipped.

    Every row has the same keys (a page of the plan: one statement for all of them)."""
    return insert_many_ignoring_conflicts(conn, deliveries, rows)


def open_ids(conn: Connection, edition_id: int, channel: str) -> Iterator[tuple[int, int]]:
    """(id, variant id) of the rows still to send, grouped by variant; streamed (a million
    rows need not sit in memory at once), so read them before the transaction ends."""
    query = (
        select(deliveries.c.id, deliveries.c.variant_id)
        .where(deliveries.c.edition_id == edition_id, deliveries.c.channel == channel)
        .where(deliveries.c.state.in_([str(s) for s in OPEN]))
        .order_by(deliveries.c.variant_id, deliveries.c.id)
        .execution_options(yield_per=10_000)
    )
    return ((int(a), int(b)) for a, b in conn.execute(query))


@dataclass(frozen=True, slots=True)
class Claim:
    rows: list[Delivery]  # claimed by this call: send them
    reclaimed: int  # of those, rows a dead run of the same task had in flight
    busy: list[int]  # in flight in another, maybe live, run of the same task: look again later


def claim(
    conn: Connection, ids: Sequence[int], batch: str, now: datetime, *, reclaim_after: timedelta
) -> Claim:
    """Take the open rows among ``ids`` for this run of a send task.

    Every run of a task writes ``<batch>/<nonce>``. Rows another run of the same task left in
    ``sending`` for longer than ``reclaim_after`` belong to a run that died (kill -9, lost
    worker): they are sent again — the documented at-most-one-batch repeat. Younger ones may
    belong to a live run (Redis redelivered the task while it was still working) and are left
    alone, returned as ``busy`` so the caller looks again later.
    """
    run = f"{batch}/{uuid.uuid4().hex[:8]}"
    same_task = and_(deliveries.c.state == DeliveryState.SENDING, deliveries.c.batch.like(f"{batch}/%"))
    stale = and_(same_task, deliveries.c.updated_at < now - reclaim_after)
    reclaimed = conn.execute(
        select(func.count()).select_from(deliveries).where(among(conn, deliveries.c.id, ids), stale)
    ).scalar_one()
    conn.execute(
        update(deliveries)
        .where(among(conn, deliveries.c.id, ids), or_(deliveries.c.state.in_([str(s) for s in OPEN]), stale))
        .values(
            state=str(DeliveryState.SENDING), batch=run, attempts=deliveries.c.attempts + 1, updated_at=now
        )
    )
    query = (
        select(deliveries, subscribers.c.name, subscribers.c.link_token, subscribers.c.timezone)
        .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .where(
            among(conn, deliveries.c.id, ids),
            deliveries.c.batch == run,
            deliveries.c.state == DeliveryState.SENDING,
        )
        .order_by(deliveries.c.id)
    )
    rows = [_delivery(row) for row in conn.execute(query)]
    busy_query = select(deliveries.c.id).where(
        among(conn, deliveries.c.id, ids), same_task, deliveries.c.batch != run
    )
    return Claim(rows, int(reclaimed), [int(x) for x in conn.execute(busy_query).scalars()])


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        edition_id=row.edition_id,
        subscriber_id=row.subscriber_id,
        channel=row.channel,
        address=row.address,
        variant_id=row.variant_id,
        state=row.state,
        attempts=row.attempts,
        name=row.name or "",
        parts_sent=row.parts_sent,
        link_token=row.link_token or "",
        timezone=row.timezone or "UTC",
    )


def mark(
    conn: Connection,
    ids: Sequence[int],
    state: DeliveryState,
    now: datetime,
    error: str | None = None,
    *,
    only_if: DeliveryState | None = None,
) -> None:
    """Record rows' new state (only those in state ``only_if``, when given). A row recorded
    ``sent`` is never re-opened: a run cut off mid-send whose rows another run re-claimed and sent
    meanwhile may report its late transient failure afterwards, and re-opening them would send
    them once more."""
    if not ids:
        return
    rows = among(conn, deliveries.c.id, ids)
    if state in OPEN:
        rows = and_(rows, deliveries.c.state != DeliveryState.SENT)
    if only_if is not None:
        rows = and_(rows, deliveries.c.state == str(only_if))
    conn.execute(
        update(deliveries)
        .where(rows)
        .values(state=str(state), last_error=error[:2000] if error else None, updated_at=now)
    )


def release(conn: Connection, claimed: Sequence[Delivery], ids: Sequence[int], now: datetime) -> list[int]:
    """Return the claimed rows this run did not finish to ``retrying``; give the ids among
    ``ids`` still open (for the task's retry)."""
    conn.execute(
        update(deliveries)
        .where(
            among(conn, deliveries.c.id, [row.id for row in claimed]),
            deliveries.c.state == DeliveryState.SENDING,
        )
        .values(state=str(DeliveryState.RETRYING), updated_at=now)
    )
    query = select(deliveries.c.id).where(
        among(conn, deliveries.c.id, ids), deliveries.c.state.in_([str(s) for s in OPEN])
    )
    return [int(x) for x in conn.execute(query.order_by(deliveries.c.id)).scalars()]


def set_parts_sent(conn: Connection, delivery_id: int, parts: int) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(parts_sent=parts))


def set_address(conn: Connection, delivery_id: int, address: str) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(address=address))


def counts(conn: Connection, edition_ids: Sequence[int]) -> dict[str, int]:
    """Rows by state across these editions."""
    query = (
        select(deliveries.c.state, func.count())
        .where(deliveries.c.edition_id.in_(edition_ids))
        .group_by(deliveries.c.state)
    )
    found = {str(state): int(n) for state, n in conn.execute(query)}
    return {str(state): found.get(str(state), 0) for state in DeliveryState}


def reopen_failed(conn: Connection, edition_id: int, now: datetime) -> int:
    """Put the failed rows of an edition back to pending (``digest retry``), their attempts
    counted afresh."""
    statement = (
        update(deliveries)
        .where(deliveries.c.edition_id == edition_id, deliveries.c.state == DeliveryState.FAILED)
        .where(deliveries.c.subscriber_id.is_not(None))  # a deleted recipient's row stays as it is
        .values(state=str(DeliveryState.PENDING), attempts=0, updated_at=now)
    )
    return int(conn.execute(statement).rowcount or 0)


def fail_open(
    conn: Connection, edition_id: int, ids: Sequence[int] | None, reason: str, now: datetime
) -> int:
    """Mark the edition's rows not yet sent (all, or those among ``ids``) failed with ``reason``."""
    statement = update(deliveries).where(
        deliveries.c.edition_id == edition_id, deliveries.c.state.in_([str(s) for s in OPEN])
    )
    if ids is not None:
        statement = statement.where(deliveries.c.id.in_(ids))
    values = {"state": str(DeliveryState.FAILED), "last_error": reason[:2000], "updated_at": now}
    return int(conn.execute(statement.values(**values)).rowcount or 0)


def stalled_editions(
    conn: Connection, *, open_before: datetime, sending_before: datetime
) -> tuple[list[int], int]:
    """Editions whose open rows have waited since ``open_before``, after returning rows stuck in
    ``sending`` since ``sending_before`` (their task is lost: Redis restarted) to ``retrying``.

    Returns the edition ids and how many stuck rows were returned.
    """
    stuck = conn.execute(
        update(deliveries)
        .where(deliveries.c.state == DeliveryState.SENDING, deliveries.c.updated_at < sending_before)
        .values(state=str(DeliveryState.RETRYING), updated_at=open_before)
    ).rowcount
    query = (
        select(deliveries.c.edition_id)
        .where(deliveries.c.state.in_([str(s) for s in OPEN]), deliveries.c.updated_at <= open_before)
        .distinct()
    )
    return [int(x) for x in conn.execute(query).scalars()], int(stuck or 0)


def periods_taken(
    conn: Connection, list_pk: int, subscriber_ids: Sequence[int], periods: Sequence[str]
) -> set[tuple[int, str, str]]:
    """(subscriber id, channel, period) already in the ledger for these subscribers."""
    if not subscriber_ids or not periods:
        return set()
    query = select(deliveries.c.subscriber_id, deliveries.c.channel, deliveries.c.period).where(
        deliveries.c.list_id == list_pk,
        among(conn, deliveries.c.subscriber_id, subscriber_ids),
        deliveries.c.period.in_(set(periods)),
    )
    return {(int(a), str(b), str(c)) for a, b, c in conn.execute(query)}


def latest_editions(conn: Connection, list_pk: int, subscriber_ids: Sequence[int]) -> dict[int, int]:
    """Each subscriber's latest edition of this list in the ledger (the one not to repeat)."""
    if not subscriber_ids:
        return {}
    query = (
        select(deliveries.c.subscriber_id, func.max(deliveries.c.edition_id))
        .where(deliveries.c.list_id == list_pk, among(conn, deliveries.c.subscriber_id, subscriber_ids))
        .group_by(deliveries.c.subscriber_id)
    )
    return {int(sub): int(ed) for sub, ed in conn.execute(query)}


def uncount(conn: Connection, ids: Sequence[int]) -> None:
    """The last claim of these rows was no attempt (the provider asked us to wait first)."""
    if ids:
        statement = update(deliveries).where(among(conn, deliveries.c.id, ids), deliveries.c.attempts > 0)
        conn.execute(statement.values(attempts=deliveries.c.attempts - 1))


def give_up_open(
    conn: Connection,
    edition_id: int,
    ids: Sequence[int] | None,
    reason: Callable[[int, str | None], str],
    now: datetime,
) -> int:
    """Fail the edition's open rows (all, or those among ``ids``), each with ``reason(attempts,
    last_error)``; return how many."""
    where = [deliveries.c.edition_id == edition_id, deliveries.c.state.in_([str(s) for s in OPEN])]
    if ids is not None:
        where.append(among(conn, deliveries.c.id, ids))
    kinds = select(deliveries.c.attempts, deliveries.c.last_error).where(*where).distinct()
    failed = 0
    for attempts, last_error in list(conn.execute(kinds)):
        same = [*where, deliveries.c.attempts == attempts]
        same.append(
            deliveries.c.last_error.is_(None) if last_error is None else deliveries.c.last_error == last_error
        )
        values = {"state": str(DeliveryState.FAILED), "last_error": reason(int(attempts), last_error)[:2000]}
        failed += int(
            conn.execute(update(deliveries).where(*same).values(**values, updated_at=now)).rowcount or 0
        )
    return failed


def add_audience(
    conn: Connection, list_pk: int, audience: str, edition_id: int, variant_id: int, now: datetime
) -> int:
    """One ``INSERT … SELECT`` of the ledger rows of a list's audience (``subscribers.audience``):
    pending, manual period ``edition:<id>``; how many."""
    address, condition = subscriber_audience(list_pk, audience)
    channel = str(Channel.EMAIL) if audience == "email" else str(Channel.TELEGRAM)
    columns = [
        "edition_id",
        "list_id",
        "subscriber_id",
        "channel",
        "period",
        "address",
        "variant_id",
        "state",
        "attempts",
        "parts_sent",
        "updated_at",
    ]
    source = (
        select(
            literal(edition_id),
            literal(list_pk),
            subscribers.c.id,
            literal(channel),
            literal(f"edition:{edition_id}"),
            address,
            literal(variant_id),
            literal("pending"),
            literal(0),
            literal(0),
            literal(now, deliveries.c.updated_at.type),
        )
        .select_from(subscribers)
        .join(memberships, memberships.c.subscriber_id == subscribers.c.id)
        .where(condition)
        .order_by(subscribers.c.id)
    )
    # RETURNING counts the rows everywhere (psycopg reports no rowcount for INSERT … SELECT).
    return len(
        conn.execute(deliveries.insert().from_select(columns, source).returning(deliveries.c.id)).all()
    )
