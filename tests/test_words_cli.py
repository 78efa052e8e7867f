"""`digest editor words` and `digest lists archive` on a test database."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.test_cli import fresh_context, invoke  # noqa: F401  (fixture)


def with_list(settings, name: str = "daily") -> None:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, name, datetime.now(UTC))


def test_words_are_written_shown_and_cleared(settings):
    with_list(settings)
    written = invoke("editor", "words", "daily", "--note", "Read this first.", "--until", "3h", "--by", "ed")
    assert written.exit_code == 0
    assert "note: Read this first." in written.output and "subject: (automatic)" in written.output

    shown = invoke("editor", "words", "daily", "--subject", "Kharkiv at night")
    assert "note: Read this first." in shown.output and "subject: Kharkiv at night" in shown.output

    cleared = invoke("editor", "words", "daily", "--clear")
    assert cleared.exit_code == 0 and "no editor's words" in cleared.output


def test_bad_words_exit_non_zero_naming_the_option(settings):
    with_list(settings)
    result = invoke("editor", "words", "daily", "--subject", "x" * 200)
    assert result.exit_code != 0 and "--subject: at most 150 characters" in result.output


def test_words_for_an_unknown_list_exit_non_zero(settings):
    result = invoke("editor", "words", "weekly", "--note", "hi")
    assert result.exit_code != 0 and "weekly" in result.output


def test_a_list_archive_can_be_closed_and_opened(settings):
    with_list(settings)
    assert "archive private" in invoke("lists", "archive", "daily", "--private").output
    assert "archive public" in invoke("lists", "archive", "daily", "--public").output
    assert invoke("lists", "archive", "nothing", "--private").exit_code != 0
