"""Values no database or encoder takes become a 4xx that says what was wrong, never a 500.

A request can carry values that pass the routes' types but that nothing below can hold:
an integer of 2^63 or more (SQLite raises ``OverflowError``, PostgreSQL "integer out of
range"), a lone surrogate from a JSON ``"\\ud800"`` (no UTF-8 encoder takes it), a NUL
character (PostgreSQL text refuses it). Rather than patch every route, the app maps these
errors, wherever they surface, to one answer; the transaction they interrupt rolls back,
so nothing is half-written. ``checked_text``/``checked_int`` refuse the same values up
front where a model can name the field.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DataError

__all__ = ["BAD_VALUE_ERRORS", "MAX_INT", "checked_int", "checked_text", "describe"]

log = logging.getLogger(__name__)

MAX_INT = 2**63 - 1  # the largest integer SQLite and PostgreSQL's BIGINT hold
BAD_VALUE_ERRORS: tuple[type[Exception], ...] = (OverflowError, UnicodeError, DataError)

TOO_LARGE = f"a number in the request is out of range (the largest is {MAX_INT})"
NOT_UNICODE = "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
NUL = "the request holds text with a NUL (0x00) character"


def describe(exc: Exception) -> str:
    """What was wrong with the request, in a sentence for the caller."""
    log.warning("refused a value that cannot be stored: %s", type(exc).__name__)
    if isinstance(exc, OverflowError):
        return TOO_LARGE
    if isinstance(exc, UnicodeError):
        return NOT_UNICODE
    reason = str(getattr(exc, "orig", exc)).splitlines()[0] if str(getattr(exc, "orig", exc)) else ""
    if "out of range" in reason:
        return TOO_LARGE
    if "NUL" in reason:
        return NUL
    return "a value in the request cannot be stored" + (f": {reason}" if reason else "")


def checked_text(value: Any) -> Any:
    """``value`` (a string, or a list of them) unless it holds a lone surrogate or NUL."""
    for text in value if isinstance(value, list | tuple) else [value]:
        if isinstance(text, str):
            if "\x00" in text:
                raise ValueError("must not contain a NUL (0x00) character")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    return value


def checked_int(value: Any) -> Any:
    if isinstance(value, int) and not -MAX_INT - 1 <= value <= MAX_INT:
        raise ValueError(f"must be less than or equal to {MAX_INT} (and at least {-MAX_INT - 1})")
    return value
