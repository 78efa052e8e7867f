"""feedparser's ~2,100 test feeds, each one refreshed through ``refresh_feed`` into the
database, then rendered into editions: nothing crashes, and no script, event handler,
``javascript:``/``data:`` URL or style injection reaches an email or a Telegram message.

(tests/collect/test_corpus.py runs the same files through parse and normalize alone.)
The corpus lives beside the project (../shared); without it these tests skip.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from digest import pipeline
from digest.models import EditionContent, FeedSpec, Item, Section, Story
from digest.render import PLACEHOLDERS, Branding, Renderer
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store.db import transaction
from digest.store.tables import feeds
from tests.fakes.telegram_server import ALLOWED_TAGS

pytestmark = [pytest.mark.slow]

NOW = datetime.now(UTC)
STORIES_PER_EDITION = 40
DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "base",
    "meta",
    "link",
    "frame",
    "frameset",
    "applet",
    "svg",
    "math",
    "textarea",
    "select",
}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "#", *PLACEHOLDERS.values())
BAD_STYLE = re.compile(r"expression\s*\(|url\s*\(|javascript|behavior\s*:|-moz-binding|@import", re.I)
TELEGRAM_TAGS = re.compile(r"</?([a-zA-Z-]+)")


def corpus_files(shared: Path) -> list[Path]:
    root = shared / "corpora" / "feedparser-tests" / "tests"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))


def test_every_corpus_feed_goes_through_refresh_feed_into_the_database(settings, shared_dir: Path) -> None:
    files = corpus_files(shared_dir)
    assert len(files) > 2000
    with transaction(settings.database_url) as conn:
        ids = [feed_store.add(conn, FeedSpec(str(path), path.stem), NOW)[0].id for path in files]
    results = [pipeline.refresh_feed(feed_id, settings) for feed_id in ids]  # a crash fails here
    errors = [r for r in results if r.status == "error"]
    assert all(r.error and r.error.startswith(r.url) for r in errors), "an error does not name its feed"
    assert len(errors) < len(files) * 0.05, [r.error for r in errors[:10]]
    with transaction(settings.database_url) as conn:
        failing = conn.execute(select(feeds.c.url).where(feeds.c.error_count > 0)).scalars().all()
        stored = item_store.recent(conn, datetime(1900, 1, 1, tzinfo=UTC))
    assert sorted(failing) == sorted(r.url for r in errors), "a failure was not recorded on its feed"
    assert len(stored) > 300  # most corpus files test channel elements and hold no entry
    _render_everything(stored)


def _render_everything(stored: list[Item]) -> None:
    renderer = Renderer(Branding("The Daily Digest", "1 Example Street, Kyiv", "https://news.example.org"))
    problems: list[str] = []
    for start in range(0, len(stored), STORIES_PER_EDITION):
        chunk = stored[start : start + STORIES_PER_EDITION]
        for item in chunk:
            item.published = NOW - timedelta(hours=1)
        stories = [Story(lead=item, also=[], score=1.0) for item in chunk]
        sections = [Section(name="news", title="News", stories=stories)]
        content = EditionContent(list_name="daily", title="Corpus", date=NOW, sections=sections)
        rendered = renderer.render(
            content, edition_id=start + 1, web_url="https://news.example.org/editions/1"
        )
        problems += [f"email {start}: {p}" for p in email_problems(rendered.html)]
        problems += [f"telegram {start}: {p}" for m in rendered.telegram for p in telegram_problems(m)]
    assert not problems, "\n".join(problems[:20])


def email_problems(page: str) -> list[str]:
    """Anything in the HTML that could run code, load a hostile resource or restyle the email."""
    found: list[str] = []
    tree = lxml_html.document_fromstring(page)
    styles = tree.xpath("//style")
    if len(styles) > 1:
        found.append(f"{len(styles)} <style> blocks: one came from a feed")
    for element in tree.body.iter():  # the <head> is the template's own
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.lower() in DANGEROUS_TAGS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            lowered = value.strip().lower()
            if name.lower().startswith("on"):
                found.append(f"{name}= on <{tag}>")
            elif name.lower() in ("href", "src", "action", "background", "poster", "srcset", "formaction"):
                if lowered and not lowered.startswith(SAFE_SCHEMES):
                    found.append(f"{name}={value[:80]!r} on <{tag}>")
            elif name.lower() == "style" and BAD_STYLE.search(value):
                found.append(f"style={value[:80]!r} on <{tag}>")
    return found


def telegram_problems(message: str) -> list[str]:
    found = [f"<{tag}>" for tag in TELEGRAM_TAGS.findall(message) if tag.lower() not in ALLOWED_TAGS]
    for href in re.findall(r'href="([^"]*)"', message):
        if not href.startswith(("http://", "https://")):
            found.append(f"href={href[:80]!r}")
    if re.search(r"\son\w+\s*=|javascript:|data:text", message, re.I):
        found.append(message[:120])
    return found


def test_the_checks_themselves_find_what_they_look_for() -> None:
    page = (
        "<html><head><style>p{}</style></head><body>"
        "<a href='javascript:alert(1)'>x</a><img src=x onerror=a()>"
        "<p style='background:url(http://evil.example/p.gif)'>y</p><iframe src='https://e.example'></iframe>"
        "<img src='data:image/png;base64,AAAA'></body></html>"
    )
    found = " ".join(email_problems(page))
    for needle in ("javascript:", "onerror=", "url(", "<iframe>", "data:image", "src='x'"):
        assert needle in found
    found = " ".join(telegram_problems('<a href="javascript:x">a</a><script>b</script><img src=x>'))
    assert "<script>" in found and "<img>" in found and "href='javascript:x'" in found
