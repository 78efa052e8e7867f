"""Subscriber CSV files: read with every bad line reported, written back the same shape (pure).

Columns: ``email``, ``telegram_chat_id``, ``name``, ``timezone``, ``send_hour``, ``topics``,
``lists`` (the last two separated by ``;``), optionally ``frequency``; any other column is
kept as an attribute of the subscriber. An empty cell is "not given": updating a known
subscriber leaves that field as it is.

Reading is strict: a stray quote, a field over the csv module's size limit or a field that
spans lines (a quote left open swallows the rows after it) refuses the whole file, naming
the line. Writing neutralises cells a spreadsheet would run as a formula (OWASP: a leading
``'`` before ``= + - @``, tab or CR); reading drops that quote again, so exports round-trip.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from digest import schedule
from digest.errors import ImportError_
from digest.models import Subscriber, SubscriberChange
from digest.textcheck import check_list_name, check_text

COLUMNS = ("email", "telegram_chat_id", "name", "timezone", "send_hour", "topics", "lists", "frequency")
REQUIRED = COLUMNS[:-1]
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class ImportProblems(Exception):
    """Every bad line of a file; nothing of it was imported."""

    def __init__(self, problems: list[ImportError_]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_subscribers(data: bytes, source: str) -> list[Subscriber]:
    """All subscribers of the file, or ImportProblems listing each bad line."""
    return [change.subscriber for change in read_changes(data, source)]


def read_changes(data: bytes, source: str) -> list[SubscriberChange]:
    """Every row as a change (which fields it gives), or ImportProblems listing each bad line."""
    text = _decode(data, source)
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportProblems([ImportError_(source, 1, f"not a readable CSV header ({exc})")]) from None
    missing = [c for c in REQUIRED if c not in fieldnames]
    if missing:
        raise ImportProblems([ImportError_(source, 1, f"missing column(s): {', '.join(missing)}")])
    problems: list[ImportError_] = []
    found: list[SubscriberChange] = []
    seen: dict[str, int] = {}
    for line, row in _rows(reader, source):
        try:
            spanning = [k for k, v in row.items() if isinstance(v, str) and ("\n" in v or "\r" in v)]
            if spanning and reader.line_num > line:
                raise ValueError(
                    f"{spanning[0]}: a quoted field runs on to line {reader.line_num} (a stray quote?); "
                    "fields are one line each"
                )
            change = _change(row)
            sub = change.subscriber
            for address in filter(None, (sub.email, sub.telegram_chat_id)):
                if address in seen:
                    raise ValueError(f"{address} already appears on line {seen[address]}")
                seen[address] = line
            found.append(change)
        except ValueError as exc:
            problems.append(ImportError_(source, line, str(exc)))
        except ImportProblems as exc:  # the file cannot be read past this line
            raise ImportProblems([*problems, *exc.problems]) from None
    if problems:
        raise ImportProblems(problems)
    return found


def _rows(reader: csv.DictReader[str], source: str) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(first line, row) for each row; a row that breaks the CSV rules stops the reading."""
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = str(exc)
            if "field larger than field limit" in problem:
                problem = f"a field is longer than {csv.field_size_limit()} characters"
            elif "expected after" in problem or "unexpected end of data" in problem:
                problem = f"a stray or unclosed quote ({problem})"
            raise ImportProblems([ImportError_(source, line, problem)]) from None
        yield line, row
        line = reader.line_num + 1


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblems(
            [ImportError_(source, line, "not UTF-8 text (save the file as UTF-8)")]
        ) from None


def _change(row: dict[str, str | None]) -> SubscriberChange:
    if None in row:
        raise ValueError("more fields than the header has columns")
    value = {key: _unneutralise((row.get(key) or "").strip()) for key in COLUMNS}
    email = value["email"].lower() or None
    chat = value["telegram_chat_id"] or None
    if not email and not chat:
        raise ValueError("needs an email or a telegram_chat_id")
    if email and not EMAIL.match(email):
        raise ValueError(f"invalid email address {value['email']!r}")
    if chat and not CHAT_ID.match(chat):
        raise ValueError(f"invalid telegram_chat_id {chat!r}")
    name = check_text("name", row.get("name") or "", max_length=200)
    name = _unneutralise(name)
    timezone = value["timezone"] or "UTC"
    schedule.zone(timezone)  # raises ValueError naming it
    frequency = value["frequency"] or "daily"
    schedule.parse_frequency(frequency)
    lists = tuple(check_list_name(n) for n in _split(value["lists"]))
    extra = {
        k: _unneutralise(check_text(k, v or "", max_length=2000))
        for k, v in row.items()
        if k not in (*COLUMNS, "status") and k is not None and (v or "").strip()
    }
    given = {key for key in COLUMNS if value[key]} | ({"attributes"} if extra else set())
    sub = Subscriber(
        email=email,
        telegram_chat_id=chat,
        name=name,
        timezone=timezone,
        send_hour=_hour(value["send_hour"]),
        topics=_split(value["topics"]),
        lists=lists or ("daily",),
        frequency=frequency,
        attributes=extra,
    )
    return SubscriberChange(sub, frozenset(given))


def _unneutralise(value: str) -> str:
    """A cell our export protected (``'=…``) back to what it was."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def spreadsheet_safe(value: object) -> str:
    """The cell as text, with a leading ``'`` when a spreadsheet would take it for a formula
    (plain numbers such as a channel's ``-100…`` chat id stay as they are)."""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


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
    # CRLF (RFC 4180) as the row end also makes the writer quote a CR inside a cell.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in (*COLUMNS, "status", *extra)])
    for sub in subs:
        text = sub.fields(separator=";")
        cells = [text[column] for column in (*COLUMNS, "status")]
        cells += [sub.attributes.get(key, "") for key in extra]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()
