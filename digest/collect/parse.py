"""Parse a fetched body into a ParsedFeed: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0, JSON Feed 1.x.

The parser was chosen by measuring (``bench/bench_parse.py``, the XML sample feeds ×100
in one process): this module with fastfeedparser (lxml) inside reads 17–25 times as many
items per second as plain feedparser (21,000–43,000 against 1,100–2,500 items/s over
three runs on the development machine; fastfeedparser alone is 30–60 times faster, the
rest is our mapping to RawEntry) and finds the same entries, so it goes first.
feedparser, slower but the most lenient parser there is, runs when fastfeedparser fails
or finds fewer entries than the body has <item>/<entry> tags (lxml's recovery drops what
follows an error), and the result with more entries wins, so ill-formed feeds still
yield their items. JSON Feed is read here with ``json``: fastfeedparser drops an item's
``image`` and feedparser 6 does not read version 1.1.

Untrusted XML: a document type that declares external or parameter entities, or
entities built from other entities (the "billion laughs"), is refused before any
parser sees it; both parsers also leave entities unexpanded or strip the DOCTYPE
(lxml runs with ``resolve_entities=False`` and without network access).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import fastfeedparser
import feedparser

from digest.errors import ParseError
from digest.models import ParsedFeed, RawEntry

__all__ = ["parse"]

Entry = Mapping[str, Any]

_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*\[(.*?)\]\s*>", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(rb"<!ENTITY\s+(%?)\s*\S+\s+(SYSTEM\b|PUBLIC\b)?\s*([\"'])(.*?)\3", re.DOTALL)
_ENTRY_TAG = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>]")
_TTL = re.compile(rb"<ttl>\s*(\d{1,7})\s*</ttl>")
_HTML = re.compile(rb"<!DOCTYPE\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.IGNORECASE | re.DOTALL)
_VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "youtube-nocookie.com")
# The prolog is where a DOCTYPE may stand; a feed whose prolog is longer is no feed.
_PROLOG_BYTES = 64 * 1024


def parse(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Read ``body`` (fetched from ``url``) as a feed; raise ParseError when it is none."""
    if not body.strip():
        raise ParseError(url, "not a feed: empty body")
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url)
    _refuse_entity_tricks(body, url)
    body = _as_utf8_when_undeclared(body, content_type)
    parsed = _parse_fast(body)
    if parsed is None or len(parsed.entries) < len(_ENTRY_TAG.findall(body)):
        # Failed, or recovered from broken XML by dropping entries: feedparser may keep them.
        lenient = _parse_lenient(body, url, content_type)
        if lenient is not None and (parsed is None or len(lenient.entries) > len(parsed.entries)):
            parsed = lenient
    if parsed is None or not parsed.entries:
        if _HTML.search(body[:2048]) or (content_type or "").startswith("text/html"):
            raise ParseError(url, "not a feed: got an HTML page")
        if parsed is None:
            raise ParseError(url, "not a feed: no RSS, Atom or JSON Feed found")
    return parsed


_XML_ENCODING = re.compile(rb"<\?xml[^>]*\bencoding\s*=", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def _as_utf8_when_undeclared(body: bytes, content_type: str | None) -> bytes:
    """XML without an encoding declaration is UTF-8 by the rules, but many old CMSs send
    Latin-1/Windows-1252 that way: when the bytes are not UTF-8, read them in the HTTP
    charset, else Windows-1252 (the web's usual default), rather than show "Caf\ufffd"."""
    if _XML_ENCODING.search(body, 0, 1024):
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(content_type or "")
    for encoding in ([declared.group(1)] if declared else []) + ["cp1252"]:
        try:
            return body.decode(encoding, errors="replace").encode("utf-8")
        except LookupError:
            continue
    return body


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") or "json" in (content_type or "")


def _refuse_entity_tricks(body: bytes, url: str) -> None:
    """Refuse XXE and entity-expansion bombs; a plain ``<!ENTITY x "text">`` is allowed."""
    doctype = _DOCTYPE.search(body, 0, _PROLOG_BYTES)
    if doctype is None:
        return
    subset = doctype.group(1)
    declared = subset.count(b"<!ENTITY")
    entities = _ENTITY.findall(subset)
    for parameter, external, _, value in entities:
        if parameter or external or b"&" in value or b"%" in value:
            raise ParseError(url, "refused: XML declares external, parameter or nested entities")
    if declared != len(entities):
        raise ParseError(url, "refused: XML entity declarations we cannot check")


def _parse_fast(body: bytes) -> ParsedFeed | None:
    """fastfeedparser, or None when it gives up; it is never given a str (it would fetch URLs)."""
    try:
        result = fastfeedparser.parse(body)
    except Exception:  # any failure of the fast parser on hostile input means "try the lenient one"
        return None
    feed = result.get("feed") or {}
    ttl = _TTL.search(body, 0, _PROLOG_BYTES * 4)
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=[_entry(e) for e in result.get("entries") or []],
        ttl_minutes=int(ttl.group(1)) if ttl else None,
    )


