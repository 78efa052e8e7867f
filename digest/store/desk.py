"""Read queries of the editors' desk: the recent editions, what one edition contained and how
its delivery went (and how many the suppression list held back); the audit log filtered, with
headlines for the item keys it names.

Counts come from the ledger (``deliveries``), grouped by channel and state; the reasons of
failed rows are its ``last_error`` column, grouped so a thousand "mailbox full" are one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from digest.models import DeliveryState
from digest.store.audit import AuditFilter, audit_entries
from digest.store.common import aware
from digest.store.suppressions import suppressed_counts
from digest.store.tables import (
    audit_log,
    breaking_sends,
    deliveries,
    edition_stops,
    edition_variants,
    editions,
    feed_pauses,
    feeds,
    items,
    lists,
)

__all__ = [
    "AuditFilter",
    "EditionFacts",
    "EditionSummary",
    "FailureReason",
    "audit_choices",
    "audit_entries",
    "clear_stop",
    "edition_facts",
    "feed_pauses_by_id",
    "headlines",
    "list_kind",
    "recent_editions",
    "reopen_failed",
    "set_feed_pause",
    "update_feed",
    "update_list",
]

REASONS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class FailureReason:
    channel: str
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class EditionFacts:
    id: int
    list_name: str
    list_title: str
    slot: str
    title: str
    created_at: datetime
    triggered_by: str | None  # the editor of a breaking send; None for a scheduled edition
    stopped_by: str | None
    stopped_at: datetime | None
    variant_ids: list[int] = field(default_factory=list)
    # channel -> state -> rows
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: list[FailureReason] = field(default_factory=list)
    # channel -> recipients the suppression list held back (no ledger row: nothing was sent)
    suppressed: dict[str, int] = field(default_factory=dict)


def edition_facts(conn: Connection, edition_id: int) -> EditionFacts | None:
    """One edition with its list, who sent it, its variants, counts and failure reasons."""
    query = (
        select(
            editions.c.id,
            lists.c.name,
            lists.c.title,
            editions.c.slot,
            editions.c.title.label("edition_title"),
            editions.c.created_at,
            edition_stops.c.stopped_by,
            edition_stops.c.stopped_at,
            breaking_sends.c.created_by,
        )
        .join(lists, lists.c.id == editions.c.list_id)
        .outerjoin(edition_stops, edition_stops.c.edition_id == editions.c.id)
        .outerjoin(breaking_sends, breaking_sends.c.edition_id == editions.c.id)
        .where(editions.c.id == edition_id)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    variants = select(edition_variants.c.id).where(edition_variants.c.edition_id == edition_id)
    return EditionFacts(
        id=int(row.id),
        list_name=row.name,
        list_title=row.title,
        slot=row.slot,
        title=row.edition_title,
        created_at=aware(row.created_at) or row.created_at,
        triggered_by=row.created_by,
        stopped_by=row.stopped_by,
        stopped_at=aware(row.stopped_at),
        variant_ids=[int(v) for v in conn.execute(variants.order_by(edition_variants.c.id)).scalars()],
        counts=channel_counts(conn, [edition_id]).get(edition_id, {}),
        reasons=failure_reasons(conn, edition_id),
        suppressed=suppressed_counts(conn, [edition_id]).get(edition_id, {}),
    )


@dataclass(frozen=True, slots=True)
class EditionSummary:
    id: int
    list_name: str
    slot: str
    title: str
    created_at: datetime
    counts: dict[str, int]
    stopped_by: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(str(DeliveryState.SENT), 0) + self.counts.get(str(DeliveryState.FAILED), 0)


def recent_editions(conn: Connection, limit: int = 20, edition_id: int | None = None) -> list[EditionSummary]:
    """The newest editions (or just one) with their ledger counts by state."""
    query = (
        select(
            editions.c.id,
            lists.c.name,
            editions.c.slot,
            editions.c.title,
            editions.c.created_at,
            edition_stops.c.stopped_by,
        )
        .join(lists, lists.c.id == editions.c.list_id)
        .outerjoin(edition_stops, edition_stops.c.edition_id == editions.c.id)
        .order_by(editions.c.id.desc())
        .limit(limit)
    )
    if edition_id is not None:
        query = query.where(editions.c.id == edition_id)
    rows = conn.execute(query).all()
    ids = [int(r[0]) for r in rows]
    counts: dict[int, dict[str, int]] = {i: {str(s): 0 for s in DeliveryState} for i in ids}
    if ids:
        by_state = (
            select(deliveries.c.edition_id, deliveries.c.state, func.count())
            .where(deliveries.c.edition_id.in_(ids))
            .group_by(deliveries.c.edition_id, deliveries.c.state)
        )
        for ed, state, n in conn.execute(by_state):
            counts[int(ed)][str(state)] = int(n)
    return [
        EditionSummary(int(r[0]), r[1], r[2], r[3], aware(r[4]) or r[4], counts[int(r[0])], r[5])
        for r in rows
    ]


def channel_counts(conn: Connection, edition_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """edition -> channel -> state -> rows, every state present (zero when none)."""
    found: dict[int, dict[str, dict[str, int]]] = {}
    if not edition_ids:
        return found
    query = (
        select(deliveries.c.edition_id, deliveries.c.channel, deliveries.c.state, func.count())
        .where(deliveries.c.edition_id.in_(edition_ids))
        .group_by(deliveries.c.edition_id, deliveries.c.channel, deliveries.c.state)
    )
    for edition, channel, state, n in conn.execute(query):
        states = found.setdefault(int(edition), {}).setdefault(
            str(channel), {str(s): 0 for s in DeliveryState}
        )
        states[str(state)] = int(n)
    return found


def failure_reasons(conn: Connection, edition_id: int, limit: int = REASONS_SHOWN) -> list[FailureReason]:
    """The edition's failed rows grouped by channel and reason, the most frequent first."""
    reason = func.coalesce(deliveries.c.last_error, "")
    n = func.count().label("n")
    query = (
        select(deliveries.c.channel, reason.label("reason"), n)
        .where(deliveries.c.edition_id == edition_id, deliveries.c.state == str(DeliveryState.FAILED))
        .group_by(deliveries.c.channel, reason)
        .order_by(n.desc(), reason)
        .limit(limit)
    )
    return [FailureReason(str(c), str(r) or "no reason recorded", int(k)) for c, r, k in conn.execute(query)]


