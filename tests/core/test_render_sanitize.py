"""Hostile feed HTML through the whole renderer: nothing unsafe reaches the email or Telegram.

Two routes for each entry of feedparser's sanitizer corpus (../shared; skipped without it):
the normal one (normalize cleans, the renderer cleans again) and a worst case where raw,
uncleaned feed HTML reaches the renderer as if stored by a bug upstream.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.collect.normalize import normalize
from digest.collect.parse import parse
from digest.errors import ParseError
from digest.models import Feed, Item, RenderedEdition, Story
from digest.render import Branding, Renderer
from digest.render.telegram import TELEGRAM_ALLOWED_TAGS

from .factories import edition

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "feedparser-tests" / "tests"
SANITIZE = CORPUS / "wellformed" / "sanitize"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
FEED = Feed(id=1, url="http://example.org/feed.xml", name="corpus")
BRANDING = Branding("N", "A", "https://ledger.example", max_email_bytes=10**8)
# Elements that must never come from a feed, and attributes no tag of the email may carry
# (feed text that merely mentions them is escaped, so only real tags are looked at).
UNSAFE_ELEMENT = re.compile(
    r"<(script|iframe|object|embed|form|svg|math|meta|link|base|style|img(?![^>]*class=\"lead-image\"))\b",
    re.IGNORECASE,
)
UNSAFE_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=|javascript:|vbscript:|[\"']\s*data:", re.IGNORECASE)
BAD_CSS = re.compile(r"expression\s*\(|url\s*\(|behavior\s*:|-moz-binding|@import", re.IGNORECASE)
TAG = re.compile(r"</?\s*([a-zA-Z][\w-]*)")
CHUNK = 40

pytestmark = pytest.mark.skipif(
    not SANITIZE.is_dir(), reason="../shared/corpora/feedparser-tests is not present"
)


def corpus_items(*, raw: bool) -> list[Item]:
    items = []
    for n, path in enumerate(sorted(SANITIZE.glob("*.xml"))):
        try:
            parsed = parse(path.read_bytes(), FEED.url)
        except ParseError:
            continue
        for entry in parsed.entries:
            markup = entry.content_html or entry.summary_html or ""
            if raw:
                title = entry.title or path.name
                items.append(
                    Item(
                        f"{path.name}-{n}",
                        1,
                        "Corpus",
                        entry.link or "https://example.org/",
                        title,
                        summary_html=markup,
                        summary_text="short",
                    )
                )
            elif (item := normalize(entry, FEED, first_seen=NOW)) is not None:
                items.append(item)
    return items


def rendered_chunks(items: list[Item]) -> list[RenderedEdition]:
    renderer = Renderer(BRANDING)
    results = []
    for start in range(0, len(items), CHUNK):
        stories = [Story(lead=it, score=float(-i)) for i, it in enumerate(items[start : start + CHUNK])]
        content = edition(("News", stories))
        results.append(renderer.render(content, edition_id=1, web_url="https://ledger.example/editions/1"))
    return results


def unsafe_in(result: RenderedEdition) -> list[str]:
    body = result.html.split("<body", 1)[1]
    found = [match.group(0) for match in UNSAFE_ELEMENT.finditer(body)]
    tags = re.findall(r"<[a-zA-Z][^>]*>", body)
    found += [tag for tag in tags if UNSAFE_ATTRIBUTE.search(tag)]
    found += [tag for tag in tags if BAD_CSS.search(" ".join(re.findall(r'style="([^"]*)"', tag)))]
    for message in result.telegram:
        found += [f"telegram <{t}>" for t in TAG.findall(message) if t.lower() not in TELEGRAM_ALLOWED_TAGS]
        found += [
            h for h in re.findall(r'href="([^"]*)"', message) if not h.startswith(("http://", "https://"))
        ]
    return found


@pytest.mark.parametrize("raw", [False, True], ids=["cleaned upstream", "raw feed html"])
def test_nothing_unsafe_survives_the_renderer(raw: bool) -> None:
    items = corpus_items(raw=raw)
    assert len(items) > (500 if raw else 150)
    problems = [p for result in rendered_chunks(items) for p in unsafe_in(result)]
    assert not problems, problems[:20]


def test_the_renderer_keeps_harmless_formatting_and_links() -> None:
    item = Item(
        "k",
        1,
        "S",
        "https://ledger.example/a",
        "T",
        summary_text="short",
        summary_html='<p onclick="x()">A <b>bold</b> <a href="https://a.example/x" style="color:red">link</a>'
        '<img src="https://t.example/pixel.gif"><script>alert(1)</script></p>',
    )
    result = Renderer(BRANDING).render(
        edition(("News", [Story(item)])), edition_id=1, web_url="https://l.example/e"
    )
    summary = re.search(r'<div class="summary"[^>]*>(.*?)</div>', result.html, re.DOTALL)
    assert summary
    text = re.sub(r' style="[^"]*"', "", summary.group(1))  # the template's own inlined styles
    assert text == '<p>A <b>bold</b> <a href="https://a.example/x" rel="noopener">link</a></p>'
