"""Robustness over feedparser's own test feeds: nothing crashes, nothing unsafe survives.

The corpus lives beside the project (../shared); without it these tests skip.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.collect.normalize import normalize
from digest.collect.parse import parse
from digest.errors import ParseError
from digest.models import Feed

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "feedparser-tests" / "tests"
UNSAFE = re.compile(
    r"<script|\son\w+\s*=|javascript:|vbscript:|[\"']\s*data:|style\s*=|<style|<iframe|<object|<embed",
    re.IGNORECASE,
)
# One test per folder of the corpus (wellformed/rss, entities, …), so a failure names its kind.
GROUPS = (
    sorted({p.parent.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.*")}) if CORPUS.is_dir() else []
)
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _files(group: str) -> list[Path]:
    return sorted(p for p in (CORPUS / group).glob("*") if p.is_file() and p.suffix in (".xml", ".json"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/feedparser-tests is not present")
@pytest.mark.parametrize("group", GROUPS or ["none"])
def test_every_corpus_feed_is_ingested_safely(group: str) -> None:
    feed = Feed(id=1, url="http://example.org/feed.xml", name="corpus")
    unsafe: list[str] = []
    for path in _files(group):
        try:
            parsed = parse(path.read_bytes(), feed.url)
        except ParseError:
            continue  # refusing a body is a fine answer; crashing is not
        for entry in parsed.entries:
            item = normalize(entry, feed, first_seen=NOW)
            if item is None:
                continue
            for text in (item.summary_html, item.url, item.image_url or ""):
                if UNSAFE.search(text):
                    unsafe.append(f"{path.name}: {text[:200]}")
            assert item.published is not None and item.published.tzinfo is not None
    assert not unsafe, "\n".join(unsafe)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/feedparser-tests is not present")
def test_the_corpus_is_mostly_read_not_refused() -> None:
    files = [p for group in GROUPS for p in _files(group)]
    refused = 0
    for path in files:
        try:
            parse(path.read_bytes(), "http://example.org/feed.xml")
        except ParseError:
            refused += 1
    assert len(files) > 2000
    assert refused < len(files) * 0.05
