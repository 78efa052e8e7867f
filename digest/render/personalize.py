"""Per-recipient placeholders: the tags a rendered variant carries and how they are filled.

A variant is rendered once; the reader's own links and name appear in it as SendGrid-style
substitution tags (``-unsubscribe_url-`` …). SendGrid fills them on its servers, the outbox
and the web view through ``personalize``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from types import MappingProxyType

from digest.models import Recipient

__all__ = ["EXPANSION", "PLACEHOLDERS", "expansion_margin", "personalize", "substitutions"]

# Recipient field -> the tag that stands for it in rendered html and text.
PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "unsubscribe_url": "-unsubscribe_url-",
        "preferences_url": "-preferences_url-",
        "name": "-name-",
        # The reader half of tracked links (digest.tracking), in every tracked story link.
        "click_key": "-click_key-",
    }
)
# The most a tag is expected to grow to, HTML-escaped (signed links are ~150 characters).
EXPANSION: Mapping[str, int] = MappingProxyType(
    {"-unsubscribe_url-": 220, "-preferences_url-": 220, "-name-": 100, "-click_key-": 40}
)
_PLACEHOLDER = re.compile("|".join(re.escape(tag) for tag in PLACEHOLDERS.values()))


def substitutions(recipient: Recipient, *, html_escape: bool = False) -> dict[str, str]:
    """Placeholder -> value for one recipient, escaped for HTML when asked."""
    values = {tag: str(getattr(recipient, field)) for field, tag in PLACEHOLDERS.items()}
    if html_escape:
        return {tag: html.escape(value, quote=True) for tag, value in values.items()}
    return values


def personalize(text: str, recipient: Recipient, *, html_escape: bool = False) -> str:
    """``text`` with the placeholders replaced by the recipient's values (pass
    ``html_escape=True`` for the HTML part)."""
    values = substitutions(recipient, html_escape=html_escape)
    # One pass, so a value that happens to look like a tag is left as it is.
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], text)


def expansion_margin(text: str) -> int:
    """Bytes ``text`` may grow by once every placeholder is filled for any reader."""
    return sum(EXPANSION[match.group(0)] - len(match.group(0)) for match in _PLACEHOLDER.finditer(text))
