"""Attach a Telegram channel (or group) to a list from the desk, once the Bot API says the
bot may post there.

The channel is stored as the CLI's ``digest lists add --telegram-channel`` stores it: a
subscriber of the list with ``attributes.kind = "channel"``, so the ledger covers it like
any reader (one post per edition, never twice) and a ban unsubscribes it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.channels.telegram_rights import ChannelCheckFailed, PostingRights, check_can_post
from digest.config import Settings
from digest.models import Subscriber, SubscriberChange, SubscriberStatus
from digest.pipeline import roster
from digest.pipeline.feeds import InvalidFeed
from digest.store import audit as audit_store
from digest.store import list_channels as channel_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

__all__ = ["AttachedChannel", "ChannelCheckFailed", "attach_channel", "attached_channels", "chat_id_from"]

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
    now = datetime.now(UTC)
    channel = Subscriber(
        telegram_chat_id=chat,
        name=f"{list_name} channel",
        lists=(list_name,),
        status=SubscriberStatus.ACTIVE,
        attributes={"kind": "channel"},
    )
    # An existing row (a channel of another list, or one unsubscribed after a ban) joins this
    # list and is active again: Telegram has just said the bot may post there.
    change = SubscriberChange(channel, frozenset({"lists", "status", "attributes"}))
    with transaction(settings.database_url) as conn:
        roster.save_in(conn, [change], now, create_lists=False, signed_up="desk")
        details = {"chat": chat, "title": rights.title, "bot": rights.status}
        audit_store.audit(conn, actor, "list.channel", list_name, details, now)
    return rights


def attached_channels(settings: Settings, list_name: str) -> list[AttachedChannel]:
    with transaction(settings.database_url) as conn:
        found = channel_store.attached(conn, list_name)
    return [AttachedChannel(chat, status == str(SubscriberStatus.ACTIVE)) for chat, status in found]
