"""Conversations with the bot as `digest bot` runs it by default: polling the (fake) Bot API."""

from __future__ import annotations

from sqlalchemy import func, select

from digest import config, pipeline
from digest.bot import keyboards as kb
from digest.i18n import translate
from digest.models import SubscriberStatus
from digest.store.db import transaction
from digest.store.tables import deliveries, lists
from tests.bot.conftest import (
    CHAT,
    PollingBot,
    add_news,
    add_reader,
    button,
    keyboard,
    message,
    subscriber,
    wait_until,
)
from tests.fakes.telegram_server import FakeTelegram, SentMessage
from tests.tracked_links import with_destinations


def list_ids(settings: config.Settings) -> dict[str, int]:
    with transaction(settings.database_url) as conn:
        return {name: pk for pk, name in conn.execute(select(lists.c.id, lists.c.name))}


def test_it_sets_the_command_menu_and_drops_any_webhook_when_it_starts(
    polling: PollingBot, fake: FakeTelegram
) -> None:
    assert [c["command"] for c in fake.commands] == ["start", "topics", "time", "last", "stop", "help"]
    assert fake.webhook is None
    assert any(r.method == "deleteWebhook" for r in fake.requests)


def test_the_command_menu_is_also_set_in_ukrainian_for_ukrainian_apps(
    polling: PollingBot, fake: FakeTelegram
) -> None:
    assert set(fake.command_menus) == {"", "uk"}
    english, ukrainian = fake.command_menus[""], fake.command_menus["uk"]
    assert [c["command"] for c in ukrainian] == [c["command"] for c in english]
    assert english[0]["description"] == "Subscribe to a digest"
    assert ukrainian[0]["description"] == translate("uk", "Subscribe to a digest") != "Subscribe to a digest"
    assert all(u["description"] != e["description"] for u, e in zip(ukrainian, english, strict=True))


