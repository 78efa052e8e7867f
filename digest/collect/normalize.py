"""Turn a parsed entry into an Item: pure, no I/O, no clock (``first_seen`` is passed in).

Decisions worth knowing:

- An entry is dropped (None) only when it has no title, no link and no text at all.
- No title: the first words of the text. No link: the guid when it is an http(s) URL,
  else the feed's URL, so the reader lands somewhere useful; identity then rests on
  the guid, or on a hash of the title and text when there is no guid either.
- ``key`` is ``item_key(feed.id, guid, canonical link)``; ``url`` is the canonical link
  (tracking parameters gone), so the same article shared with other utm_ tags merges.
- ``summary_html`` is the sanitized summary; when the feed only gives full content,
  it is the capped plain-text summary in one paragraph, never the whole article.
- ``published`` is UTC; missing → ``first_seen``; more than a day ahead of
  ``first_seen`` → ``first_seen`` (a wrong clock or time zone must not pin an item on top).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import nh3

from digest.collect.furniture import strip_furniture, strip_furniture_text
from digest.models import Feed, Item, RawEntry

__all__ = ["canonical_url", "html_to_text", "item_key", "normalize", "reading_minutes", "sanitize_html"]

TITLE_MAX = 300
SUMMARY_MAX = 600
WORDS_PER_MINUTE = 230
FUTURE_SLACK = timedelta(days=1)

# fmt: off
_TRACKING = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "yclid", "igshid", "_hsenc", "_hsmi",
    "ref_src", "ref_url", "__twitter_impression", "_ga", "oly_anon_id", "oly_enc_id", "vero_id",
    "wt_mc",
})
# fmt: on
_DEFAULT_PORTS = {"http": 80, "https": 443}
# fmt: off
_TAGS = frozenset({
    "a", "b", "blockquote", "br", "cite", "code", "em", "figcaption", "figure", "h3", "h4", "i",
    "img", "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "ul",
})
# fmt: on
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
# Removed with everything inside: their content is code or a page of its own, not text.
# fmt: off
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "math", "title",
    "textarea", "select",
})
# fmt: on
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_PIXEL = re.compile(r'\b(?:width|height)="\s*[01](?:px)?\s*"')
# C0 controls but tab and newlines, and DEL: no reader wants them, and PostgreSQL refuses NUL
# in text (one such title would fail the whole feed's refresh).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENTRY_TEXT = (
    "guid",
    "link",
    "title",
    "summary_html",
    "content_html",
    "author",
    "image_url",
    "image_caption",
)
_STATED_MINUTES = re.compile(r"\b(\d{1,3})[\s-]*(?:min|mins|minutes?)\.?\s+read\b", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """``url`` without what does not change the page: tracking parameters, fragment, default port."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad IPv6 literal or port: leave it as it came
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url  # not a web link (tag: guid, relative path): nothing to normalize
    host = parts.hostname.rstrip(".")
    port = port if port != _DEFAULT_PORTS[scheme] else None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.username:
        netloc = parts.username + (f":{parts.password}" if parts.password else "") + "@" + netloc
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _is_tracking(pair: str) -> bool:
    name = pair.split("=", 1)[0].lower()
    return name.startswith("utm_") or name in _TRACKING


def item_key(feed_id: int, guid: str | None, canonical_url: str) -> str:
    """A stable short identity: the feed and its guid when there is one, else the canonical link."""
    identity = f"g:{guid.strip()}" if guid and guid.strip() else f"u:{canonical_url}"
    return hashlib.sha256(f"{feed_id}\x00{identity}".encode()).hexdigest()[:20]


def sanitize_html(markup: str, base_url: str) -> str:
    """Markup safe to put in an email: a small allow-list, absolute http(s) links, no pixels."""
    base = base_url if _is_web(base_url) else None
    cleaned = nh3.clean(
        markup,
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        url_relative=("rewrite_with_base", base) if base else "deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return _IMG_TAG.sub(_keep_image, cleaned).strip()


def _keep_image(match: re.Match[str]) -> str:
    """Drop 1×1 tracking pixels and images whose source the sanitizer removed."""
    tag = match.group(0)
    return "" if _PIXEL.search(tag) or " src=" not in tag else tag


class _TextExtractor(HTMLParser):
    # fmt: off
    _BLOCKS = frozenset({
        "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure",
        "figcaption", "tr", "pre", "section", "article", "header", "footer",
    })
    # fmt: on

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_WITH_CONTENT:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable plain text: tags and scripts gone, entities decoded, whitespace collapsed."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    # Feeds often escape twice ("&amp;#8217;"): entities left after parsing are decoded too.
    return " ".join(html.unescape("".join(extractor.parts)).split())


def reading_minutes(text_or_html: str) -> int:
    """Minutes to read: a stated "N min read" wins, else words at 230 a minute; at least 1."""
    text = html_to_text(text_or_html)
    if stated := _stated_minutes(text):
        return stated
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))


