"""Setting a list's language: ``digest lists language NAME uk``."""

from __future__ import annotations

from digest.config import Settings
from digest.i18n import LANGUAGES
from digest.pipeline.planning import UnknownList
from digest.store import languages as language_store
from digest.store.db import transaction

__all__ = ["UnknownList", "UnsupportedLanguage", "list_language", "set_language"]


class UnsupportedLanguage(ValueError):
    """A language digest ships no catalog for."""

    def __init__(self, language: str) -> None:
        super().__init__(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        self.language = language


def set_language(settings: Settings, list_name: str, language: str) -> None:
    """Make the list's editions and reader pages speak ``language`` (one of ``LANGUAGES``)."""
    if language not in LANGUAGES:
        raise UnsupportedLanguage(language)
    with transaction(settings.database_url) as conn:
        if not language_store.set_language(conn, list_name, language):
            raise UnknownList(list_name)


def list_language(settings: Settings, list_name: str) -> str | None:
    """The language of the list a reader's link came from; None when the link names no list."""
    if not list_name:
        return None
    with transaction(settings.database_url) as conn:
        return language_store.language_of(conn, list_name)
