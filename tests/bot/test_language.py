"""The bot speaks the chat's language: its list's (Ukrainian here), for replies, buttons,
refusals and help — polling the fake Bot API."""

from __future__ import annotations

from digest import config
from digest.store import languages as language_store
from digest.store.db import transaction
from tests.bot.conftest import CHAT, PollingBot, add_reader, button, keyboard, message
from tests.fakes.telegram_server import FakeTelegram


def ukrainian(settings: config.Settings, *names: str) -> None:
    with transaction(settings.database_url) as conn:
        for name in names:
            language_store.set_language(conn, name, "uk")


def last_text(fake: FakeTelegram) -> str:
    return fake.messages_for(str(CHAT))[-1].text or ""


def test_a_ukrainian_lists_chat_is_answered_in_ukrainian(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    ukrainian(settings, "daily")
    polling.send(message("/start daily"))
    assert "Ви підписалися на «Morning Digest»." in last_text(fake)
    assert "07:00 за часом Europe/Kyiv" in last_text(fake)

    polling.send(message("/help"))
    assert "/topics — Обрати теми" in last_text(fake) and "Choose" not in last_text(fake)

    polling.send(message("Mars/Olympus"))
    assert "Я не знаю часового поясу «Mars/Olympus»." in last_text(fake)

    polling.send(message("/stop"))
    assert last_text(fake).startswith("Ви відписалися")


def test_buttons_and_refusals_speak_the_lists_language(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",))
    ukrainian(settings, "daily")
    polling.send(message("/time"))
    assert "Оберіть годину" in last_text(fake)
    polling.send(button("hour:6"), reactions_expected=2)
    assert fake.edits[-1].text == "Дайджест приходитиме о 06:00. Тепер ваш часовий пояс (зараз UTC):"
    assert keyboard(fake.edits[-1].reply_markup)[-1] == [("Інший пояс: введіть його", "zone:other")]

    polling.send(button("hour:x"))
    assert fake.answers[-1]["text"] == "Оберіть годину від 0 до 23."

    polling.send(button("topic:astrology"))
    assert fake.answers[-1]["text"] == "«astrology» — не тема."


def test_the_topic_buttons_name_known_topics_in_the_lists_language(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",))
    ukrainian(settings, "daily")
    polling.send(message("/topics"))
    buttons = dict(
        (value, label)
        for row in keyboard(fake.messages_for(str(CHAT))[-1].reply_markup)
        for label, value in row
    )
    assert buttons["topic:news"] == "Новини" and buttons["topic:culture"] == "Культура"
    polling.send(button("topic:news"), reactions_expected=2)
    ticked = dict((value, label) for row in keyboard(fake.edits[-1].reply_markup) for label, value in row)
    assert ticked["topic:news"] == "✅ Новини" and ticked["topic:video"] == "Відео"


def test_an_english_lists_chat_keeps_english(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    polling.send(message("/start daily"))
    assert "You are subscribed to Morning Digest." in last_text(fake)
    polling.send(message("/help"))
    assert "/topics — Choose your topics" in last_text(fake)
