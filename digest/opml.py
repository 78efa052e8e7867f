"""OPML, the format every feed reader exports: read into FeedSpecs (pure)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from digest.errors import ImportError_
from digest.models import FeedSpec


def parse_opml(data: bytes, source: str, base_dir: Path | None = None) -> list[FeedSpec]:
    """Every ``<outline xmlUrl=…>``, with its section from the ``category`` attribute or the
    enclosing outline's title; relative file paths are resolved against ``base_dir``."""
    if b"<!entity" in data.lower():
        # Entity declarations only serve expansion attacks (billion laughs, XXE) here.
        raise ImportError_(source, data[: data.lower().index(b"<!entity")].count(b"\n") + 1,
                           "entity declarations are not allowed in OPML")
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
                url=_resolve(url, base_dir),
                name=(outline.get("title") or outline.get("text") or "").strip(),
                section=_section(outline),
                weight=_weight(outline, source),
            )
        )
    return specs


def _resolve(url: str, base_dir: Path | None) -> str:
    if "://" in url or base_dir is None or Path(url).is_absolute():
        return url
    return str((base_dir / url).resolve())


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
