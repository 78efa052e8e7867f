"""May the bot post in a chat? Asked of the (local) Bot API with getChat and getChatMember,
answered in an editor's words; and attaching a channel to a list saves it only when it may."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.channels.telegram_rights import ChannelCheckFailed, check_can_post
from digest.pipeline import list_channels
from digest.pipeline.feeds import InvalidFeed
from digest.store import subscribers as subscriber_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram


def test_a_channel_where_the_bot_is_an_admin_allowed_to_post_passes(fake: FakeTelegram) -> None:
    rights = check_can_post(fake.token, fake.base_url, "@city_news")
    assert (rights.chat_id, rights.kind, rights.status) == ("@city_news", "channel", "administrator")
    assert rights.title == "City News"
    asked = [r.method.lower() for r in fake.requests]
    assert asked == ["getme", "getchat", "getchatmember"]


@pytest.mark.parametrize(
    ("chat", "member", "said"),
    [
        ("@city_news", {"status": "left"}, "the bot is not an admin of @city_news"),
        ("@city_news", {"status": "member"}, "the bot is not an admin of @city_news"),
        ("@city_news", {"status": "kicked"}, "the bot was removed from @city_news"),
        (
            "@city_news",
            {"status": "administrator", "can_post_messages": False},
            "the bot is an admin of @city_news but may not post there (give it “Post messages”)",
        ),
        ("-1001234", {"status": "left"}, "the bot is not a member of -1001234"),
        (
            "-1001234",
            {"status": "restricted", "can_send_messages": False},
            "the bot may not send messages in -1001234 (it is muted there)",
        ),
    ],
    ids=["left", "only-a-member", "kicked", "admin-without-posting", "group-left", "group-muted"],
)
def test_a_chat_the_bot_may_not_post_in_is_refused_in_words(
    fake: FakeTelegram, chat: str, member: dict[str, object], said: str
) -> None:
    fake.set_member(chat, **member)  # type: ignore[arg-type]
    with pytest.raises(ChannelCheckFailed) as caught:
        check_can_post(fake.token, fake.base_url, chat)
    assert caught.value.reason == said


@pytest.mark.parametrize(
    "status",
    ["creator", "member"],
)
def test_the_creator_of_a_channel_and_a_member_of_a_group_may_post(fake: FakeTelegram, status: str) -> None:
    chat = "@city_news" if status == "creator" else "-1001234"
    fake.set_member(chat, status)
    assert check_can_post(fake.token, fake.base_url, chat).status == status


def test_telegrams_own_refusals_become_sentences(fake: FakeTelegram) -> None:
    fake.forget("@nobody_here")
    fake.block("@closed_room", "Forbidden: bot was kicked from the channel chat")
    reasons = []
    asked = [(fake.token, "@nobody_here"), (fake.token, "@closed_room"), ("1:wrong", "@city_news")]
    for token, chat in asked:
        with pytest.raises(ChannelCheckFailed) as caught:
            check_can_post(token, fake.base_url, chat)
        reasons.append(caught.value.reason)
    assert reasons[0].startswith("no such chat: @nobody_here")
    kicked = "Forbidden: bot was kicked from the channel chat"
    assert reasons[1] == f"Telegram refuses the bot in @closed_room ({kicked})"
    assert reasons[2] == "Telegram refused the bot token (check DIGEST_TELEGRAM_BOT_TOKEN)"
    assert "wrong" not in " ".join(reasons)


def test_without_a_bot_token_nothing_is_asked(fake: FakeTelegram) -> None:
    with pytest.raises(ChannelCheckFailed, match="no Telegram bot is configured"):
        check_can_post(None, fake.base_url, "@city_news")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("typed", "chat"),
    [
        ("@city_news", "@city_news"),
        ("city_news", "@city_news"),
        ("https://t.me/city_news", "@city_news"),
        (" -1001234 ", "-1001234"),
    ],
)
def test_an_editor_may_type_a_name_a_link_or_an_id(typed: str, chat: str) -> None:
    assert list_channels.chat_id_from(typed) == chat


@pytest.mark.parametrize("typed", ["", "@ab", "4242", "https://example.org/city_news", "<b>x</b>"])
def test_what_is_not_a_channel_is_refused_before_telegram_is_asked(typed: str) -> None:
    with pytest.raises(InvalidFeed) as caught:
        list_channels.chat_id_from(typed)
    assert caught.value.field == "Telegram channel"


def test_attaching_saves_the_channel_on_the_list_only_when_the_bot_may_post(
    fake: FakeTelegram, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        db_url, tmp_path, TELEGRAM_BOT_TOKEN=fake.token, DIGEST_TELEGRAM_API_URL=fake.base_url
    )
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", datetime.now(UTC), "The Morning Briefing")
    fake.set_member("@not_yet", "member")
    with pytest.raises(ChannelCheckFailed):
        list_channels.attach_channel(settings, "daily", "@not_yet", "ada@example.org")
    assert list_channels.attached_channels(settings, "daily") == []
    list_channels.attach_channel(settings, "daily", "t.me/city_news", "ada@example.org")
    attached = list_channels.attached_channels(settings, "daily")
    assert attached == [list_channels.AttachedChannel("@city_news", True)]
    with transaction(settings.database_url) as conn:
        channel = subscriber_store.find(conn, chat_id="@city_news")
        logged = [e for e in audit_entries(conn) if e.action == "list.channel"]
    assert channel is not None and channel.lists == ("daily",) and channel.attributes == {"kind": "channel"}
    said = [(e.actor, e.target, e.details["chat"]) for e in logged]
    assert said == [("ada@example.org", "daily", "@city_news")]
    with pytest.raises(InvalidFeed, match="no list"):
        list_channels.attach_channel(settings, "nowhere", "@city_news", "ada@example.org")
