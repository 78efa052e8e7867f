"""Per-recipient placeholders: the tags a rendered variant carries and how they are filled.

A variant is rendered once; the reader's own links and name appear in it as SendGrid-style
substitution tags (``-unsubscribe_url-`` …). SendGrid fills them on its servers, the outbox
and the web view through ``personalize``.

Only the places the template marked become tags. The renderer gives the template private
marks (``template_marks``: a per-render random nonce no feed can know), then ``seal`` defuses
every tag look-alike the rendered text already holds — they came from feed titles, summaries,
links or captions — and only then turns the private marks into the public tags. A feed link
``…?u=-unsubscribe_url-`` so stays literal for every reader, in every channel.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_time, get_timezone, get_timezone_location

from digest.i18n import date_label, supported, translate
from digest.models import Recipient

__all__ = [
    "EXPANSION",
    "PLACEHOLDERS",
    "defuse",
    "expansion_margin",
    "first_name",
    "greeting",
    "local_time",
    "new_nonce",
    "personalize",
    "seal",
    "substitutions",
    "template_marks",
]

# Recipient field -> the tag that stands for it in rendered html and text.
PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "unsubscribe_url": "-unsubscribe_url-",
        "preferences_url": "-preferences_url-",
        "name": "-name-",
        # The reader half of tracked links (digest.tracking), in every tracked story link.
        "click_key": "-click_key-",
        # "Hello, Olena." in the list's language, or nothing: the reader's first name only.
        "greeting": "-greeting-",
        # The same greeting as a paragraph of the plain text, or nothing (Recipient.greeting_text).
        "greeting_text": "-greeting_text-",
        # The moment a breaking email states, in the reader's zone and the list's language.
        "local_time": "-local_time-",
    }
)
# The most a tag is expected to grow to, HTML-escaped (signed links are ~150 characters).
EXPANSION: Mapping[str, int] = MappingProxyType(
    {
        "-unsubscribe_url-": 220,
        "-preferences_url-": 220,
        "-name-": 100,
        "-click_key-": 40,
        "-greeting-": 140,
        "-greeting_text-": 142,
        "-local_time-": 120,
    }
)
_PLACEHOLDER = re.compile("|".join(re.escape(tag) for tag in PLACEHOLDERS.values()))


def substitutions(recipient: Recipient, *, html_escape: bool = False) -> dict[str, str]:
    """Placeholder -> value for one recipient, escaped for HTML when asked."""
    values = {tag: str(getattr(recipient, field)) for field, tag in PLACEHOLDERS.items()}
    if html_escape:
        return {tag: html.escape(value, quote=True) for tag, value in values.items()}
    return values


def first_name(name: str) -> str:
    """The first word of a stored name ("Olena Kovalenko" -> "Olena"); "" when there is none."""
    words = name.split()
    return words[0] if words else ""


def greeting(name: str, language: str) -> str:
    """The greeting line's words for a reader: by first name, or none at all."""
    first = first_name(name)
    return translate(language, "Hello, %(name)s.", name=first) if first else ""


def local_time(moment: datetime, zone: str, language: str) -> str:
    """``moment`` as a reader in ``zone`` reads it, in ``language``: "Tuesday, 1 December 2026,
    16:05 (Kyiv)" / "вівторок, 1 грудня 2026 р., 16:05 (Київ)". An unknown zone reads UTC."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    language = supported(language)
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)
    clock = format_time(local, "HH:mm", locale=language)
    place = get_timezone_location(get_timezone(tz.key), locale=language, return_city=True)
    return f"{date_label(local, language)}, {clock} ({place})"


def personalize(text: str, recipient: Recipient, *, html_escape: bool = False) -> str:
    """``text`` with the placeholders replaced by the recipient's values (pass
    ``html_escape=True`` for the HTML part)."""
    values = substitutions(recipient, html_escape=html_escape)
    # One pass, so a value that happens to look like a tag is left as it is.
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], text)


def expansion_margin(text: str) -> int:
    """Bytes ``text`` may grow by once every placeholder is filled for any reader."""
    return sum(EXPANSION[match.group(0)] - len(match.group(0)) for match in _PLACEHOLDER.finditer(text))


# A tag, or the HTML form SendGrid's channel derives from it (-name_html-), seen in rendered
# text: the hyphen that starts it is what ``defuse`` changes.
_LOOKALIKE = re.compile(
    "-(?=(?:" + "|".join(re.escape(tag[1:-1]) for tag in PLACEHOLDERS.values()) + ")(?:_html)?-)"
)
# In HTML (email, Telegram) the hyphen becomes its character reference: readers and mail
# clients see the same text and follow the same link, but no substitution matches it. Plain
# text has no references, so a word joiner (invisible) goes between the hyphen and the name.
_DEFUSED = {True: "&#45;", False: "-\u2060"}


def new_nonce() -> str:
    """A fresh secret for one rendering's private marks."""
    return secrets.token_hex(8)


def template_marks(nonce: str) -> dict[str, str]:
    """Recipient field -> the private mark the template gets for it (letters and digits only,
    so escaping, CSS inlining and URL handling leave it as it is)."""
    return {field: f"zq{nonce}{field.replace('_', '')}zq" for field in PLACEHOLDERS}


def defuse(text: str, *, html: bool) -> str:
    """``text`` with every tag look-alike made inert (see ``_DEFUSED``)."""
    return _LOOKALIKE.sub(_DEFUSED[html], text)


def seal(text: str, nonce: str, *, html: bool) -> str:
    """Rendered ``text``: look-alikes defused first, then the template's private marks made tags."""
    text = defuse(text, html=html)
    for field, mark in template_marks(nonce).items():
        text = text.replace(mark, PLACEHOLDERS[field])
    return text
