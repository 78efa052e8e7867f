"""Planning renders a list's edition in the list's language, and the stored variant keeps it."""

from __future__ import annotations

from sqlalchemy import select

from digest import pipeline
from digest.pipeline import languages
from digest.render.telegram import inline_keyboard
from digest.store import editions as edition_store
from digest.store.db import transaction
from digest.store.tables import edition_variants
from tests.web.conftest import add_news, add_subscriber


def stored_variant(settings, edition_id):
    with transaction(settings.database_url) as conn:
        pk = conn.execute(
            select(edition_variants.c.id).where(edition_variants.c.edition_id == edition_id)
        ).scalar()
        return edition_store.variant(conn, pk)


def test_a_ukrainian_lists_planned_edition_is_in_ukrainian_and_stays_so_when_read_back(settings):
    add_news(settings)
    add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")

    plan = pipeline.plan_send("daily", settings, ignore_hour=True)
    variant = stored_variant(settings, plan.edition_id)

    assert '<html lang="uk"' in variant.html and "Відписатися" in variant.html
    assert "Unsubscribe" not in variant.html
    assert "Читати весь випуск" in "\n".join(variant.telegram)
    assert variant.language == "uk"
    keyboard = inline_keyboard(variant, "12345")
    assert keyboard and keyboard["inline_keyboard"][-1][0]["text"] == "Відписатися"


def test_a_list_with_no_language_set_gets_english_editions(settings):
    add_news(settings)
    add_subscriber(settings, "reader@example.org")

    plan = pipeline.plan_send("daily", settings, ignore_hour=True)
    variant = stored_variant(settings, plan.edition_id)

    assert '<html lang="en"' in variant.html and "Unsubscribe" in variant.html
    assert variant.language == "en"
