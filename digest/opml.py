"""OPML, the format every feed reader exports: read into FeedSpecs (pure).

An imported OPML may only add http(s) feeds: a file someone sent must not make digest read
local files (``file://``, ``/etc/…``, ``../x``). Local feeds stay possible through
``digest feeds add PATH``, typed by the operator, and for the bundled sample, whose relative
paths are resolved only inside its own folder (``local_dir``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from digest.errors import ImportError_
from digest.models import FeedSpec


def parse_opml(data: bytes, source: str, local_dir: Path | None = None) -> list[FeedSpec]:
    """Every ``<outline xmlUrl=…>``, with its section from the ``category`` attribute or the
    enclosing outline's title. Only http(s) URLs, unless ``local_dir`` is given (our bundled
    sample): then relative paths inside that folder are resolved against it."""
    if b"<!entity" in data.lower():
        # Entity declarations only serve expansion attacks (billion laughs, XXE) here.
        raise ImportError_(
            source,
            data[: data.lower().index(b"<!entity")].count(b"\n") + 1,
            "entity declarations are not allowed in OPML",
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ImportError_(source, exc.lineno or 1, f"not valid OPML: {exc.msg}") from None
    specs = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        specs.append(
            FeedSpec(
                url=_checked_url(url, outline, source, local_dir),
                name=(outline.get("title") or outline.get("text") or "").strip(),
                section=_section(outline),
                weight=_weight(outline, source),
            )
        )
    return specs


def _checked_url(url: str, outline: etree._Element, source: str, local_dir: Path | None) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return url
    if local_dir is not None and not parts.scheme and not Path(url).is_absolute():
        base = local_dir.resolve()
        resolved = (base / url).resolve()
        if resolved.is_relative_to(base):
            return str(resolved)
    title = (outline.get("title") or outline.get("text") or "").strip()
    raise ImportError_(
        source,
        outline.sourceline or 1,
        f"outline {title!r}: feed {url!r} is not an http(s) URL "
        "(an imported OPML may only add web feeds; add a local file with `digest feeds add PATH`)",
    )


def _section(outline: etree._Element) -> str:
    category = (outline.get("category") or "").split(",")[0].strip().strip("/")
    if category:
        return category.lower()
    parent = outline.getparent()
    if parent is not None and parent.tag == "outline":
        return (parent.get("title") or parent.get("text") or "news").strip().lower()
    return "news"


def _weight(outline: etree._Element, source: str) -> float:
    # Accept `weight` in any namespace (readers keep unknown attributes, not their prefixes).
    for name, value in outline.attrib.items():
        if etree.QName(name).localname == "weight":
            try:
                return float(value)
            except ValueError:
                raise ImportError_(
                    source, outline.sourceline or 1, f"weight {value!r} is not a number"
                ) from None
    return 1.0
