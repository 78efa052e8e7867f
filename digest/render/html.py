"""Escaping and links for the HTML we write by hand: Telegram messages and breaking news.

Feed text is data, never markup: it is escaped wherever it meets HTML, and a link is made
only of an absolute http(s) URL. Email templates get the same from Jinja's autoescape and
``safe_href`` (passed to them as ``href``).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = ["escape", "escape_attr", "link", "safe_href", "same_url"]


def same_url(url: str) -> str:
    """The default link tagger: the URL as it is."""
    return url


def escape(text: str) -> str:
    """Escape feed text for Telegram HTML (and email HTML): ``&``, ``<``, ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """Escape a value for a double-quoted attribute; Telegram knows only &quot; of the rest."""
    return escape(text).replace('"', "&quot;")


def safe_href(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) link, else None (no javascript:, no relative)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. "http://[broken" — a malformed feed link is just not a link
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def link(text: str, url: str | None, tag_link: Callable[[str], str] = same_url) -> str:
    """Escaped ``text``, as a link when ``url`` is a safe one (passed through ``tag_link``)."""
    href = safe_href(url)
    if href is None:
        return escape(text)
    return f'<a href="{escape_attr(tag_link(href))}">{escape(text)}</a>'
