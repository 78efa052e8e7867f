"""Attach a Telegram channel (or group) to a list, from the desk or the CLI, once the Bot
API says the bot may post there; detach it from the desk.

The channel is stored as a
subscriber of the list with ``attributes.kind = "channel"``, so the ledger covers it like
any reader (one post per edition, never twice) and a ban unsubscribes it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest import schedule
from digest.channels.telegram_rights import ChannelCheckFailed, PostingRights, check_can_post
from digest.config import Settings
from digest.models import Subscriber, SubscriberChange, SubscriberStatus
from digest.pipeline import roster
from digest.pipeline.feeds import InvalidFeed
from digest.store import audit as audit_store
from digest.store import list_channels as channel_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.textcheck import InvalidText, check_list_name, check_text

__all__ = [
    "AttachedChannel",
    "ChannelCheckFailed",
    "ChannelSchedule",
    "InvalidFeed",
    "NewList",
    "attach_channel",
    "attached_channels",
    "chat_id_from",
    "create_list_with_channel",
    "detach_channel",
]

# @name (5 to 32 characters), or a group's or channel's negative id (-100… for channels).
_CHAT = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-\d{1,20}")
_LINK = re.compile(r"(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?")
Checker = Callable[[str | None, str, str], PostingRights]


@dataclass(frozen=True, slots=True)
class AttachedChannel:
    chat_id: str
    active: bool  # False once the channel refused the bot (kicked) and was unsubscribed


def chat_id_from(text: str) -> str:
    """``@name`` or ``-100…`` from what an editor typed (``name``, ``t.me/name`` too);
    InvalidFeed saying why otherwise."""
    given = text.strip()
    link = _LINK.fullmatch(given)
    chat = f"@{link.group(1)}" if link else (given if given.startswith(("@", "-")) else f"@{given}")
    if not _CHAT.fullmatch(chat):
        raise InvalidFeed(
            "Telegram channel", f"{given!r} is not a channel: give its @name, t.me link or -100… id"
        )
    return chat


def attach_channel(
    settings: Settings, list_name: str, text: str, actor: str, check: Checker = check_can_post
) -> PostingRights:
    """Check with Telegram that the bot may post in the chat, then attach it to the list.

    Raises InvalidFeed (no such list, not a chat id) or ChannelCheckFailed (Telegram's
    answer, in words); nothing is saved then."""
    chat = chat_id_from(text)
    with transaction(settings.database_url) as conn:
        if subscriber_store.list_id(conn, list_name) is None:
            raise InvalidFeed("list", f"there is no list {list_name!r}")
    rights = check(settings.telegram_bot_token, settings.telegram_api_url, chat)
    with transaction(settings.database_url) as conn:
        _save_channel(conn, list_name, rights, actor, "desk")
    return rights


@dataclass(frozen=True, slots=True)
class NewList:
    name: str
    title: str = ""
    kind: str = ""  # "" (the list rule's default) or "breaking"


@dataclass(frozen=True, slots=True)
class ChannelSchedule:
    """When a channel attached from the CLI gets its post (``--timezone``, ``--send-hour``)."""

    timezone: str = "UTC"
    send_hour: int = 7


def create_list_with_channel(
    settings: Settings,
    new_list: NewList,
    text: str,
    when: ChannelSchedule,
    check: Checker = check_can_post,
) -> tuple[str, PostingRights]:
    """The CLI's ``digest lists add NAME --telegram-channel``: every value is checked and
    Telegram is asked whether the bot may post there before anything is saved; then the list
    and its channel are saved together. (The list's name, the rights.)

    Raises InvalidListName, InvalidFeed (not a chat id, a bad zone or hour) or
    ChannelCheckFailed (Telegram's answer, in words); nothing is saved then."""
    try:  # the list rule of roster.create_list, before Telegram is asked
        check_list_name(new_list.name)
        check_text("title", new_list.title, max_length=200)
    except InvalidText as exc:
        raise roster.InvalidListName(str(exc)) from None
    chat = chat_id_from(text)
    try:
        schedule.zone(when.timezone)
    except ValueError as exc:
        raise InvalidFeed("timezone", str(exc)) from None
    if not 0 <= when.send_hour <= 23:
        raise InvalidFeed("send hour", f"{when.send_hour} is not an hour from 0 to 23")
    rights = check(settings.telegram_bot_token, settings.telegram_api_url, chat)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        name = roster.create_list_in(conn, new_list.name, now, new_list.title, new_list.kind)
        _save_channel(conn, name, rights, "cli", "CLI", when)
    return name, rights


def _save_channel(
    conn: Connection,
    list_name: str,
    rights: PostingRights,
    actor: str,
    source: str,
    when: ChannelSchedule | None = None,
) -> None:
    now = datetime.now(UTC)
    timing = when or ChannelSchedule()  # the defaults only reach a new row: see ``given``
    channel = Subscriber(
        telegram_chat_id=rights.chat_id,
        name=f"{list_name} channel",
        lists=(list_name,),
        status=SubscriberStatus.ACTIVE,
        attributes={"kind": "channel"},
        timezone=timing.timezone,
        send_hour=timing.send_hour,
    )
    # An existing row (a channel of another list, or one unsubscribed after a ban) joins this
    # list and is active again: Telegram has just said the bot may post there.
    given = {"lists", "status", "attributes"} | ({"timezone", "send_hour"} if when else set())
    change = SubscriberChange(channel, frozenset(given))
    roster.save_in(conn, [change], now, create_lists=False, signed_up=source)
    details = {"chat": rights.chat_id, "title": rights.title, "bot": rights.status}
    audit_store.audit(conn, actor, "list.channel", list_name, details, now)


def detach_channel(settings: Settings, list_name: str, chat_id: str, actor: str) -> None:
    """Stop posting the list's editions to this channel (audited). The channel's other lists
    and its past deliveries stay. Raises InvalidFeed: no such list, or not attached to it."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        if subscriber_store.list_id(conn, list_name) is None:
            raise InvalidFeed("list", f"there is no list {list_name!r}")
        if chat_id not in {chat for chat, _ in channel_store.attached(conn, list_name)}:
            raise InvalidFeed("Telegram channel", f"{chat_id!r} is not attached to {list_name!r}")
        channel_store.detach(conn, list_name, chat_id)
        audit_store.audit(conn, actor, "list.channel.detach", list_name, {"chat": chat_id}, now)


def attached_channels(settings: Settings, list_name: str) -> list[AttachedChannel]:
    with transaction(settings.database_url) as conn:
        found = channel_store.attached(conn, list_name)
    return [AttachedChannel(chat, status == str(SubscriberStatus.ACTIVE)) for chat, status in found]
