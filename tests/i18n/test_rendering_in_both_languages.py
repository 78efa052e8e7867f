"""A Ukrainian list's edition reads in Ukrainian (email, text, Telegram, dates); English stays as it was."""

from __future__ import annotations

from dataclasses import replace

import pytest

from digest.i18n import date_label, long_date
from digest.models import Recipient
from digest.render import Branding, Renderer, personalize
from digest.render.personalize import greeting
from digest.render.telegram import inline_keyboard
from tests.core.factories import NOW, edition, item, story

BRANDING = Branding(
    "The Kyiv Ledger", "1 Example Street, Kyiv", "https://ledger.example", telegram_bot_username="ledger_bot"
)
READER = Recipient(
    1,
    "olena@example.org",
    "Олена",
    "https://x.example/u/t",
    "https://x.example/p/t",
    greeting=greeting("Олена Коваленко", "uk"),
)
WEB_URL = "https://ledger.example/editions/7"


def content(language: str, stories: int = 3):
    made = [
        story(
            item(f"s{n}", f"Headline {n}", reading_minutes=3),
            *[item(f"a{n}{k}") for k in range(7)],
            score=9 - n,
        )
        for n in range(stories)
    ]
    made.append(story(item("v", "Inside the newsroom", is_video=True), score=0.1))
    return replace(edition(("News", made)), language=language)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(BRANDING)


def test_a_ukrainian_edition_speaks_ukrainian_in_the_html_email(renderer: Renderer) -> None:
    html = personalize(
        renderer.render(content("uk"), edition_id=7, web_url=WEB_URL).html, READER, html_escape=True
    )
    assert '<html lang="uk"' in html
    for words in (
        "Вітаємо, Олена.",
        "Відписатися",
        "Налаштування підписки",
        "Відкрити в браузері",
        "хв читання",
        "Також у:",
        "і ще 2",
        "Відео",
        "4 матеріали",
    ):
        assert words in html, words
    assert date_label(NOW, "uk") in html and "середа, 5 березня 2025\u202fр." in html
    for english in ("Unsubscribe", "Manage preferences", "View in browser", "min read", "Also in", "Hello"):
        assert english not in html, english


def test_a_ukrainian_edition_speaks_ukrainian_in_the_text_email(renderer: Renderer) -> None:
    text = renderer.render(content("uk"), edition_id=7, web_url=WEB_URL).text
    assert "ГОЛОВНЕ\n=======\n" in text
    assert "Відписатися: -unsubscribe_url-" in text and "Відкрити в браузері: " + WEB_URL in text
    for english in ("TOP STORY", "Unsubscribe", "min read", "Also in", "View in your browser"):
        assert english not in text, english


def test_an_english_edition_keeps_its_english_words(renderer: Renderer) -> None:
    rendered = renderer.render(content("en"), edition_id=7, web_url=WEB_URL)
    assert '<html lang="en"' in rendered.html
    assert "Unsubscribe" in rendered.html and "Also in:" in rendered.html and "4 stories" in rendered.html
    assert "Wednesday, 5 March 2025" in rendered.html
    assert "TOP STORY\n=========\n" in rendered.text
    assert "Відписатися" not in rendered.html + rendered.text


def test_the_ukrainian_story_count_takes_the_right_plural_form(renderer: Renderer) -> None:
    counts = {1: "1 матеріал", 3: "3 матеріали", 5: "5 матеріалів", 11: "11 матеріалів", 21: "21 матеріал"}
    for shown, words in counts.items():
        html = renderer.render(content("uk", shown - 1), edition_id=7, web_url=WEB_URL).html
        assert f"{words} &middot;" in html or f"{words} ·" in html, words


def test_the_telegram_digest_of_a_ukrainian_list_is_in_ukrainian(renderer: Renderer) -> None:
    rendered = renderer.render(content("uk"), edition_id=7, web_url=WEB_URL)
    telegram = "\n".join(rendered.telegram)
    assert long_date(NOW, "uk") == "5 березня 2025\u202fр." and long_date(NOW, "uk") in telegram
    assert "Читати весь випуск" in telegram and "Також у:" in telegram and "хв читання" in telegram
    assert [label for label, _ in rendered.telegram_buttons] == ["Читати все", "Обрати теми"]
    keyboard = inline_keyboard(rendered, "12345")
    assert keyboard and keyboard["inline_keyboard"][-1][0]["text"] == "Відписатися"
    for english in ("Read the full edition", "Also in", "min read", "March"):
        assert english not in telegram, english


def test_the_english_telegram_digest_is_unchanged(renderer: Renderer) -> None:
    rendered = renderer.render(content("en"), edition_id=7, web_url=WEB_URL)
    telegram = "\n".join(rendered.telegram)
    assert "5 March 2025" in telegram and "Read the full edition" in telegram and "Also in:" in telegram
    assert [label for label, _ in rendered.telegram_buttons] == ["Read all", "Manage topics"]


def test_the_subject_date_follows_the_language() -> None:
    fmt = "{list}, {date}: {top}"
    uk = Renderer(replace(BRANDING, subject_format=fmt)).render(content("uk"), edition_id=7, web_url=WEB_URL)
    en = Renderer(replace(BRANDING, subject_format=fmt)).render(content("en"), edition_id=7, web_url=WEB_URL)
    assert uk.subject == "Morning briefing, 5 березня: Headline 0"
    assert en.subject == "Morning briefing, 5 March: Headline 0"


def test_a_language_without_a_catalog_falls_back_to_english(renderer: Renderer) -> None:
    html = renderer.render(content("xx"), edition_id=7, web_url=WEB_URL).html
    assert '<html lang="en"' in html and "Unsubscribe" in html


def test_one_environment_per_language_is_made_once(renderer: Renderer) -> None:
    assert renderer.env_for("uk") is renderer.env_for("uk")
    assert renderer.env_for("en") is renderer.env
    assert renderer.env_for("uk") is not renderer.env
