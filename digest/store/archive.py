"""What the public archive reads: a list's published editions and their reader-neutral variant.

The neutral variant of an edition is the one for readers without topic choices (its key
starts with ``|``), or a breaking send's only variant. Every web process reads it from the
database, so a web view is the same whichever machine serves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, func, or_, select, update

from digest.models import ArchivedEdition
from digest.store.common import aware, newest_first
from digest.store.tables import edition_variants, editions, lists

__all__ = ["ArchivedEdition", "ArchivedList", "archived_list", "neutral_variant", "published", "set_archive"]


@dataclass(frozen=True, slots=True)
class ArchivedList:
    id: int
    name: str
    title: str
    public: bool


_NEUTRAL = or_(edition_variants.c.topics_key.like("|%"), edition_variants.c.topics_key == "breaking")


def _first_neutral() -> Select[tuple[int, int]]:
    """edition id -> the id of its first neutral variant."""
    return (
        select(edition_variants.c.edition_id, func.min(edition_variants.c.id).label("variant_id"))
        .where(_NEUTRAL)
        .group_by(edition_variants.c.edition_id)
    )


def archived_list(conn: Connection, name: str) -> ArchivedList | None:
    row = conn.execute(
        select(lists.c.id, lists.c.name, lists.c.title, lists.c.archive).where(lists.c.name == name)
    ).first()
    return ArchivedList(int(row.id), row.name, row.title, bool(row.archive)) if row else None


def set_description(conn: Connection, name: str, description: str) -> bool:
    """The list's description on the sign-up page; False when there is no such list."""
    change = update(lists).where(lists.c.name == name).values(description=description)
    return conn.execute(change).rowcount > 0


def set_archive(conn: Connection, name: str, public: bool) -> bool:
    """Make a list's archive public or private; False when there is no such list."""
    return conn.execute(update(lists).where(lists.c.name == name).values(archive=public)).rowcount > 0


def published(
    conn: Connection, list_pk: int, *, limit: int, before: int | None = None
) -> list[ArchivedEdition]:
    """The list's editions that have a neutral variant, newest first."""
    first = _first_neutral().subquery()
    query = (
        select(
            editions.c.id,
            editions.c.title,
            editions.c.slot,
            editions.c.created_at,
            edition_variants.c.subject,
            edition_variants.c.preheader,
            edition_variants.c.headlines,
        )
        .join(first, first.c.edition_id == editions.c.id)
        .join(edition_variants, edition_variants.c.id == first.c.variant_id)
        .where(editions.c.list_id == list_pk)
    )
    return [
        ArchivedEdition(
            id=int(row.id),
            title=row.title,
            subject=row.subject,
            preheader=row.preheader,
            created_at=aware(row.created_at) or row.created_at,
            breaking=row.slot.startswith("breaking-"),
            headlines=tuple((title, url) for title, url in row.headlines or ()),
        )
        for row in conn.execute(newest_first(query, editions.c.id, limit=limit, before=before))
    ]


def neutral_variant(conn: Connection, edition_id: int) -> tuple[str, bool] | None:
    """(HTML of the edition's neutral variant, whether its list's archive is public)."""
    first = _first_neutral().where(edition_variants.c.edition_id == edition_id).subquery()
    query = (
        select(edition_variants.c.html, lists.c.archive)
        .join(first, first.c.variant_id == edition_variants.c.id)
        .join(editions, editions.c.id == edition_variants.c.edition_id)
        .join(lists, lists.c.id == editions.c.list_id)
    )
    row = conn.execute(query).first()
    return (row.html, bool(row.archive)) if row else None
