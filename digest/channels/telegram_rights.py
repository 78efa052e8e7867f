"""May the bot post in this Telegram chat? Asked of the Bot API before a channel is attached
to a list, so an editor hears "the bot is not an admin of @channel" now, not after a send.

Two calls through python-telegram-bot, against the configured API base URL: ``getChat``
(does the chat exist, and is it a channel or a group?) and ``getChatMember`` for the bot's
own id (``Bot.initialize`` asks ``getMe`` for it). A channel takes posts from its creator or
from an administrator with ``can_post_messages``; a group from any member the group has not
muted. Every refusal is a ``ChannelCheckFailed`` whose message is the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, ChatFullInfo, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram import error as tg
from telegram.constants import ChatMemberStatus, ChatType
from telegram.request import HTTPXRequest

from digest import logs
from digest.channels.telegram import run_sync
from digest.errors import ChannelCheckFailed

__all__ = ["ChannelCheckFailed", "PostingRights", "check_can_post"]

TIMEOUT = 10.0  # seconds per call: an editor is waiting for the page


@dataclass(frozen=True, slots=True)
class PostingRights:
    chat_id: str  # as the editor gave it: what the sends will use
    title: str
    kind: str  # "channel", "group" or "supergroup"
    status: str  # the bot's: "creator", "administrator", "member"


def check_can_post(token: str | None, api_url: str, chat_id: str) -> PostingRights:
    """The chat and the bot's standing in it if the bot may post there; else ChannelCheckFailed."""
    if not token:
        raise ChannelCheckFailed(
            chat_id, "no Telegram bot is configured (TELEGRAM_BOT_TOKEN), so nothing can be checked"
        )
    logs.protect(token)  # httpx and python-telegram-bot put it in request URLs
    try:
        chat, member = run_sync(_ask(token, api_url, chat_id), TIMEOUT)
    except tg.TelegramError as exc:
        raise _refusal(exc, chat_id) from exc
    return _judge(chat_id, chat, member)


async def _ask(token: str, api_url: str, chat_id: str) -> tuple[ChatFullInfo, ChatMember]:
    request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, write_timeout=TIMEOUT)
    async with Bot(token, base_url=api_url, request=request) as bot:  # getMe: the bot's own id
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    return chat, member


def _judge(chat_id: str, chat: ChatFullInfo, member: ChatMember) -> PostingRights:
    status = member.status
    if chat.type == ChatType.PRIVATE:
        raise ChannelCheckFailed(chat_id, f"{chat_id} is a person's chat, not a channel or group")
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        where = "an admin" if chat.type == ChatType.CHANNEL else "a member"
        gone = "was removed from" if status == ChatMemberStatus.BANNED else f"is not {where} of"
        raise ChannelCheckFailed(chat_id, f"the bot {gone} {chat_id}")
    if chat.type == ChatType.CHANNEL:
        if status == ChatMemberStatus.ADMINISTRATOR and not (
            isinstance(member, ChatMemberAdministrator) and member.can_post_messages
        ):
            raise ChannelCheckFailed(
                chat_id, f"the bot is an admin of {chat_id} but may not post there (give it “Post messages”)"
            )
        if status not in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR):
            raise ChannelCheckFailed(chat_id, f"the bot is not an admin of {chat_id}")
    elif isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        raise ChannelCheckFailed(chat_id, f"the bot may not send messages in {chat_id} (it is muted there)")
    title = chat.title or chat.username or chat_id
    return PostingRights(chat_id, title, str(chat.type), str(status))


def _refusal(exc: tg.TelegramError, chat_id: str) -> ChannelCheckFailed:
    """Telegram's answer in an editor's words (the one place its errors are read here)."""
    said = logs.redact(exc.message)
    if isinstance(exc, tg.InvalidToken):
        return ChannelCheckFailed(chat_id, "Telegram refused the bot token (check DIGEST_TELEGRAM_BOT_TOKEN)")
    if isinstance(exc, tg.ChatMigrated):
        return ChannelCheckFailed(
            chat_id, f"{chat_id} became a supergroup: attach its new id {exc.new_chat_id} instead"
        )
    if isinstance(exc, tg.Forbidden):
        return ChannelCheckFailed(chat_id, f"Telegram refuses the bot in {chat_id} ({said})")
    if isinstance(exc, tg.BadRequest) and "not found" in said.lower():
        return ChannelCheckFailed(
            chat_id,
            f"no such chat: {chat_id} (check the @name; a private channel needs the bot added first)",
        )
    if isinstance(exc, tg.BadRequest):
        return ChannelCheckFailed(chat_id, f"Telegram did not accept {chat_id}: {said}")
    return ChannelCheckFailed(chat_id, f"Telegram could not be asked just now ({said}); try again")