def test_start_alone_offers_the_lists_and_a_tap_subscribes_the_chat(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    ids = list_ids(settings)
    assert polling.send(message("/start")) < 1.0
    offer = fake.messages_for(str(CHAT))[-1]
    assert "Which digest" in (offer.text or "")
    assert keyboard(offer.reply_markup) == [
        [("Morning Digest", f"join:{ids['daily']}")],
        [("Breaking News (breaking news)", f"join:{ids['breaking']}")],
    ]

    assert polling.send(button(f"join:{ids['daily']}"), reactions_expected=2) < 1.0
    assert fake.answers[-1]["text"] == "Subscribed"
    assert "You are subscribed to Morning Digest" in (fake.edits[-1].text or "")
    assert "07:00, Europe/Kyiv time" in (fake.edits[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None
    assert (sub.name, sub.lists, sub.status, sub.timezone) == (
        "Olena",
        ("daily",),
        SubscriberStatus.ACTIVE,
        "Europe/Kyiv",
    )


def test_a_deep_link_subscribes_to_the_list_it_names(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    assert polling.send(message("/start breaking")) < 1.0
    assert "subscribed to Breaking News" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None and sub.lists == ("breaking",)


def test_an_unknown_deep_link_asks_which_list(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    polling.send(message("/start weekly-sports"))
    reply = fake.messages_for(str(CHAT))[-1]
    assert "no list called “weekly-sports”" in (reply.text or "")
    assert len(keyboard(reply.reply_markup)) == 2
    assert subscriber(settings) is None


def test_start_topics_subscribes_to_the_daily_digest_and_opens_the_topics_keyboard(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    assert polling.send(message("/start topics"), reactions_expected=2) < 1.0
    welcome, topics = fake.messages_for(str(CHAT))[-2:]
    assert "subscribed to Morning Digest" in (welcome.text or "")
    assert [label for row in keyboard(topics.reply_markup) for label, _ in row] == [
        "Analysis",
        "Culture",
        "News",
        "Video",
    ]
    sub = subscriber(settings)
    assert sub is not None and sub.lists == ("daily",)


def test_topics_toggle_on_and_off_and_are_saved(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",))
    add_news(settings, {"sport": ["Cup final tonight"]})
    assert polling.send(message("/topics")) < 1.0
    data = [d for row in keyboard(fake.messages_for(str(CHAT))[-1].reply_markup) for _, d in row]
    assert data == ["topic:analysis", "topic:culture", "topic:news", "topic:sport", "topic:video"]

    for topic in ("sport", "culture"):
        assert polling.send(button(f"topic:{topic}"), reactions_expected=2) < 1.0
    labels = [label for row in keyboard(fake.edits[-1].reply_markup) for label, _ in row]
    assert labels == ["Analysis", "✅ Culture", "News", "✅ Sport", "Video"]
    sub = subscriber(settings)
    assert sub is not None and sub.topics == ("culture", "sport")

    polling.send(button("topic:sport"), reactions_expected=2)
    sub = subscriber(settings)
    assert sub is not None and sub.topics == ("culture",)


def test_a_forged_topic_is_refused(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",))
    polling.send(button("topic:<b>spam</b>"))
    assert fake.answers[-1]["show_alert"] is True
    assert "not a topic" in fake.answers[-1]["text"]
    sub = subscriber(settings)
    assert sub is not None and sub.topics == ()


def test_time_saves_the_send_hour_then_the_zone(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",), timezone="UTC", send_hour=7)
    assert polling.send(message("/time")) < 1.0
    hours = keyboard(fake.messages_for(str(CHAT))[-1].reply_markup)
    assert [len(row) for row in hours] == [6, 6, 6, 6]
    assert hours[1][1] == ("• 07:00", "hour:7")

    assert polling.send(button("hour:6"), reactions_expected=2) < 1.0
    zones = [d for row in keyboard(fake.edits[-1].reply_markup) for _, d in row]
    assert zones[0] == "zone:Europe/Kyiv" and zones[-1] == f"zone:{kb.OTHER_ZONE}"
    assert polling.send(button("zone:Europe/Kyiv"), reactions_expected=2) < 1.0
    assert fake.edits[-1].text == "Saved: the digest comes at 06:00, Europe/Kyiv time."
    sub = subscriber(settings)
    assert sub is not None and (sub.send_hour, sub.timezone) == (6, "Europe/Kyiv")


def test_another_zone_is_typed_as_text_and_checked(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",), timezone="UTC")
    polling.send(button(f"zone:{kb.OTHER_ZONE}"), reactions_expected=2)
    assert "Send me your time zone as text" in (fake.edits[-1].text or "")

    assert polling.send(message("Mars/Olympus")) < 1.0
    assert "I don't know the time zone “Mars/Olympus”" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None and sub.timezone == "UTC"

    assert polling.send(message("america/chicago")) < 1.0
    assert "America/Chicago time" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None and sub.timezone == "America/Chicago"


def test_stop_unsubscribes_from_every_list_and_keeps_the_row(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily", "breaking"), topics=("news",))
    assert polling.send(message("/stop")) < 1.0
    assert "You are unsubscribed" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None
    assert (sub.status, sub.lists, sub.topics) == (SubscriberStatus.UNSUBSCRIBED, (), ("news",))


def test_the_unsubscribe_button_under_a_digest_unsubscribes_the_chat(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, lists=("daily",))
    assert polling.send(button(kb.UNSUBSCRIBE, message_id=77), reactions_expected=2) < 1.0
    assert fake.answers[-1]["text"] == "You are unsubscribed"
    assert "Send /start to come back" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None and (sub.status, sub.lists) == (SubscriberStatus.UNSUBSCRIBED, ())


def test_the_unsubscribe_button_in_a_group_does_not_unsubscribe_the_group(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, chat=-100500, lists=("daily",))
    polling.send(button(kb.UNSUBSCRIBE, chat=-100500))
    assert fake.answers[-1]["show_alert"] is True
    sub = subscriber(settings, -100500)
    assert sub is not None and sub.status is SubscriberStatus.ACTIVE


def test_commands_in_a_group_point_to_a_private_chat(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    polling.send(message("/start", chat=-100500))
    assert "private chat" in (fake.messages_for("-100500")[-1].text or "")
    assert subscriber(settings, -100500) is None


def test_preferences_before_start_say_how_to_subscribe(polling: PollingBot, fake: FakeTelegram) -> None:
    for command in ("/topics", "/time", "/last"):
        assert polling.send(message(command)) < 1.0
        assert (
            fake.messages_for(str(CHAT))[-1].text == "You are not subscribed yet: send /start to subscribe."
        )


def ledger_rows(settings: config.Settings) -> int:
    with transaction(settings.database_url) as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


def digest_sent(polling: PollingBot, chat: int) -> list[SentMessage]:
    """/last from the chat; its messages once the last one (with the buttons) is in."""
    assert polling.send(message("/last", chat=chat)) < 1.0
    wait_until(lambda: polling.fake.messages_for(str(chat))[-1].reply_markup is not None)
    return polling.fake.messages_for(str(chat))


# Each test has its own chat: the per-chat rate limit of the channel outlives a test.


def test_last_resends_the_latest_edition_without_a_delivery_in_the_ledger(
    polling: PollingBot, settings: config.Settings
) -> None:
    add_reader(settings, chat=5001, lists=("daily",))
    add_news(settings, {"news": ["Parliament approves winter budget", "Night trains return to Odesa"]})
    plan = pipeline.plan_send("daily", settings, manual=True)
    assert plan.edition_id is not None
    rows = ledger_rows(settings)

    sent = digest_sent(polling, 5001)
    assert all(m.parse_mode == "HTML" for m in sent)
    assert "Parliament approves winter budget" in "".join(m.text or "" for m in sent)
    assert keyboard(sent[-1].reply_markup)[-1] == [("Unsubscribe", kb.UNSUBSCRIBE)]
    assert ledger_rows(settings) == rows


def test_last_composes_the_whole_edition_when_every_reader_had_topics(
    polling: PollingBot, settings: config.Settings
) -> None:
    add_reader(settings, chat=5002, lists=("daily",), topics=("culture",))
    add_news(
        settings, {"news": ["Parliament approves winter budget"], "culture": ["Opera lit by generators"]}
    )
    assert pipeline.plan_send("daily", settings, manual=True).edition_id is not None

    sent = "".join(m.text or "" for m in digest_sent(polling, 5002))
    text = with_destinations(sent, settings.signing_key())
    assert "wire.example.org/culture/0" in text
    assert "wire.example.org/news/0" in text  # the whole edition, not the reader's topics


def test_last_says_so_when_there_is_no_edition_yet(
    polling: PollingBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    add_reader(settings, chat=5003, lists=("daily",))
    polling.send(message("/last", chat=5003))
    assert fake.messages_for("5003")[-1].text == "There is no digest for your lists yet."
