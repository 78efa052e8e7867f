"""The editors' and operators' use cases for lists and subscribers: create a list, add or
update subscribers (one, or a whole CSV file), delete one.

The web pages, the JSON API and the CLI call these (each opens its own transaction), so the
rules hold everywhere:

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
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest import csvio
from digest.config import Settings
from digest.errors import DigestError
from digest.models import Subscriber, SubscriberChange
from digest.store import audit as audit_store
from digest.store import consents as consent_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.db import transaction
from digest.textcheck import InvalidText, check_list_name, check_text

__all__ = [
    "BREAKING",
    "InvalidListName",
    "SaveReport",
    "UnknownLists",
    "all_lists",
    "create_list",
    "create_list_in",
    "digest_lists",
    "everyone",
    "export_csv",
    "find",
    "has_list",
    "remove_address",
    "remove_subscriber",
    "save_in",
    "save_subscribers",
    "search",
    "subscriber",
]

BREAKING = subscriber_store.BREAKING


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


# --- lists ----------------------------------------------------------------------------------


def all_lists(settings: Settings) -> list[tuple[int, str, str, int]]:
    """Every list: (id, name, title, active members)."""
    with transaction(settings.database_url) as conn:
        return subscriber_store.all_lists(conn)


def digest_lists(settings: Settings) -> list[str]:
    """The names of the lists that get a scheduled digest (not breaking-news lists)."""
    with transaction(settings.database_url) as conn:
        return subscriber_store.digest_lists(conn)


def has_list(settings: Settings, name: str) -> bool:
    with transaction(settings.database_url) as conn:
        return subscriber_store.list_id(conn, name) is not None


def create_list(
    settings: Settings, name: str, title: str = "", kind: str = "", *, actor: str | None = None
) -> str:
    """Create the list (or keep the one of that name); its checked, lower-cased name.
    Audited when an editor (``actor``) asked for it."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        slug = create_list_in(conn, name, now, title, kind)
        if actor is not None:
            audit_store.audit(conn, actor, "list.add", slug, {"kind": kind}, now)
    return slug


def create_list_in(conn: Connection, name: str, now: datetime, title: str = "", kind: str = "") -> str:
    """``create_list`` in the caller's transaction (a use case that saves more with it)."""
    try:
        slug = check_list_name(name)
        title = check_text("title", title, max_length=200)
    except InvalidText as exc:
        raise InvalidListName(str(exc)) from None
    subscriber_store.ensure_list(conn, slug, now, title, kind)
    return slug


# --- finding subscribers --------------------------------------------------------------------


def subscriber(settings: Settings, subscriber_id: int) -> Subscriber | None:
    with transaction(settings.database_url) as conn:
        return subscription_store.by_id(conn, subscriber_id)


def find(settings: Settings, email: str | None, chat_id: str | None) -> Subscriber | None:
    """The subscriber with this email or Telegram chat id."""
    with transaction(settings.database_url) as conn:
        return subscriber_store.find(conn, email=email, chat_id=chat_id)


def search(settings: Settings, text: str, limit: int = 50) -> list[Subscriber]:
    """Subscribers whose address, chat id or name contains ``text``."""
    with transaction(settings.database_url) as conn:
        ids = subscriber_store.search(conn, text, limit)
        found = [subscription_store.by_id(conn, i) for i in ids]
    return [sub for sub in found if sub is not None]


def everyone(settings: Settings) -> list[Subscriber]:
    with transaction(settings.database_url) as conn:
        return subscriber_store.everyone(conn)


def export_csv(settings: Settings) -> str:
    """Every subscriber as CSV, in the import format (plus status)."""
    return csvio.write_subscribers(everyone(settings))


# --- saving and deleting --------------------------------------------------------------------


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
    settings: Settings,
    changes: Sequence[SubscriberChange],
    *,
    create_lists: bool,
    signed_up: str,
    actor: str | None = None,
    source: str = "",
) -> SaveReport:
    """Add or update every subscriber in one transaction (all or nothing), writing only the
    fields each gives; audited when an editor (``actor``) saved them from ``source`` (a file's
    name, "api" or "form").

    ``create_lists``: the operator's CLI may create the lists a file names (by the list rule);
    everyone else gets ``UnknownLists`` and nothing is saved. ``signed_up``: where the new ones
    signed up (``digest.store.consents.SOURCES``: "CSV import", "API", "CLI", "desk").
    """
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        report = save_in(conn, changes, now, create_lists=create_lists, signed_up=signed_up)
        if actor is not None:
            target, details = _target(changes, source), _details(report)
            audit_store.audit(conn, actor, "subscribers.save", target, details, now)
    return report


def _target(changes: Sequence[SubscriberChange], source: str) -> str:
    first = changes[0].subscriber if changes else None
    target = (first.email or first.telegram_chat_id or "") if first and len(changes) == 1 else source
    return target or ""


def _details(report: SaveReport) -> dict[str, object]:
    return {"saved": report.saved, "new": report.new, "updated": report.updated[:20], "ids": report.ids[:20]}


def save_in(
    conn: Connection,
    changes: Sequence[SubscriberChange],
    now: datetime,
    *,
    create_lists: bool,
    signed_up: str,
) -> SaveReport:
    """``save_subscribers`` in the caller's transaction (a use case that saves more with them)."""
    named = sorted({name for change in changes if _joins(conn, change) for name in change.subscriber.lists})
    existing = {name for name, _ in subscription_store.existing_lists(conn)}
    missing = [n for n in named if n not in existing]
    if missing and not create_lists:
        raise UnknownLists(missing)
    for name in missing:
        create_list_in(conn, name, now)
    new, updated, ids = 0, [], []
    for change in changes:
        sub = change.subscriber
        sub_id, created, changed = subscriber_store.save_given(conn, sub, change.given, now)
        ids.append(sub_id)
        new += created
        if created:
            consent_store.record(conn, sub_id, signed_up, now)
        if changed and not created:
            updated.append(sub.email or sub.telegram_chat_id or str(sub_id))
    return SaveReport(len(changes), new, updated, ids)


def _joins(conn: Connection, change: SubscriberChange) -> bool:
    """Whether saving it joins its lists: given ones, or the defaults of a new subscriber."""
    if "lists" in change.given:
        return True
    sub = change.subscriber
    return subscriber_store.find(conn, email=sub.email, chat_id=sub.telegram_chat_id) is None


def remove_subscriber(settings: Settings, subscriber_id: int, actor: str) -> Subscriber | None:
    """Delete the subscriber and their memberships (their past deliveries stay, detached);
    audited. The subscriber that was deleted, or None when there was none."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        found = subscription_store.by_id(conn, subscriber_id)
        if found is None:
            return None
        subscriber_store.remove_by_id(conn, subscriber_id)
        target = found.email or found.telegram_chat_id or str(subscriber_id)
        audit_store.audit(conn, actor, "subscriber.remove", target, {"id": subscriber_id}, now)
    return found


def remove_address(settings: Settings, address: str) -> bool:
    """Delete the subscriber with this email (any case) or chat id; False when there is none."""
    with transaction(settings.database_url) as conn:
        return subscriber_store.remove(conn, address.lower() if "@" in address[1:] else address)
