"""A list's archive as Atom (feedgen) and JSON Feed 1.1: pure, given the editions and URLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedgen.feed import FeedGenerator
from markupsafe import Markup, escape

from digest.models import ArchivedEdition

__all__ = ["ArchiveLinks", "atom_feed", "json_feed"]


@dataclass(frozen=True, slots=True)
class ArchiveLinks:
    page: str  # the archive's HTML index
    atom: str
    json: str
    edition: str  # with "{id}" for the edition's web view

    def of(self, edition: ArchivedEdition) -> str:
        return self.edition.format(id=edition.id)


def _contents(edition: ArchivedEdition) -> str:
    items = Markup("").join(
        Markup('<li><a href="{}">{}</a></li>').format(url, title) for title, url in edition.headlines
    )
    return str(
        Markup("<p>{}</p><ul>{}</ul>").format(edition.preheader, items)
        if items
        else escape(edition.preheader)
    )


def atom_feed(
    title: str, newsroom: str, editions: list[ArchivedEdition], links: ArchiveLinks, now: datetime
) -> bytes:
    """Atom 1.0: one entry per edition, its headlines as the content."""
    feed = FeedGenerator()
    feed.id(links.page)
    feed.title(f"{title} · {newsroom}")
    feed.author(name=newsroom)
    feed.link(href=links.page, rel="alternate")
    feed.link(href=links.atom, rel="self")
    feed.updated(editions[0].created_at if editions else now)
    for edition in reversed(editions):  # feedgen prepends: newest ends up first
        entry = feed.add_entry()
        url = links.of(edition)
        entry.id(url)
        entry.title(edition.subject or edition.title)
        entry.link(href=url, rel="alternate")
        entry.published(edition.created_at)
        entry.updated(edition.created_at)
        entry.content(_contents(edition), type="html")
    return bytes(feed.atom_str(pretty=True))


def json_feed(
    title: str, newsroom: str, editions: list[ArchivedEdition], links: ArchiveLinks
) -> dict[str, Any]:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{title} · {newsroom}",
        "home_page_url": links.page,
        "feed_url": links.json,
        "authors": [{"name": newsroom}],
        "items": [
            {
                "id": links.of(edition),
                "url": links.of(edition),
                "title": edition.subject or edition.title,
                "content_html": _contents(edition),
                "summary": edition.preheader,
                "date_published": edition.created_at.isoformat(),
                "tags": ["breaking"] if edition.breaking else [],
            }
            for edition in editions
        ],
    }
