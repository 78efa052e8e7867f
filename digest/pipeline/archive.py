"""The public side of past editions: a list's archive, its feeds and each edition's web view.

Web views carry no reader's name or token: where an email has the reader's own links, the
web view has links to ``/manage``, which asks for an address and mails that reader their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.config import Settings
from digest.errors import DigestError
from digest.models import ArchivedEdition
from digest.pipeline.stand_ins import for_anyone
from digest.render.personalize import local_time
from digest.store import archive as archive_store
from digest.store import editions as edition_store
from digest.store import languages as language_store
from digest.store.db import transaction

__all__ = ["ARCHIVE_PAGE_SIZE", "Archive", "NoArchive", "archive", "web_view"]

ARCHIVE_PAGE_SIZE = 30


class NoArchive(DigestError):
    """The list does not exist or keeps no public archive (the same answer, on purpose)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no public archive for {name!r}")
        self.name = name


@dataclass(frozen=True, slots=True)
class Archive:
    name: str
    title: str
    editions: list[ArchivedEdition]
    next_before: int | None  # the id to page on from, when older editions exist


def archive(settings: Settings, list_name: str, *, before: int | None = None) -> Archive:
    """A page of a list's published editions, newest first; ``NoArchive`` for a private list."""
    with transaction(settings.database_url) as conn:
        found = archive_store.archived_list(conn, list_name)
        if found is None or not found.public:
            raise NoArchive(list_name)
        page = archive_store.published(conn, found.id, limit=ARCHIVE_PAGE_SIZE + 1, before=before)
    more = len(page) > ARCHIVE_PAGE_SIZE
    page = page[:ARCHIVE_PAGE_SIZE]
    return Archive(found.name, found.title, page, page[-1].id if more else None)


def web_view(settings: Settings, edition_id: int) -> str | None:
    """The edition as a page anyone may read, or None when there is no such edition."""
    with transaction(settings.database_url) as conn:
        found = archive_store.neutral_variant(conn, edition_id)
        timing = edition_store.timing(conn, edition_id)
        info = edition_store.info(conn, edition_id)
        language = language_store.language_of(conn, info[1]) if info else "en"
    if found is None:
        return None
    html, _public = found
    # A breaking email states its time in the reader's zone; a page for anyone states it in UTC.
    when = local_time(timing[0], "UTC", language) if timing else ""
    return for_anyone(settings, html, local_time=when)


DESCRIPTION_MAX = 300


def describe(settings: Settings, list_name: str, description: str) -> str:
    """Set what the sign-up page says of a list (one or two sentences; empty removes it)."""
    text = " ".join(description.split())
    if len(text) > DESCRIPTION_MAX:
        raise ValueError(f"at most {DESCRIPTION_MAX} characters (this is {len(text)})")
    with transaction(settings.database_url) as conn:
        if not archive_store.set_description(conn, list_name, text):
            raise NoArchive(list_name)
    return text


def set_public(settings: Settings, list_name: str, public: bool) -> None:
    """Open or close a list's archive."""
    with transaction(settings.database_url) as conn:
        if not archive_store.set_archive(conn, list_name, public):
            raise NoArchive(list_name)
