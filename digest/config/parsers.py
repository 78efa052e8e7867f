"""Parsers of setting values: each takes the variable's text and returns the value, or raises
``ValueError`` saying what was expected (the loader adds the variable's name)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "Parser",
    "boolean",
    "choice",
    "count",
    "database_url",
    "email",
    "fraction",
    "hex_color",
    "hostlist",
    "mapping",
    "non_negative_float",
    "optional",
    "pairs",
    "positive",
    "progress",
    "size",
    "subject_format",
    "time_zone",
    "url",
    "webhook_secret",
]

Parser = Callable[[str], Any]


def url(*schemes: str) -> Parser:
    def parse(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value.rstrip("/") if parts.scheme.startswith("http") else value

    return parse


def optional(parse: Parser) -> Parser:
    return lambda value: parse(value) if value else None


def positive(kind: type[int] | type[float]) -> Parser:
    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"expected a positive {kind.__name__}, got {value!r}") from None
        if number <= 0:
            raise ValueError(f"expected a positive {kind.__name__}, got {value!r}")
        return number

    return parse


def choice(*options: str) -> Parser:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return value

    return parse


def subject_format(value: str) -> str:
    from digest.render.subject import check_subject_format

    check_subject_format(value)
    return value


def email(value: str) -> str:
    address = value.rsplit("<", 1)[-1].rstrip(">").strip()
    if "@" not in address or " " in address:
        raise ValueError(f"expected an email address, got {value!r}")
    return value


def database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("expected an SQLAlchemy URL starting with sqlite: or postgresql:")
    if value.startswith("postgres:"):
        value = "postgresql:" + value[len("postgres:") :]
    if value.startswith("postgresql:"):
        value = "postgresql+psycopg:" + value[len("postgresql:") :]
    return value


def hostlist(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def hex_color(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?", value):
        raise ValueError(f"expected a hex color like #b3261e, got {value!r}")
    return value


def size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise ValueError(f"expected WIDTHxHEIGHT in pixels like 160x40, got {value!r}")
    return int(width), int(height)


def progress(value: str) -> tuple[int, int] | None:
    if not value:
        return None
    done, _, goal = value.replace(",", "").replace(" ", "").partition("/")
    if not (done.isdigit() and goal.isdigit() and int(goal) > 0):
        raise ValueError(f"expected CURRENT/GOAL like 18340/25000, got {value!r}")
    return int(done), int(goal)


def mapping(value: str) -> tuple[tuple[str, str], ...]:
    found = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        key, sep, title = part.partition("=")
        if not sep or not key.strip() or not title.strip():
            raise ValueError(f"expected name=Title pairs separated by ';', got {part!r}")
        found.append((key.strip().lower(), title.strip()))
    return tuple(found)


def pairs(parse_value: Parser, shape: str) -> Parser:
    """``a=1;b=2`` -> ``(("a", parse_value("1")), ("b", ...))``, names casefolded."""

    def parse(value: str) -> tuple[tuple[str, Any], ...]:
        found = []
        for part in (p.strip() for p in value.split(";") if p.strip()):
            name, sep, raw = (s.strip() for s in part.partition("="))
            if not sep or not name or not raw:
                raise ValueError(f"expected {shape} pairs separated by ';', got {part!r}")
            found.append((name.casefold(), parse_value(raw)))
        return tuple(found)

    return parse


def fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"expected a number from 0 to 1 (excluded), got {value!r}") from None
    if not 0 <= number < 1:
        raise ValueError(f"expected a number from 0 to 1 (excluded), got {value!r}")
    return number


def non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"expected a number (0 or more), got {value!r}") from None
    if not 0 <= number < float("inf"):
        raise ValueError(f"expected a number (0 or more), got {value!r}")
    return number


def count(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"expected a whole number (0 or more), got {value!r}")
    return int(value)


def boolean(value: str) -> bool:
    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value.lower() in ("true", "1", "yes")


def time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"expected an IANA time zone like Europe/Kyiv, got {value!r}") from None
    return value


def webhook_secret(value: str) -> str:
    # What Telegram accepts as a webhook's secret_token.
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ValueError("expected 1-256 characters: letters, digits, _ and -")
    return value