def _parse_lenient(body: bytes, url: str, content_type: str | None) -> ParsedFeed | None:
    """feedparser in its forgiving mode; None when it recognized no feed at all."""
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    # Sanitizing is normalize's job, with one allow-list for both parsers.
    result = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not result.get("version") and not result.entries:
        return None
    feed = result.get("feed") or {}
    ttl = str(feed.get("ttl") or "").strip()
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=[_entry(e) for e in result.entries],
        ttl_minutes=int(ttl) if ttl.isdigit() else None,
    )


def _entry(e: Entry) -> RawEntry:
    """One entry of either parser (both give feedparser-shaped dicts) as a RawEntry."""
    content = _content(e)
    summary = _text(e.get("summary")) or _text(e.get("description"))
    image, caption = _image(e, content or summary or "")
    return RawEntry(
        guid=_text(e.get("id")),
        link=_link(e),
        title=_text(e.get("title")),
        summary_html=summary if summary != content else None,
        content_html=content,
        author=_text(e.get("author")),
        published=_date(e, "published"),
        updated=_date(e, "updated"),
        categories=[t for tag in e.get("tags") or [] if (t := _text(tag.get("term") or tag.get("label")))],
        image_url=image,
        image_caption=caption,
        media_type="video" if _is_video(e) else None,
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _content(e: Entry) -> str | None:
    for part in e.get("content") or []:
        if value := _text(part.get("value")):
            return value
    return None


def _link(e: Entry) -> str | None:
    if link := _text(e.get("link")):
        return link
    for candidate in e.get("links") or []:
        if candidate.get("rel", "alternate") == "alternate" and (href := _text(candidate.get("href"))):
            return href
    return None


def _date(e: Entry, key: str) -> datetime | None:
    """An aware UTC datetime, or None for a missing or unreadable date."""
    # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning.
    parsed = dict.get(e, f"{key}_parsed")  # type: ignore[call-overload]  # struct_time in UTC
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return _parse_date(_text(dict.get(e, key)))  # type: ignore[call-overload]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # a date without a zone is most likely UTC
    return when.astimezone(UTC)


def _image(e: Entry, html: str) -> tuple[str | None, str | None]:
    """The entry's picture and its caption: media:content/thumbnail, image enclosure, first <img>."""
    media: Sequence[Mapping[str, Any]] = [*(e.get("media_content") or []), *(e.get("media_thumbnail") or [])]
    for m in media:
        kind = str(m.get("medium") or m.get("type") or "image")
        if m.get("url") and kind.startswith("image"):
            caption = _text(m.get("description")) or _text(m.get("title"))
            return str(m["url"]), caption or _figcaption(html)
    for enclosure in e.get("enclosures") or []:
        if str(enclosure.get("type") or "").startswith("image/") and enclosure.get("url"):
            return str(enclosure["url"]), _figcaption(html)
    if found := _IMG.search(html):
        return found.group(1), _figcaption(html)
    return None, None


def _figcaption(html: str) -> str | None:
    found = _FIGCAPTION.search(html)
    return _text(found.group(1)) if found else None


def _is_video(e: Entry) -> bool:
    for m in [*(e.get("media_content") or []), *(e.get("enclosures") or [])]:
        if str(m.get("medium") or "") == "video" or str(m.get("type") or "").startswith("video/"):
            return True
    link = _link(e) or ""
    if "youtu" not in link and "vimeo" not in link:
        return False  # the common case, without taking the URL apart
    try:
        host = (urlsplit(link).hostname or "").removeprefix("www.").removeprefix("m.")
    except ValueError:
        return False
    return host in _VIDEO_HOSTS or host.endswith(tuple("." + h for h in _VIDEO_HOSTS))


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(url, f"not a feed: invalid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError(url, "not a feed: JSON without an items list")
    return ParsedFeed(
        title=_text(data.get("title")),
        link=_text(data.get("home_page_url")),
        entries=[_json_entry(item) for item in data["items"] if isinstance(item, dict)],
    )


def _json_entry(item: dict[str, Any]) -> RawEntry:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
    attachments = [a for a in item.get("attachments") or [] if isinstance(a, dict)]
    content = _text(item.get("content_html"))
    if content is None and (plain := _text(item.get("content_text"))):
        content = "".join(f"<p>{_escape(p)}</p>" for p in plain.split("\n\n"))
    image = _text(item.get("image")) or _text(item.get("banner_image"))
    link = _text(item.get("url")) or _text(item.get("external_url"))
    enclosures = [{"type": a.get("mime_type"), "url": a.get("url")} for a in attachments]
    entry = {"link": link, "enclosures": enclosures}
    return RawEntry(
        guid=_text(item.get("id")),
        link=link,
        title=_text(item.get("title")),
        summary_html=_escape(s) if (s := _text(item.get("summary"))) else None,
        content_html=content,
        author=", ".join(names) or None,
        published=_parse_date(_text(item.get("date_published"))),
        updated=_parse_date(_text(item.get("date_modified"))),
        categories=[t for tag in item.get("tags") or [] if (t := _text(tag))],
        image_url=image,
        image_caption=_figcaption(content or "") if image else None,
        media_type="video" if _is_video(entry) else None,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