# --- the audit log ------------------------------------------------------------------------


def audit_choices(conn: Connection) -> tuple[list[str], list[str]]:
    """(everyone who acted, every action recorded), for the filters."""
    actors = conn.execute(select(audit_log.c.actor).distinct().order_by(audit_log.c.actor)).scalars()
    actions = conn.execute(select(audit_log.c.action).distinct().order_by(audit_log.c.action)).scalars()
    return list(actors), list(actions)


def headlines(conn: Connection, keys: list[str]) -> dict[str, str]:
    """item key -> headline, for the keys that are items'."""
    if not keys:
        return {}
    query = select(items.c.key, items.c.title).where(items.c.key.in_(sorted(set(keys))))
    return {str(k): str(t) for k, t in conn.execute(query)}


# --- feeds --------------------------------------------------------------------------------


def feed_pauses_by_id(conn: Connection) -> dict[int, tuple[str, datetime | None]]:
    """feed id -> (who paused it, when), for the paused feeds."""
    query = select(feed_pauses.c.feed_id, feed_pauses.c.paused_by, feed_pauses.c.paused_at)
    return {int(f): (str(by), aware(at)) for f, by, at in conn.execute(query)}


def set_feed_pause(conn: Connection, feed_id: int, by: str | None, now: datetime) -> None:
    """Pause the feed (``by`` who), or resume it (``by`` None)."""
    conn.execute(delete(feed_pauses).where(feed_pauses.c.feed_id == feed_id))
    if by is not None:
        conn.execute(insert(feed_pauses).values(feed_id=feed_id, paused_by=by, paused_at=now))


def update_feed(conn: Connection, feed_id: int, values: dict[str, object]) -> None:
    """Write exactly the given columns among name, section and weight."""
    unknown = set(values) - {"name", "section", "weight"}
    if unknown:
        raise ValueError(f"not an editable feed column: {sorted(unknown)[0]}")
    if values:
        conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values))


# --- sending again ------------------------------------------------------------------------


def reopen_failed(conn: Connection, edition_id: int, *, stopped: bool, now: datetime) -> int:
    """Put the edition's failed rows back to pending: those an editor stopped (``stopped``),
    or those that failed on their own. Neither was handed to a provider, so sending them
    now sends nobody anything twice."""
    is_stop = deliveries.c.last_error.startswith("stopped by ", autoescape=True)
    statement = update(deliveries).where(
        deliveries.c.edition_id == edition_id,
        deliveries.c.state == str(DeliveryState.FAILED),
        is_stop if stopped else ~is_stop,
    )
    values = {"state": str(DeliveryState.PENDING), "last_error": None, "updated_at": now}
    return int(conn.execute(statement.values(**values)).rowcount or 0)


def clear_stop(conn: Connection, edition_id: int) -> bool:
    return bool(conn.execute(delete(edition_stops).where(edition_stops.c.edition_id == edition_id)).rowcount)


# --- lists --------------------------------------------------------------------------------


def update_list(conn: Connection, name: str, values: dict[str, object]) -> None:
    """Write exactly the given columns among title, description and kind of the list ``name``."""
    unknown = set(values) - {"title", "description", "kind"}
    if unknown:
        raise ValueError(f"not an editable list column: {sorted(unknown)[0]}")
    if values:
        conn.execute(update(lists).where(lists.c.name == name).values(**values))


def list_description(conn: Connection, name: str) -> str:
    return str(conn.execute(select(lists.c.description).where(lists.c.name == name)).scalar() or "")


def list_kind(conn: Connection, name: str) -> str:
    return str(conn.execute(select(lists.c.kind).where(lists.c.name == name)).scalar() or "digest")
