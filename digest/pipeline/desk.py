"""The editors' desk: what went out, how far a send got, in the editor's own time zone.

Use cases behind the dashboard and the edition page (``digest.web.editor``); the routes only
render what these return.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from digest import schedule
from digest.config import Settings
from digest.errors import DeliveryError, DigestError
from digest.models import DeliveryState, Feed, Item, RenderedEdition
from digest.pipeline.stand_ins import editor_recipient
from digest.store import audit as audit_store
from digest.store import desk as desk_store
from digest.store import editions as edition_store
from digest.store import editors as editor_store
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import ledger
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from digest.store.desk import EditionFacts, EditionSummary, FailureReason
from digest.store.editors import Editor

__all__ = [
    "AuditLog",
    "Dashboard",
    "EditionReport",
    "UnknownEdition",
    "audit_log",
    "dashboard",
    "delivery_counts",
    "edition_info",
    "edition_report",
    "local_time",
    "progress",
    "send_test",
    "set_preferences",
    "suppressed_count",
]

LATEST_ITEMS = 30
EDITIONS_SHOWN = 20
CHAT_ID = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


class InvalidInput(DigestError):
    """A value on the editor's own account page that cannot be saved, with its field."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field, self.problem = field_name, problem


class UnknownEdition(DigestError):
    def __init__(self, edition_id: int) -> None:
        super().__init__(f"There is no edition {edition_id}.")
        self.edition_id = edition_id


def local_time(moment: datetime | None, zone: str, *, seconds: bool = False) -> str:
    """``Tue 1 Dec 2026, 10:05 CET``: always the date, the time and the zone it is in."""
    if moment is None:
        return "never"
    here = moment.astimezone(schedule.zone(zone or "UTC"))
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{here:%a} {here.day} {here:%b %Y}, {here.strftime(clock)} {here.tzname()}"


def clock(zone: str, *, seconds: bool = False) -> Callable[[datetime | None], str]:
    """``local_time`` in one zone: what a desk page formats its times with."""
    return lambda moment: local_time(moment, zone, seconds=seconds)


def set_preferences(settings: Settings, editor_id: int, zone: str, chat: str, actor: str) -> None:
    """Save the zone an editor reads the desk in and the Telegram chat their test sends go to;
    raises InvalidInput naming the field that is wrong."""
    name = zone.strip() or "UTC"
    try:
        schedule.zone(name)
    except ValueError as exc:
        raise InvalidInput("time zone", str(exc)) from None
    chat_id = chat.strip() or None
    if chat_id is not None and not CHAT_ID.fullmatch(chat_id):
        raise InvalidInput("Telegram chat", f"{chat_id!r} is not a chat id (a number, or @name)")
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        editor_store.set_preferences(conn, editor_id, name, chat_id)
        details = {"time_zone": name, "telegram_chat_id": chat_id}
        audit_store.audit(conn, actor, "editor.preferences", actor, details, now)


def send_test(settings: Settings, editor: Editor, list_name: str, rendered: RenderedEdition) -> list[str]:
    """Send ``rendered`` to the editor alone — their email, and their Telegram chat if they
    gave one — marked as a test; no ledger row. Returns where it went."""
    from digest.channels.registry import email_channel, telegram_channel
    from digest.pipeline.delivering import envelope_for_test_send

    envelope = envelope_for_test_send(settings, list_name, rendered)
    me = editor_recipient(settings, editor.email, rendered, editor.time_zone)
    went = []
    try:
        email_channel(settings).deliver(envelope, [me])
        went.append(editor.email)
        if editor.telegram_chat_id:
            telegram_channel(settings).deliver(envelope, [replace(me, address=editor.telegram_chat_id)])
            went.append(f"Telegram {editor.telegram_chat_id}")
    except DeliveryError as exc:
        raise TestSendFailed(went, str(exc)) from exc
    return went


class TestSendFailed(DigestError):
    def __init__(self, went: list[str], reason: str) -> None:
        done = f" (it did reach {', '.join(went)})" if went else ""
        super().__init__(f"the test send failed: {reason}{done}")
        self.went, self.reason = went, reason


# --- progress -----------------------------------------------------------------------------


def edition_info(settings: Settings, edition_id: int) -> tuple[int, str, str, str] | None:
    """(list id, list name, slot, title) of an edition, or None when there is none."""
    with transaction(settings.database_url) as conn:
        return edition_store.info(conn, edition_id)


def delivery_counts(settings: Settings, edition_id: int) -> dict[str, int]:
    """The edition's ledger rows by state (every state, zeros included)."""
    with transaction(settings.database_url) as conn:
        return ledger.counts(conn, [edition_id])


def suppressed_count(settings: Settings, edition_id: int) -> int:
    """How many recipients the suppression list held back when the edition was planned."""
    with transaction(settings.database_url) as conn:
        found = suppression_store.suppressed_counts(conn, [edition_id])
    return sum(found.get(edition_id, {}).values())


def progress(settings: Settings, edition_id: int) -> dict[str, Any]:
    """An edition's delivery counts, as the progress page, its poller and the API show them.

    A stopped edition is finished but not done: its percent is what was sent, and ``not_sent``
    says how many never will be."""
    with transaction(settings.database_url) as conn:
        facts = desk_store.edition_facts(conn, edition_id)
    if facts is None:
        raise UnknownEdition(edition_id)
    return _progress(facts)


