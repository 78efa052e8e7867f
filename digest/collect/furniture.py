"""Feed furniture: the reading-time lines, "Read more" links and "The post … appeared first on"
footers that feeds put in their summaries. The digest shows its own reading time and links to
the story, so these would be said twice; they go once, at normalize.

Pure: markup in, markup out. Only whole blocks (a paragraph, a line) that are nothing but
furniture are removed, and a trailing "Read more …" at the end of the last one; text that merely
mentions reading stays.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

__all__ = ["strip_furniture", "strip_furniture_text"]

_MINUTES = r"\d{1,3}[\s-]*(?:min|mins|minutes?)\.?"
_FURNITURE = re.compile(
    r"^\W*(?:"
    rf"(?:estimated\s+)?(?:reading|read)\s*time\s*[:\-–—]?\s*(?:about\s+)?{_MINUTES}(?:\s+read)?"
    rf"|(?:about\s+)?{_MINUTES}\s+read"
    r"|(?:read|continue\s+reading|read\s+the\s+(?:full\s+)?(?:story|article)|keep\s+reading)(?:\s+more)?"
    r"(?:\s+(?:on|at)\s+.{1,60})?"
    r"|read\s+more"
    r"|the\s+post\s+.{1,300}\s+appeared\s+first\s+on\s+.{1,120}"
    r")\W*$",
    re.IGNORECASE | re.DOTALL,
)
_TRAILING = re.compile(
    r"(?:\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.))?\s*(?:read\s+more|continue\s+reading)\s*(?:[»›→]+|\.\.\.|…)?\s*$",
    re.IGNORECASE,
)
_BLOCKS = ("p", "div", "li", "figcaption", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6")


def _is_furniture(text: str) -> bool:
    text = " ".join(text.split())
    return bool(text) and len(text) <= 400 and bool(_FURNITURE.match(text))


def strip_furniture_text(text: str) -> str:
    """Plain text without a furniture-only text or a trailing "Read more"."""
    if _is_furniture(text):
        return ""
    return _TRAILING.sub("", text).rstrip()


def strip_furniture(markup: str) -> str:
    """``markup`` (sanitized HTML) without its furniture blocks."""
    if not markup.strip():
        return markup
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return markup
    changed = False
    for element in list(root.iter(*_BLOCKS)):
        if element is not root and _is_furniture(element.text_content()) and not element.xpath(".//img"):
            _drop(element)
            changed = True
    changed = _strip_trailing_link(root) or changed
    if not changed:
        return markup
    inner = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    return inner.strip()


def _drop(element: lxml.html.HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _strip_trailing_link(root: lxml.html.HtmlElement) -> bool:
    """A last "Read more" link (or text) after the story's last sentence."""
    links = root.xpath(".//a")
    if links:
        last = links[-1]
        after = (last.tail or "").strip()
        if not after and _is_furniture(last.text_content()) and last.getnext() is None:
            _drop(last)
            return True
    return False
