"""The bot's handlers: read the update, run a use case of ``digest.pipeline.bot``, reply.

Every use case touches the database, so it runs in a worker thread (``asyncio.to_thread``):
the event loop keeps answering other chats meanwhile. Expected refusals (not subscribed
yet, a value that is not acceptable) become a reply in ``on_error``; anything else is
logged with the bot token scrubbed and the reader gets an apology.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from telegram import Message, Update
from telegram import error as tg
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes

from digest import logs
from digest.bot import keyboards as kb
from digest.channels.telegram import TelegramChannel
from digest.config import Settings
from digest.i18n import N_, translate
from digest.models import Subscriber
from digest.pipeline import bot as cases
from digest.pipeline.planning import UnknownList
from digest.pipeline.subscriptions import InvalidInput
from digest.sentence import as_sentence

__all__ = ["Handlers"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

TOPICS_PAYLOAD = "topics"  # t.me/<bot>?start=topics
# English msgids; each reply is said in the chat's language (its list's: ``cases.chat_language``).
NOT_YET = N_("You are not subscribed yet: send /start to subscribe.")
STOPPED = N_("You are unsubscribed: no more digests from me. Send /start to come back.")
PRIVATE_ONLY = N_("Write to me in a private chat to manage your own subscription.")
TOPICS = N_(
    "Tap a topic to add or remove it; changes are saved at once. With none chosen, you get every topic."
)
ASK_ZONE = N_("Send me your time zone as text, for example Europe/Warsaw or America/Chicago.")
SORRY = N_("Sorry, something went wrong on our side. Please try again in a minute.")


def _help(language: str) -> str:
    return "\n".join(f"/{c.command} — {translate(language, c.description)}" for c in kb.COMMANDS)


def _when(sub: Subscriber, language: str) -> str:
    return translate(language, "%(hour)s, %(zone)s time", hour=f"{sub.send_hour:02d}:00", zone=sub.timezone)


def _saved(sub: Subscriber, language: str) -> str:
    return translate(language, "Saved: the digest comes at %(when)s.", when=_when(sub, language))


def _subscribed(done: cases.Subscribed, language: str) -> str:
    lead = (
        translate(language, "You are subscribed to %(title)s.", title=done.joined.title)
        if done.joined
        else translate(language, "You are subscribed.")
    )
    rest = translate(
        language,
        "The digest comes at %(when)s.\n"
        "/topics chooses topics, /time the hour, /last sends the latest digest, /stop unsubscribes.",
        when=_when(done.subscriber, language),
    )
    return f"{lead} {rest}"


class Handlers:
    """The callbacks the application registers, bound to one settings object."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._channel: TelegramChannel | None = None

    def _telegram(self) -> TelegramChannel:
        """The channel /last sends through, made on first use (the digests' rate limits apply)."""
        if self._channel is None:
            self._channel = TelegramChannel.from_settings(self.settings)
        return self._channel

    async def close(self, _: Application[Any, Any, Any, Any, Any, Any] | None = None) -> None:
        if self._channel is not None:
            await asyncio.to_thread(self._channel.close)

    async def _db(self, use_case: Callable[Concatenate[Settings, P], T], *args: P.args, **kw: P.kwargs) -> T:
        return await asyncio.to_thread(use_case, self.settings, *args, **kw)

    async def _language(self, update: object) -> str:
        """What the bot speaks in this chat: its list's language (``cases.chat_language``)."""
        chat = update.effective_chat if isinstance(update, Update) else None
        return await self._db(cases.chat_language, str(chat.id)) if chat else "en"

    # --- commands ---------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        payload = context.args[0].strip().lower() if context.args else ""
        language = await self._language(update)
        if not payload:
            welcome = translate(language, "Welcome! Which digest would you like?")
            await self._ask_list(message, welcome, language)
            return
        list_name = None if payload == TOPICS_PAYLOAD else payload
        first_name = user.first_name if user else ""
        try:
            done = await self._db(cases.subscribe, str(chat.id), first_name, list_name)
        except UnknownList:
            text = translate(
                language, "There is no list called “%(name)s”. Which one would you like?", name=payload[:64]
            )
            await self._ask_list(message, text, language)
            return
        if done.joined is not None:
            await message.reply_text(_subscribed(done, await self._language(update)))
        if payload == TOPICS_PAYLOAD:
            await self.topics(update, context)

    async def _ask_list(self, message: Message, text: str, language: str) -> None:
        choices = await self._db(cases.list_choices)
        if not choices:
            closed = translate(language, "Subscriptions are not open yet. Please come back later.")
            await message.reply_text(closed)
            return
        await message.reply_text(text, reply_markup=kb.lists_keyboard(choices, language))

    async def stop(self, update: Update, context: Context) -> None:
        if update.effective_message and update.effective_chat:
            language = await self._language(update)  # before leaving: the lists still say it
            changed = await self._db(cases.stop, str(update.effective_chat.id))
            await update.effective_message.reply_text(translate(language, STOPPED if changed else NOT_YET))

    async def topics(self, update: Update, context: Context) -> None:
        if update.effective_message and update.effective_chat:
            menu = await self._db(cases.topics_menu, str(update.effective_chat.id))
            language = await self._language(update)
            keyboard = kb.topics_keyboard(menu, language)
            await update.effective_message.reply_text(translate(language, TOPICS), reply_markup=keyboard)

    async def time(self, update: Update, context: Context) -> None:
        if update.effective_message and update.effective_chat:
            sub = await self._db(cases.profile, str(update.effective_chat.id))
            language = await self._language(update)
            when = _when(sub, language)
            text = translate(language, "The digest comes at %(when)s. Choose the hour:", when=when)
            await update.effective_message.reply_text(text, reply_markup=kb.hours_keyboard(sub.send_hour))

    async def last(self, update: Update, context: Context) -> None:
        if update.effective_message is None or update.effective_chat is None:
            return
        sent = await self._db(cases.resend_last, str(update.effective_chat.id), self._telegram())
        if not sent:
            text = translate(await self._language(update), "There is no digest for your lists yet.")
            await update.effective_message.reply_text(text)

    async def help(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_text(_help(await self._language(update)))

    async def not_here(self, update: Update, context: Context) -> None:
        if update.effective_message:
            await update.effective_message.reply_text(translate(await self._language(update), PRIVATE_ONLY))

    async def text(self, update: Update, context: Context) -> None:
        """Free text is a time zone (the "type it" choice of /time); anything else gets help."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        language = await self._language(update)
        try:
            sub = await self._db(cases.set_timezone, str(chat.id), message.text)
        except InvalidInput:
            typed = message.text.strip()[:60]
            unknown = translate(language, "I don't know the time zone “%(zone)s”.", zone=typed)
            await message.reply_text(f"{unknown} {translate(language, ASK_ZONE)}\n\n{_help(language)}")
            return
        await message.reply_text(_saved(sub, language))

    # --- buttons ----------------------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None:
            return
        if chat is None or chat.type != ChatType.PRIVATE:
            # A digest in a channel or group carries the button too; one member cannot unsubscribe it.
            await query.answer(translate(await self._language(update), PRIVATE_ONLY), show_alert=True)
            return
        action, value = kb.parse(query.data)
        handler = self._buttons.get(action)
        if handler is None:
            await query.answer()
            return
        await handler(self, update, str(chat.id), value)

    async def _join(self, update: Update, chat_id: str, value: str) -> None:
        query, user = update.callback_query, update.effective_user
        assert query is not None
        choice = next((c for c in await self._db(cases.list_choices) if str(c.id) == value), None)
        if choice is None:
            language = await self._language(update)
            await query.answer(translate(language, "That list is no longer available."), show_alert=True)
            return
        done = await self._db(cases.subscribe, chat_id, user.first_name if user else "", choice.name)
        language = await self._language(update)  # the list just joined speaks it
        await query.answer(translate(language, "Subscribed"))
        await query.edit_message_text(_subscribed(done, language))

    async def _topic(self, update: Update, chat_id: str, value: str) -> None:
        assert update.callback_query is not None
        menu = await self._db(cases.toggle_topic, chat_id, value)
        language = await self._language(update)
        await update.callback_query.answer()
        keyboard = kb.topics_keyboard(menu, language)
        await update.callback_query.edit_message_text(translate(language, TOPICS), reply_markup=keyboard)

    async def _hour(self, update: Update, chat_id: str, value: str) -> None:
        assert update.callback_query is not None
        if not value.isdigit():
            raise InvalidInput("send_hour", N_("choose an hour from 0 to 23"))
        sub = await self._db(cases.set_send_hour, chat_id, int(value))
        language = await self._language(update)
        await update.callback_query.answer()
        text = translate(
            language,
            "The digest comes at %(hour)s. Now your time zone (now %(zone)s):",
            hour=f"{sub.send_hour:02d}:00",
            zone=sub.timezone,
        )
        keyboard = kb.zones_keyboard(sub.timezone, language)
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)

    async def _zone(self, update: Update, chat_id: str, value: str) -> None:
        query = update.callback_query
        assert query is not None
        language = await self._language(update)
        if value == kb.OTHER_ZONE:
            await query.answer()
            await query.edit_message_text(translate(language, ASK_ZONE))
            return
        sub = await self._db(cases.set_timezone, chat_id, value)
        await query.answer()
        await query.edit_message_text(_saved(sub, language))

    async def _unsubscribe(self, update: Update, chat_id: str, value: str) -> None:
        assert update.callback_query is not None
        language = await self._language(update)  # before leaving: the lists still say it
        await self._db(cases.stop, chat_id)
        await update.callback_query.answer(translate(language, "You are unsubscribed"))
        if update.effective_message:
            await update.effective_message.reply_text(translate(language, STOPPED))

    _buttons: ClassVar[dict[str, Callable[[Handlers, Update, str, str], Awaitable[None]]]] = {
        "join": _join,
        "topic": _topic,
        "hour": _hour,
        "zone": _zone,
        kb.UNSUBSCRIBE: _unsubscribe,
    }

    # --- errors -----------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Refusals become replies; anything else is logged (token scrubbed) and apologised for."""
        err = context.error
        language = await self._safe_language(update)
        if isinstance(err, cases.NotSubscribed):
            reply = translate(language, NOT_YET)
        elif isinstance(err, InvalidInput):
            reply = as_sentence(err.said_in(language))
        else:
            detail = "".join(traceback.format_exception(err)) if err else "unknown error"
            log.error("bot: an update failed: %s", logs.redact(detail))
            reply = translate(language, SORRY)
        if isinstance(update, Update):
            await _tell(update, reply)

    async def _safe_language(self, update: object) -> str:
        """The chat's language, or English when even that cannot be read (the database is down)."""
        try:
            return await self._language(update)
        except Exception:
            return "en"


async def _tell(update: Update, text: str) -> None:
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except tg.TelegramError as exc:  # the reply failed too: nothing more to do than say so
        log.warning("bot: could not tell the reader about an error: %s", logs.redact(exc.message))
