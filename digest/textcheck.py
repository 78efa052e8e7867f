"""Free text that readers and editors give us (names, titles, attributes): one rule (pure).

Every entry point (sign-up, preferences, CSV import, the editor's form, the API, the CLI)
calls ``check_text``; a control character (CR/LF, tab, NUL, escape, the Unicode line and
paragraph separators) is refused with the field's name, because such text breaks email
headers and CSV rows downstream. Telegram first names come from Telegram, not from a form
the reader could correct, so the bot cleans them with ``clean_text`` instead.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL", "LIST_NAME", "InvalidText", "check_list_name", "check_text", "clean_text"]

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The one rule for list names: they appear in links, CSV cells (";"-separated), confirmation
# tokens (","-separated) and Telegram /start payloads, so none of those separators.
LIST_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class InvalidText(ValueError):
    """A text field holds what it must not; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def check_text(field: str, value: str, *, max_length: int | None = None) -> str:
    """The value without surrounding spaces; InvalidText naming ``field`` when it holds a
    control character or is longer than ``max_length``."""
    found = CONTROL.search(value)
    if found:
        raise InvalidText(
            field, f"contains a control character ({_describe(found.group())}); use plain text on one line"
        )
    text = value.strip()
    if max_length is not None and len(text) > max_length:
        raise InvalidText(field, f"is {len(text)} characters long, at most {max_length} allowed")
    return text


def check_list_name(value: str) -> str:
    """The list name, lower-cased; InvalidText naming the field when it breaks the rule."""
    name = value.strip().lower()
    if not LIST_NAME.match(name):
        raise InvalidText(
            "list", f"{name[:70]!r} is not a list name (lower-case letters, digits, - and _, up to 64)"
        )
    return name


def clean_text(value: str, *, max_length: int = 200) -> str:
    """Control characters and runs of spaces become one space (for text nobody can correct)."""
    return " ".join(CONTROL.sub(" ", value).split())[:max_length]


def _describe(char: str) -> str:
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x00": "NUL"}
    return names.get(char, f"U+{ord(char):04X}")
