"""Editor actions (pin, boost, bury, exclude), list layouts, and what readers already had.

Each change is recorded in the audit log (``digest.store.audit``) in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    delete,
    insert,
    or_,
    select,
    update,
)

from digest.editorial import Action, EditorAction
from digest.store.audit import audit
from digest.store.common import aware
from digest.store.tables import edition_items, editions, editor_actions, items, lists

__all__ = [
    "SentItems",
    "actions",
    "clear_actions",
    "find_item",
    "layout",
    "save_action",
    "sent_items",
    "set_layout",
]


# --- editor actions -------------------------------------------------------------------------


def find_item(conn: Connection, ref: str) -> tuple[str, str] | None:
    """(key, title) of the item whose database id, URL or key is ``ref``."""
    conditions = [items.c.url == ref, items.c.key == ref]
    if ref.isdigit():
        conditions.append(items.c.id == int(ref))
    row = conn.execute(select(items.c.key, items.c.title).where(or_(*conditions)).limit(1)).first()
    return (row.key, row.title) if row else None


def save_action(conn: Connection, action: EditorAction, now: datetime) -> int:
    """Store ``action``, replacing the item's earlier action for the same list, and audit it."""
    list_pk = _list_pk(conn, action.list_name)
    replaced = _delete_actions(conn, action.item_key, list_pk, all_lists=False)
    row = {
        "item_key": action.item_key,
        "action": str(action.action),
        "factor": action.factor,
        "list_id": list_pk,
        "created_at": action.created_at or now,
        "expires_at": action.expires_at,
        "created_by": action.created_by,
    }
    new_id = int(
        conn.execute(insert(editor_actions).values(**row).returning(editor_actions.c.id)).scalar_one()
    )
    details = {
        "factor": action.factor,
        "list": action.list_name,
        "expires_at": action.expires_at.isoformat() if action.expires_at else None,
        "replaced": replaced,
    }
    audit(
        conn,
        actor=action.created_by,
        action=f"editor.{action.action}",
        target=action.item_key,
        details=details,
        at=now,
    )
    return new_id


def clear_actions(
    conn: Connection, item_key: str, list_name: str | None, *, actor: str, now: datetime
) -> int:
    """Remove the item's actions (for one list, or all of them), audited; how many went."""
    list_pk = _list_pk(conn, list_name)
    removed = _delete_actions(conn, item_key, list_pk, all_lists=list_name is None)
    if removed:
        audit(
            conn,
            actor=actor,
            action="editor.clear",
            target=item_key,
            details={"list": list_name, "removed": removed},
            at=now,
        )
    return len(removed)


def _delete_actions(conn: Connection, item_key: str, list_pk: int | None, *, all_lists: bool) -> list[str]:
    query = delete(editor_actions).where(editor_actions.c.item_key == item_key)
    if not all_lists:
        same_list = (
            editor_actions.c.list_id.is_(None) if list_pk is None else editor_actions.c.list_id == list_pk
        )
        query = query.where(same_list)
    return [str(a) for a in conn.execute(query.returning(editor_actions.c.action)).scalars()]


def actions(conn: Connection, *, now: datetime | None = None) -> list[EditorAction]:
    """Every stored action (only those not expired at ``now`` when given), oldest first."""
    query = (
        select(editor_actions, lists.c.name.label("list_name"))
        .outerjoin(lists, lists.c.id == editor_actions.c.list_id)
        .order_by(editor_actions.c.id)
    )
    if now is not None:
        query = query.where(or_(editor_actions.c.expires_at.is_(None), editor_actions.c.expires_at > now))
    return [
        EditorAction(
            item_key=r.item_key,
            action=Action(r.action),
            factor=r.factor,
            list_name=r.list_name,
            created_at=aware(r.created_at),
            expires_at=aware(r.expires_at),
            created_by=r.created_by,
            id=r.id,
        )
        for r in conn.execute(query)
    ]


def _list_pk(conn: Connection, name: str | None) -> int | None:
    if name is None:
        return None
    found = conn.execute(select(lists.c.id).where(lists.c.name == name)).scalar()
    if found is None:
        raise LookupError(f"no list named {name!r}")
    return int(found)


# --- list layouts ---------------------------------------------------------------------------


def layout(conn: Connection, list_name: str) -> tuple[tuple[str, int | None], ...]:
    """The list's sections in order with their sizes (``()``: the defaults)."""
    stored = conn.execute(select(lists.c.sections).where(lists.c.name == list_name)).scalar()
    return tuple((str(name), None if size is None else int(size)) for name, size in stored or ())


def set_layout(
    conn: Connection, list_name: str, sections: Sequence[tuple[str, int | None]], *, actor: str, now: datetime
) -> None:
    """Store the list's layout (empty: back to the defaults), audited."""
    list_pk = _list_pk(conn, list_name)
    value = [[name, size] for name, size in sections] or None
    conn.execute(update(lists).where(lists.c.id == list_pk).values(sections=value))
    audit(conn, actor=actor, action="lists.configure", target=list_name, details={"sections": value}, at=now)


# --- what readers already had ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentItems:
    """Keys of items that went out in some editions: unchanged since, or changed at the source."""

    unchanged: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.unchanged | self.changed


def sent_items(conn: Connection, edition_ids: Iterable[int]) -> SentItems:
    """The items of these editions, split by whether they changed after the edition was made."""
    ids = list(edition_ids)
    if not ids:
        return SentItems()
    query = (
        select(items.c.key, items.c.updated_at, editions.c.created_at)
        .join(edition_items, edition_items.c.item_id == items.c.id)
        .join(editions, editions.c.id == edition_items.c.edition_id)
        .where(edition_items.c.edition_id.in_(ids))
    )
    unchanged: set[str] = set()
    changed: set[str] = set()
    for key, updated_at, created_at in conn.execute(query):
        later = (aware(updated_at) or created_at) > (aware(created_at) or created_at)
        (changed if later else unchanged).add(key)
    return SentItems(frozenset(unchanged), frozenset(changed - unchanged))
