"""Subscriber CSV files: read with every bad line reported, written back the same shape (pure).

Columns: ``email``, ``telegram_chat_id``, ``name``, ``timezone``, ``send_hour``, ``topics``,
``lists`` (the last two separated by ``;``), optionally ``frequency``; any other column is
kept as an attribute of the subscriber.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from digest import schedule
from digest.errors import ImportError_
from digest.models import Subscriber

COLUMNS = ("email", "telegram_chat_id", "name", "timezone", "send_hour", "topics", "lists", "frequency")
REQUIRED = COLUMNS[:-1]
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")


class ImportProblems(Exception):
    """Every bad line of a file; nothing of it was imported."""

    def __init__(self, problems: list[ImportError_]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_subscribers(data: bytes, source: str) -> list[Subscriber]:
    """All subscribers of the file, or ImportProblems listing each bad line."""
    text = _decode(data, source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportProblems([ImportError_(source, 1, f"missing column(s): {', '.join(missing)}")])
    problems: list[ImportError_] = []
    found: list[Subscriber] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            sub = _subscriber(row)
            for address in filter(None, (sub.email, sub.telegram_chat_id)):
                if address in seen:
                    raise ValueError(f"{address} already appears on line {seen[address]}")
                seen[address] = line
            found.append(sub)
        except ValueError as exc:
            problems.append(ImportError_(source, line, str(exc)))
    if problems:
        raise ImportProblems(problems)
    return found


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblems(
            [ImportError_(source, line, "not UTF-8 text (save the file as UTF-8)")]
        ) from None


def _subscriber(row: dict[str, str | None]) -> Subscriber:
    if None in row:
        raise ValueError("more fields than the header has columns")
    value = {key: (row.get(key) or "").strip() for key in COLUMNS}
    email = value["email"].lower() or None
    chat = value["telegram_chat_id"] or None
    if not email and not chat:
        raise ValueError("needs an email or a telegram_chat_id")
    if email and not EMAIL.match(email):
        raise ValueError(f"invalid email address {value['email']!r}")
    if chat and not CHAT_ID.match(chat):
        raise ValueError(f"invalid telegram_chat_id {chat!r}")
    timezone = value["timezone"] or "UTC"
    schedule.zone(timezone)  # raises ValueError naming it
    frequency = value["frequency"] or "daily"
    schedule.parse_frequency(frequency)
    extra = {k: (v or "") for k, v in row.items() if k not in (*COLUMNS, "status") and k is not None}
    return Subscriber(
        email=email,
        telegram_chat_id=chat,
        name=value["name"],
        timezone=timezone,
        send_hour=_hour(value["send_hour"]),
        topics=_split(value["topics"]),
        lists=_split(value["lists"]) or ("daily",),
        frequency=frequency,
        attributes=extra,
    )


def _hour(value: str) -> int:
    if not value:
        return 7
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ValueError(f"send_hour must be a whole hour from 0 to 23, got {value!r}")
    return int(value)


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip().lower() for part in value.split(";") if part.strip()))


def write_subscribers(subscribers: Iterable[Subscriber]) -> str:
    subs = list(subscribers)
    extra = sorted({key for sub in subs for key in sub.attributes})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "status", *extra])
    for sub in subs:
        writer.writerow(
            [
                sub.email or "",
                sub.telegram_chat_id or "",
                sub.name,
                sub.timezone,
                sub.send_hour,
                ";".join(sub.topics),
                ";".join(sub.lists),
                sub.frequency,
                str(sub.status),
                *(sub.attributes.get(key, "") for key in extra),
            ]
        )
    return out.getvalue()