def _stated_minutes(text: str) -> int | None:
    found = _STATED_MINUTES.search(text)
    return int(found.group(1)) if found and int(found.group(1)) > 0 else None


def _cap(text: str, limit: int) -> str:
    """``text`` cut on a word boundary to at most ``limit`` characters, "…" marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def normalize(entry: RawEntry, feed: Feed, *, first_seen: datetime) -> Item | None:
    """The entry as an Item of ``feed``, or None when it has nothing to show."""
    entry = _without_controls(entry)
    body_html = entry.content_html or entry.summary_html or ""
    teaser_html = entry.summary_html or entry.content_html or ""
    text = html_to_text(teaser_html)  # as the feed has it: part of an item's identity
    shown = strip_furniture_text(html_to_text(strip_furniture(teaser_html)))
    title = _cap(html_to_text(entry.title or ""), TITLE_MAX)
    if not (title or entry.link or text):
        return None
    url = _item_url(entry, feed)
    link = canonical_url(url)
    # The stated reading time becomes reading_minutes; in the teaser it would be said twice.
    summary_text = _cap(" ".join(_STATED_MINUTES.sub(" ", shown).split()), SUMMARY_MAX)
    return Item(
        key=item_key(feed.id, entry.guid or _content_guid(entry, title, text), link),
        feed_id=feed.id,
        source=feed.name or _host(feed.url) or feed.url,
        url=link,
        title=title or _cap(text, 100),
        summary_html=_summary_html(entry, summary_text, link),
        summary_text=summary_text,
        author=_clean(entry.author, 200),
        published=_published(entry, first_seen),
        categories=_categories(entry.categories),
        image_url=_absolute_http(entry.image_url, link),
        image_caption=_clean(entry.image_caption, 300),
        reading_minutes=_stated_minutes(text) or reading_minutes(body_html),
        section=feed.section,
        is_video=entry.media_type == "video",
        source_weight=feed.weight,
    )


def _without_controls(entry: RawEntry) -> RawEntry:
    texts: dict[str, Any] = {
        name: _CONTROL.sub("", value)
        for name in _ENTRY_TEXT
        if isinstance(value := getattr(entry, name), str) and _CONTROL.search(value)
    }
    categories = [_CONTROL.sub("", name) for name in entry.categories]
    if not texts and categories == entry.categories:
        return entry
    return replace(entry, **texts, categories=categories)


def _clean(value: str | None, limit: int) -> str | None:
    return _cap(html_to_text(value), limit) or None if value else None


def _item_url(entry: RawEntry, feed: Feed) -> str:
    if entry.link and (link := _absolute_http(entry.link, feed.url)):
        return link  # relative links happen; they are relative to the feed
    if entry.guid and _is_web(entry.guid.strip()):
        return entry.guid.strip()  # an RSS permalink guid
    return feed.url


def _content_guid(entry: RawEntry, title: str, text: str) -> str | None:
    """Without guid or link, the item is what it says; the feed URL would merge all such items."""
    if entry.link:
        return None
    return "content:" + hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()[:16]


def _absolute_http(url: str | None, base: str) -> str | None:
    if not url:
        return None
    try:
        absolute = urljoin(base, url.strip()) if _is_web(base) else url.strip()
    except ValueError:
        return None
    return absolute if _is_web(absolute) else None


def _is_web(url: str) -> bool:
    """An absolute http(s) URL that urllib can take apart."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:
        return False


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _summary_html(entry: RawEntry, summary_text: str, base_url: str) -> str:
    if entry.summary_html:
        cleaned = strip_furniture(sanitize_html(entry.summary_html, base_url))
        if not html_to_text(cleaned):
            return ""
        return cleaned if cleaned.startswith("<") else f"<p>{cleaned}</p>"  # plain text gets a paragraph
    return f"<p>{html.escape(summary_text, quote=False)}</p>" if summary_text else ""


def _published(entry: RawEntry, first_seen: datetime) -> datetime:
    when = entry.published or entry.updated
    if when is None or when.tzinfo is None or when > first_seen + FUTURE_SLACK:
        return first_seen
    return when.astimezone(UTC)


def _categories(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        clean = _cap(html_to_text(name), 80)
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean
    return tuple(seen.values())[:20]
