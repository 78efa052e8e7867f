"""An editor's own words for a list's next editions: a short note shown above the stories
(email, web view, Telegram), and a subject and preheader in place of the automatic ones.

They apply to every edition of the list built while they are in force — until the time the
editor gave (by default a day after writing them) or until cleared — so every reader's
morning edition carries them, whatever their time zone. Setting one part keeps the others.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from digest.config import Settings
from digest.errors import DigestError
from digest.models import EditorsWords
from digest.store import audit as audit_store
from digest.store import editors_words as store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

__all__ = ["InvalidWords", "WordsInForce", "clear_words", "set_words", "words", "words_in_force"]

DEFAULT_FOR = timedelta(hours=24)
LIMITS = {"note": 600, "subject": 150, "preheader": 150}
_NEWLINES_ALLOWED = {"note"}


class InvalidWords(DigestError):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class WordsInForce:
    words: EditorsWords
    until: datetime | None


def words_in_force(conn: Connection, list_pk: int, now: datetime) -> EditorsWords:
    """The words editions of this list built at ``now`` carry (empty when none)."""
    found = store.in_force(conn, list_pk, now)
    return found[0] if found else EditorsWords()


def words(settings: Settings, list_name: str, now: datetime | None = None) -> WordsInForce | None:
    with transaction(settings.database_url) as conn:
        found = store.in_force(conn, _list(conn, list_name), now or datetime.now(UTC))
    return WordsInForce(*found) if found else None


def set_words(
    settings: Settings,
    list_name: str,
    *,
    actor: str,
    note: str | None = None,
    subject: str | None = None,
    preheader: str | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> WordsInForce:
    """Change the parts given (an empty string removes that part), keep the others."""
    now = now or datetime.now(UTC)
    given = {"note": note, "subject": subject, "preheader": preheader}
    changes = {name: _clean(name, value) for name, value in given.items() if value is not None}
    if until is not None and until <= now:
        raise InvalidWords("until", "give a time in the future")
    with transaction(settings.database_url) as conn:
        list_pk = _list(conn, list_name)
        current = store.in_force(conn, list_pk, now)
        merged = replace(current[0] if current else EditorsWords(), **changes)
        ends = until or (current[1] if current else None) or now + DEFAULT_FOR
        if not (merged.note or merged.subject or merged.preheader):
            store.clear(conn, list_pk)
        else:
            store.save(conn, list_pk, merged, ends, actor, now)
        details = {**changes, "until": ends.isoformat()}
        audit_store.audit(conn, actor, "list.words", list_name, details, now)
    return WordsInForce(merged, ends)


def clear_words(settings: Settings, list_name: str, *, actor: str) -> bool:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        cleared = store.clear(conn, _list(conn, list_name))
        if cleared:
            audit_store.audit(conn, actor, "list.words.clear", list_name, {}, now)
    return cleared


def _list(conn: Connection, list_name: str) -> int:
    from digest.pipeline.planning import UnknownList

    list_pk = subscriber_store.list_id(conn, list_name)
    if list_pk is None:
        raise UnknownList(list_name)
    return list_pk


def _clean(field_name: str, value: str) -> str:
    text = value.replace("\r\n", "\n").strip()
    allowed = "\n" if field_name in _NEWLINES_ALLOWED else ""
    if any(ord(ch) < 32 and ch not in allowed for ch in text) or "\x7f" in text:
        where = "control characters" if allowed else "line breaks or control characters"
        raise InvalidWords(field_name, f"no {where}, please")
    if len(text) > LIMITS[field_name]:
        raise InvalidWords(field_name, f"at most {LIMITS[field_name]} characters (this is {len(text)})")
    return text
