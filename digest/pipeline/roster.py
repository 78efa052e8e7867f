"""The editors' and operators' use cases for lists and subscribers: create a list, add or
update subscribers (one, or a whole CSV file), delete one.

The web pages, the JSON API and the CLI call these, so the rules hold everywhere:

- one rule for list names (``digest.textcheck.check_list_name``), checked by ``create_list``;
  only admins create lists (the admin page, the CLI): saving subscribers from the editor's
  form, an editor's CSV upload or the API names an unknown list as an error instead;
- an update writes only the fields it was given, and says which subscribers it changed;
- deleting a subscriber keeps the ledger of what was sent: their deliveries stay, detached
  (``subscriber_id`` NULL), so past editions' figures stay as they were sent.

Errors (all ``DigestError``)::

    InvalidListName   the name breaks the rule (.problem says how)
    UnknownLists      subscribers name lists that do not exist (.names)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from digest.errors import DigestError
from digest.models import SubscriberChange
from digest.store import consents as consent_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.textcheck import InvalidText, check_list_name, check_text

__all__ = [
    "InvalidListName",
    "SaveReport",
    "UnknownLists",
    "create_list",
    "remove_subscriber",
    "save_subscribers",
]


class InvalidListName(DigestError):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem



class UnknownLists(DigestError):
    def __init__(self, names: Sequence[str]) -> None:
        shown = ", ".join(repr(n) for n in names)
        super().__init__(
            f"no list named {shown}: an admin creates lists (/admin/lists or `digest lists add`)"
        )
        self.names = tuple(names)



def create_list(conn: Connection, name: str, now: datetime, title: str = "", kind: str = "") -> str:
    """Create the list (or keep the one of that name); its checked, lower-cased name."""
    try:
        slug = check_list_name(name)
        title = check_text("title", title, max_length=200)
    except InvalidText as exc:
        raise InvalidListName(str(exc)) from None
    subscriber_store.ensure_list(conn, slug, now, title, kind)
    return slug


@dataclass(frozen=True, slots=True)
class SaveReport:
    saved: int
    new: int
    updated: list[str] = field(default_factory=list)  # email or chat id of each changed row
    ids: list[int] = field(default_factory=list)

    def summary(self, shown: int = 20) -> str:
        """'3 subscribers (1 new, 1 updated: a@example.org)'."""
        text = f"{self.saved} subscribers ({self.new} new"
        if self.updated:
            more = f" and {len(self.updated) - shown} more" if len(self.updated) > shown else ""
            text += f", {len(self.updated)} updated: {', '.join(self.updated[:shown])}{more}"
        return text + ")"


def save_subscribers(
    conn: Connection, changes: Sequence[SubscriberChange], now: datetime, *, create_lists: bool, source: str
) -> SaveReport:
    """Add or update every subscriber in the caller's transaction (all or nothing).

    ``create_lists``: the operator's CLI may create the lists a file names (by the list rule);
    everyone else gets ``UnknownLists`` and nothing is saved. ``source``: where the new ones
    signed up (``digest.store.consents.SOURCES``: "CSV import", "API", "CLI", "desk").
    """
    named = sorted({name for change in changes if _joins(conn, change) for name in change.subscriber.lists})
    existing = {name for name, _ in subscription_store.existing_lists(conn)}
    missing = [n for n in named if n not in existing]
    if missing and not create_lists:
        raise UnknownLists(missing)
    for name in missing:
        create_list(conn, name, now)
    new, updated, ids = 0, [], []
    for change in changes:
        sub = change.subscriber
        sub_id, created, changed = subscriber_store.save_given(conn, sub, change.given, now)
        ids.append(sub_id)
        new += created
        if created:
            consent_store.record(conn, sub_id, source, now)
        if changed and not created:
            updated.append(sub.email or sub.telegram_chat_id or str(sub_id))
    return SaveReport(len(changes), new, updated, ids)


def _joins(conn: Connection, change: SubscriberChange) -> bool:
    """Whether saving it joins its lists: given ones, or the defaults of a new subscriber."""
    if "lists" in change.given:
        return True
    sub = change.subscriber
    return subscriber_store.find(conn, email=sub.email, chat_id=sub.telegram_chat_id) is None


def remove_subscriber(conn: Connection, subscriber_id: int) -> bool:
    """Delete the subscriber and their memberships; their past deliveries stay, detached."""
    return subscriber_store.remove_by_id(conn, subscriber_id)