def _progress(facts: EditionFacts) -> dict[str, Any]:
    counts = {str(s): 0 for s in DeliveryState}
    for states in facts.counts.values():
        for state, n in states.items():
            counts[state] += n
    total = sum(counts.values())
    sent, failed = counts[str(DeliveryState.SENT)], counts[str(DeliveryState.FAILED)]
    done = sent + failed
    stopped = facts.stopped_by is not None
    reach = sent if stopped else done
    return {
        "edition": facts.id,
        "by_channel": _by_channel(facts.counts),
        "list": facts.list_name,
        "title": facts.title,
        "counts": counts,
        "channels": facts.counts,
        "total": total,
        "done": done,
        "sent": sent,
        "not_sent": total - sent if stopped else failed,
        "open": total - done,
        "percent": _percent(reach, total),
        "finished": done >= total,
        "stopped_by": facts.stopped_by,
        "stopped_at": facts.stopped_at.isoformat() if facts.stopped_at else None,
        # Held back by the suppression list when planned: never in the ledger, so not in total.
        "suppressed": sum(facts.suppressed.values()),
        "suppressed_by_channel": facts.suppressed,
    }


def _by_channel(channels: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """channel -> {"done": finished rows, "total": rows}, Telegram first, as the send goes."""
    finished = (str(DeliveryState.SENT), str(DeliveryState.FAILED))
    order = sorted(channels, key=lambda c: (c != "telegram", c))
    done = {c: sum(n for state, n in channels[c].items() if state in finished) for c in order}
    return {c: {"done": done[c], "total": sum(channels[c].values())} for c in order}


def _percent(part: int, total: int) -> float:
    if not total:
        return 100.0
    share = 100 * part / total
    # Never round an unfinished send up to "100 %" (nor a started one down to 0).
    if part < total:
        share = min(share, 99.9)
    return round(share, 1)


# --- the edition page ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Variant:
    id: int
    rendered: RenderedEdition


@dataclass(frozen=True, slots=True)
class EditionReport:
    facts: EditionFacts
    progress: dict[str, Any]
    variants: list[Variant]
    web_view: str
    reasons: list[FailureReason] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.variants[0].rendered.subject if self.variants else self.facts.title

    @property
    def breaking(self) -> bool:
        return self.facts.slot.startswith("breaking-")


def edition_report(settings: Settings, edition_id: int) -> EditionReport:
    """Everything the edition page shows: subject, what was sent, by whom, how it went."""
    with transaction(settings.database_url) as conn:
        facts = desk_store.edition_facts(conn, edition_id)
        if facts is None:
            raise UnknownEdition(edition_id)
        variants = [Variant(v, edition_store.variant(conn, v)) for v in facts.variant_ids]
    web_view = f"{settings.public_url.rstrip('/')}/editions/{edition_id}"
    return EditionReport(facts, _progress(facts), variants, web_view, facts.reasons)


def variant(settings: Settings, edition_id: int, variant_id: int) -> RenderedEdition:
    """One of the edition's variants, as it was rendered for sending."""
    with transaction(settings.database_url) as conn:
        facts = desk_store.edition_facts(conn, edition_id)
        if facts is None or variant_id not in facts.variant_ids:
            raise UnknownEdition(edition_id)
        return edition_store.variant(conn, variant_id)


# --- the dashboard ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditionRow:
    summary: EditionSummary
    channels: dict[str, dict[str, int]]

    @property
    def split(self) -> dict[str, int]:
        """channel -> recipients."""
        return {channel: sum(states.values()) for channel, states in sorted(self.channels.items())}


@dataclass(frozen=True, slots=True)
class Dashboard:
    editions: list[EditionRow]
    feeds: list[Feed]
    items: list[Item]
    now: datetime
    paused: frozenset[int] = frozenset()  # ids of the feeds an editor paused


def dashboard(settings: Settings, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feeds = feed_store.all_feeds(conn)
        latest = item_store.recent(conn, now - timedelta(hours=48))[:LATEST_ITEMS]
        summaries = desk_store.recent_editions(conn, EDITIONS_SHOWN)
        channels = desk_store.channel_counts(conn, [s.id for s in summaries])
        paused = frozenset(desk_store.feed_pauses_by_id(conn))
    rows = [EditionRow(s, channels.get(s.id, {})) for s in summaries]
    return Dashboard(rows, feeds, latest, now, paused)


# --- the audit log ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRow:
    entry: Any  # digest.store.audit.AuditEntry
    headline: str  # the story's headline when the entry is about an item, else ""


@dataclass(frozen=True, slots=True)
class AuditLog:
    rows: list[AuditRow]
    actors: list[str]
    actions: list[str]


def audit_log(
    settings: Settings, actor: str = "", action: str = "", day_from: str = "", day_to: str = ""
) -> AuditLog:
    """The audit log filtered by editor, action and days (``day_to`` inclusive); entries about
    a story carry its headline, not its key. Raises InvalidInput naming a bad date."""
    since, until = _day(day_from, "from"), _day(day_to, "to", plus=1)
    found = desk_store.AuditFilter(actor.strip(), action.strip(), since, until)
    with transaction(settings.database_url) as conn:
        entries = desk_store.audit_entries(conn, found, limit=200)
        titles = desk_store.headlines(conn, [e.target for e in entries if e.action.startswith("editor.")])
        actors, actions = desk_store.audit_choices(conn)
    rows = [AuditRow(e, titles.get(e.target, "")) for e in entries]
    return AuditLog(rows, actors, actions)


def _day(value: str, what: str, plus: int = 0) -> datetime | None:
    if not value.strip():
        return None
    try:
        day = datetime.fromisoformat(value.strip()).date()
    except ValueError:
        raise InvalidInput(what, f"{value!r} is not a date like 2026-11-30") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=plus)
