"""The suppression list: addresses no email goes to (bounced, reported as spam, or added by
an editor), stored lower-cased."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, literal, select

from digest.models import Channel
from digest.store.common import among, aware, insert_ignoring_conflicts, insert_many_ignoring_conflicts
from digest.store.tables import memberships, subscribers, suppressed_recipients, suppressions

__all__ = [
    "add_suppressed_members",
    "record_suppressed",
    "suppress",
    "suppressed",
    "suppressed_counts",
    "suppression_list",
    "unsuppress",
]


def suppress(conn: Connection, email: str, reason: str, now: datetime) -> bool:
    """Never email this address again."""
    rows = [{"email": email.lower(), "reason": reason, "created_at": now}]
    return insert_ignoring_conflicts(conn, suppressions, rows) > 0


def suppressed(conn: Connection, emails: Sequence[str]) -> set[str]:
    lowered = list({email.lower() for email in emails})
    if not lowered:
        return set()
    query = select(suppressions.c.email).where(among(conn, suppressions.c.email, lowered))
    return set(conn.execute(query).scalars())


def suppression_list(conn: Connection, text: str = "", limit: int = 200) -> list[tuple[str, str, datetime]]:
    """(email, reason, since) of suppressed addresses, newest first, optionally filtered."""
    query = select(suppressions).order_by(suppressions.c.created_at.desc()).limit(limit)
    if text.strip():
        query = query.where(suppressions.c.email.like(f"%{text.strip().lower()}%"))
    return [(r.email, r.reason, aware(r.created_at) or r.created_at) for r in conn.execute(query)]


def unsuppress(conn: Connection, email: str) -> bool:
    statement = delete(suppressions).where(suppressions.c.email == email.strip().lower())
    return bool(conn.execute(statement).rowcount)


# --- who an edition left out because of the list ---------------------------------------------


def record_suppressed(conn: Connection, rows: Sequence[dict[str, object]]) -> int:
    """Note recipients an edition would have emailed but for the suppression list (keys:
    edition_id, list_id, subscriber_id, channel, period); one per period, however often planned."""
    return insert_many_ignoring_conflicts(conn, suppressed_recipients, rows)


def add_suppressed_members(conn: Connection, list_pk: int, edition_id: int) -> int:
    """A breaking send's: the list's active email members on the suppression list, in one
    ``INSERT … SELECT`` (period ``edition:<id>``, as the send's ledger rows)."""
    on_list = func.lower(subscribers.c.email).in_(select(suppressions.c.email))
    source = (
        select(
            literal(edition_id),
            literal(list_pk),
            subscribers.c.id,
            literal(str(Channel.EMAIL)),
            literal(f"edition:{edition_id}"),
        )
        .select_from(subscribers)
        .join(memberships, memberships.c.subscriber_id == subscribers.c.id)
        .where(memberships.c.list_id == list_pk, subscribers.c.status == "active", on_list)
    )
    columns = ["edition_id", "list_id", "subscriber_id", "channel", "period"]
    statement = insert(suppressed_recipients).from_select(columns, source)
    # RETURNING counts the rows everywhere (psycopg reports no rowcount for INSERT … SELECT).
    return len(conn.execute(statement.returning(suppressed_recipients.c.id)).all())


def suppressed_counts(conn: Connection, edition_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """edition -> channel -> recipients left out because of the suppression list."""
    if not edition_ids:
        return {}
    table = suppressed_recipients
    query = (
        select(table.c.edition_id, table.c.channel, func.count())
        .where(among(conn, table.c.edition_id, list(edition_ids)))
        .group_by(table.c.edition_id, table.c.channel)
    )
    found: dict[int, dict[str, int]] = {}
    for edition_id, channel, n in conn.execute(query):
        found.setdefault(int(edition_id), {})[channel] = int(n)
    return found
