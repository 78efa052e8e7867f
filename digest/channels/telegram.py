"""Telegram delivery through the Bot API (python-telegram-bot).

An edition reaches a chat as ``envelope.content.telegram``: one or more ready HTML
messages, sent in order. When the edition has a lead photo (``telegram_photo``) it goes
first, with its caption (sendPhoto), and counts as part 1; otherwise the first message
shows the link preview of the lead story. The others show none. The last message carries
the inline keyboard (``digest.render.telegram.inline_keyboard``): "Read all", "Manage
topics" and, for bot subscribers only, "Unsubscribe" (``callback_data="unsubscribe"``).
A photo Telegram refuses (it cannot fetch the URL …) is skipped with a warning. The
messages were split within ``digest.limits`` when the edition was rendered; this module
only sends them.

Progress and retries. A recipient may have had message 1 of 3 when message 2 fails.
``deliver`` starts each chat at ``Recipient.parts_sent`` (how many of the edition's parts,
photo and messages, it already has), and every ``DeliveryError`` it raises carries
``sent_count``: how many parts that chat has now. ``digest.pipeline.delivering`` stores it
on the delivery row (``parts_sent``) and the retry's recipient carries it back, so nothing
is sent twice. The one exception is a timeout whose request Telegram did carry out: that
message goes again (at least once, never lost).

A migrated group raises ``ChatMigrated(new_chat_id=...)`` at once and sends nothing more:
the pipeline records the new id on the subscriber and the delivery and sends there once,
from ``sent_count`` on. One path, and the id is never changed behind the caller's back.

HTML that Telegram cannot parse ("can't parse entities") goes again as plain text (tags
dropped, entities decoded), with a warning in the log naming the edition and the chat.

Rate limits, shared by every worker through ``digest.ratelimit``: all messages
(``settings.telegram_rate`` per second), each chat (1 per second, burst 3) and each group
or channel (20 per minute). A wait longer than ``max_wait`` raises a transient
``DeliveryError`` with ``retry_after`` so the task re-schedules instead of sleeping. A 429
from Telegram backs the chat's limit off for the whole ``retry_after`` (and every chat
for ``flood_pause``), so the other workers wait too.

python-telegram-bot is asyncio; synchronous callers (Celery tasks) run its coroutines on
one event loop per process, in a daemon thread, with one ``Bot`` (one connection pool)
per channel. The bot token never appears in our messages or logs: it is registered with
``digest.logs.protect``, which scrubs it from every record and error text (httpx and
python-telegram-bot put it in request URLs).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import os
import threading
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram import error as tg
from telegram.constants import ParseMode
from telegram.request import HTTPXRequest

from digest import logs
from digest.channels.base import DeliveryChannel, Envelope
from digest.errors import (
    ChannelConfigError,
    ChatMigrated,
    ChatRefused,
    ConfigError,
    DeliveryError,
    RecipientGone,
)
from digest.models import Channel, Recipient
from digest.ratelimit import LimiterUnavailable, RateLimited, RateLimiter, limiter_for
from digest.render import personalize
from digest.render.telegram import inline_keyboard, is_bot_subscriber, to_plain_text

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = ["TelegramChannel", "delivery_error", "run_sync"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class TelegramChannel(DeliveryChannel):
    """Sends each recipient (a chat id, ``-100…`` group id or ``@channel``) the edition's messages."""

    name: ClassVar[str] = "telegram"
    medium: ClassVar[Channel] = Channel.TELEGRAM
    max_batch: ClassVar[int] = 1

    # The platform's rate limits (https://core.telegram.org/bots/faq#broadcasting-to-users);
    # what one message may hold is declared in digest.limits.
    global_rate: ClassVar[float] = 30.0  # messages per second, all chats
    per_chat_rate: ClassVar[float] = 1.0  # messages per second to one chat
    per_chat_burst: ClassVar[int] = 3
    group_per_minute: ClassVar[int] = 20  # messages per minute to one group or channel
    group_burst: ClassVar[int] = 3
    # Ours: the longest a worker sleeps for a slot before handing the wait to the task queue,
    # and how long every chat pauses after Telegram answers 429 (it does not say which limit).
    max_wait: ClassVar[float] = 5.0
    flood_pause: ClassVar[float] = 1.0
    timeout: ClassVar[float] = 10.0  # seconds per request

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://api.telegram.org/bot",
        limiter: RateLimiter,
        rate: float = 28.0,
        timeout: float | None = None,
    ) -> None:
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "required for the telegram channel")
        self._token = token
        self._api_url = api_url
        self._limiter = limiter
        self._rate = min(rate, self.global_rate)
        self._timeout = timeout or self.timeout
        # The bot's id is the public part of the token; it keeps two bots' limits apart.
        self._keys = f"tg:{token.split(':', 1)[0]}"
        self._bot: Bot | None = None
        self._bot_pid = 0
        self._bot_lock = threading.Lock()
        logs.protect(token)  # httpx and python-telegram-bot log request URLs, which hold it

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        return cls(
            settings.telegram_bot_token or "",
            api_url=settings.telegram_api_url,
            limiter=limiter_for(settings),
            rate=settings.telegram_rate,
        )

    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        """Send each chat the parts it does not have yet; see the module docstring for retries."""
        for recipient in recipients:
            self._deliver_to(_personalized(envelope, recipient), recipient.address, recipient.parts_sent)

    def close(self) -> None:
        with self._bot_lock:
            bot, self._bot = self._bot, None
        if bot is not None and self._bot_pid == os.getpid():
            # Bot.shutdown() skips requests it did not initialize itself (we skip getMe).
            run_sync(bot.request.shutdown(), self._timeout)

    def _deliver_to(self, envelope: Envelope, chat: str, parts_sent: int) -> None:
        bot = self._get_bot()  # ready before a slot is taken, so the send follows the slot at once
        for index in range(parts_sent, envelope.content.telegram_parts):
            try:
                self._take_turn(chat)
                self._send(bot, envelope, chat, index)
            except tg.TelegramError as exc:
                self._respect_flood(chat, exc)
                raise _with_progress(delivery_error(exc, chat), index) from exc
            except DeliveryError as err:
                _with_progress(err, index)
                raise

    def _take_turn(self, chat: str) -> None:
        """Wait for a slot on every limit this message counts against, or hand the wait back."""
        limits = [(f"{self._keys}:chat:{chat}", self.per_chat_rate, self.per_chat_burst)]
        if not is_bot_subscriber(chat):  # a group or a channel
            # burst + rate * 60 s stays within the per-minute limit in any minute.
            per_sec = (self.group_per_minute - self.group_burst) / 60.0
            limits.append((f"{self._keys}:group:{chat}", per_sec, self.group_burst))
        # The limit every worker shares comes last, so its slot is used the moment it comes.
        limits.append((f"{self._keys}:all", self._rate, 1))
        budget = self.max_wait
        try:
            for key, rate, burst in limits:
                budget -= self._limiter.acquire(key, rate, burst, max_wait=budget)
        except RateLimited as exc:
            raise DeliveryError(
                f"telegram: chat {chat}: rate limited, next slot in {exc.wait:.1f}s",
                retry_after=exc.wait,
            ) from None
        except LimiterUnavailable as exc:
            raise DeliveryError(f"telegram: {exc}", retry_after=self.max_wait) from exc

    def _send(self, bot: Bot, envelope: Envelope, chat: str, index: int) -> None:
        """Send part ``index``: the lead photo first when there is one, then the messages."""
        content = envelope.content
        if content.telegram_photo:
            if index == 0:
                self._send_photo(bot, envelope, chat)
                return
            index -= 1
        text = content.telegram[index]
        preview = (
            LinkPreviewOptions(url=content.lead_url)
            if index == 0 and content.lead_url and not content.telegram_photo
            else LinkPreviewOptions(is_disabled=True)
        )
        keyboard = inline_keyboard(content, chat) if index == len(content.telegram) - 1 else None
        markup = _markup(keyboard) if keyboard else None
        try:
            run_sync(
                bot.send_message(
                    chat, text, parse_mode=ParseMode.HTML, link_preview_options=preview, reply_markup=markup
                ),
                self._timeout,
            )
        except tg.BadRequest as exc:
            if markup is not None and _is_button_error(exc):
                # e.g. a "Read all" URL Telegram will not link to (localhost): the digest matters more.
                log.warning(
                    "telegram: edition %s, chat %s: the buttons were refused (%s); sent without them",
                    envelope.edition_id,
                    chat,
                    logs.redact(exc.message),
                )
                run_sync(
                    bot.send_message(chat, text, parse_mode=ParseMode.HTML, link_preview_options=preview),
                    self._timeout,
                )
                return
            if not _is_parse_error(exc):
                raise
            log.warning(
                "telegram: edition %s, chat %s, message %d: Telegram could not parse the HTML (%s); "
                "sent as plain text",
                envelope.edition_id,
                chat,
                index + 1,
                logs.redact(exc.message),
            )
            plain = to_plain_text(text)
            run_sync(
                bot.send_message(chat, plain, link_preview_options=preview, reply_markup=markup),
                self._timeout,
            )

    def _send_photo(self, bot: Bot, envelope: Envelope, chat: str) -> None:
        """The lead photo with its caption. A photo Telegram cannot fetch or show is skipped:
        the digest itself matters more than its picture."""
        content = envelope.content
        assert content.telegram_photo is not None
        try:
            run_sync(
                bot.send_photo(
                    chat,
                    content.telegram_photo,
                    caption=content.telegram_caption or None,
                    parse_mode=ParseMode.HTML,
                ),
                self._timeout,
            )
        except tg.BadRequest as exc:
            if _is_chat_error(exc):
                raise
            log.warning(
                "telegram: edition %s, chat %s: the lead photo was refused (%s); sent the digest without it",
                envelope.edition_id,
                chat,
                logs.redact(exc.message),
            )

    def _respect_flood(self, chat: str, exc: tg.TelegramError) -> None:
        """After a 429, make every worker wait: this chat for all of it, the others briefly."""
        if not isinstance(exc, tg.RetryAfter):
            return
        wait = _retry_after(exc)
        try:
            self._limiter.back_off(f"{self._keys}:chat:{chat}", wait, self.per_chat_rate, self.per_chat_burst)
            self._limiter.back_off(f"{self._keys}:all", min(wait, self.flood_pause), self._rate, 1)
        except LimiterUnavailable:
            log.warning("telegram: could not record a flood wait for chat %s: rate limiter unavailable", chat)

    def _get_bot(self) -> Bot:
        with self._bot_lock:
            if self._bot is None or self._bot_pid != os.getpid():  # a forked worker builds its own
                request = HTTPXRequest(
                    connection_pool_size=16,
                    connect_timeout=self._timeout,
                    read_timeout=self._timeout,
                    write_timeout=self._timeout,
                    pool_timeout=self._timeout,
                )
                self._bot = Bot(self._token, base_url=self._api_url, request=request)
                self._bot_pid = os.getpid()
                _event_loop()
            return self._bot


# Telegram's own descriptions of a private chat that is gone for good: the reader blocked the
# bot, or deleted their account. Any other 403 says nothing about the reader's wishes.
GONE_DESCRIPTIONS = ("bot was blocked by the user", "user is deactivated")


def delivery_error(exc: tg.TelegramError, chat: str) -> DeliveryError:
    """The one place Telegram's errors become digest's (the token, protected by the channel,
    scrubbed from their text)."""
    detail = logs.redact(f"telegram: chat {chat}: {exc.message}")
    if isinstance(exc, tg.ChatMigrated):
        return ChatMigrated(detail, new_chat_id=str(exc.new_chat_id))
    if isinstance(exc, tg.RetryAfter):
        return DeliveryError(detail, retry_after=_retry_after(exc))
    if isinstance(exc, tg.Forbidden):
        if not is_bot_subscriber(chat):  # kicked, or the bot lost its rights: the editors must fix it
            return ChatRefused(detail)
        if any(known in exc.message.lower() for known in GONE_DESCRIPTIONS):
            return RecipientGone(detail)
        return DeliveryError(detail, permanent=True)  # unknown: this delivery fails, nothing more
    if isinstance(exc, tg.InvalidToken):
        return ChannelConfigError(logs.redact(f"telegram: the bot token was refused ({exc.message})"))
    if isinstance(exc, tg.BadRequest):  # chat not found, message too long …: a retry will not help
        return DeliveryError(detail, permanent=True)
    # TimedOut, NetworkError (5xx included), unreadable replies: a retry may help.
    return DeliveryError(detail, maybe_delivered=_maybe_delivered(exc))


def _maybe_delivered(exc: tg.TelegramError) -> bool:
    """Whether Telegram had the whole request when the call failed: it may have sent it.

    python-telegram-bot raises ``TimedOut`` from httpx's timeouts and ``NetworkError`` from
    its other errors; connecting, waiting for a pooled connection and writing the request
    come before Telegram has it all, reading the answer after."""
    cause = exc.__cause__
    if isinstance(exc, tg.TimedOut):
        return not isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout | httpx.WriteTimeout)
    return isinstance(exc, tg.NetworkError) and isinstance(cause, httpx.ReadError | httpx.RemoteProtocolError)


def _with_progress(err: DeliveryError, sent: int) -> DeliveryError:
    err.sent_count = sent
    return err


def _is_parse_error(exc: tg.BadRequest) -> bool:
    return "can't parse entities" in exc.message.lower()


def _is_button_error(exc: tg.BadRequest) -> bool:
    return any(word in exc.message.lower() for word in ("button", "reply markup", "keyboard"))


def _is_chat_error(exc: tg.BadRequest) -> bool:
    """A refusal about the chat, which the messages would get too (not about the photo)."""
    return "chat" in exc.message.lower()


def _markup(keyboard: dict[str, list[list[dict[str, str]]]]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(b["text"], url=b.get("url"), callback_data=b.get("callback_data")) for b in row]
        for row in keyboard["inline_keyboard"]
    ]
    return InlineKeyboardMarkup(rows)


def _retry_after(exc: tg.RetryAfter) -> float:
    value = exc.retry_after  # int, or a timedelta when PTB_TIMEDELTA=1 (PTB 22's opt-in)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# -- one event loop per process ---------------------------------------------------------


class _LoopThread:
    """An asyncio loop running in a daemon thread; synchronous code submits coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="telegram-loop", daemon=True)
        self.thread.start()


_loop: _LoopThread | None = None
_loop_lock = threading.Lock()


def _after_fork() -> None:
    global _loop, _loop_lock
    _loop, _loop_lock = None, threading.Lock()  # the parent's thread did not survive the fork


os.register_at_fork(after_in_child=_after_fork)


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = _LoopThread()
        return _loop.loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run a python-telegram-bot coroutine from synchronous code, on the process's one loop
    (never ``asyncio.run``: the caller's thread may already run a loop of its own)."""
    future = asyncio.run_coroutine_threadsafe(coro, _event_loop())
    try:
        # httpx's own timeouts end the call first; this only guards against a stuck loop.
        return future.result(timeout * 4 + 5)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise tg.TimedOut("the request did not finish") from None


def _personalized(envelope: Envelope, recipient: Recipient) -> Envelope:
    """The envelope with this chat's placeholders (its tracked links' reader key) filled in,
    as the outbox fills them."""
    content = envelope.content
    texts = tuple(personalize(text, recipient, html_escape=True) for text in content.telegram)
    return dataclasses.replace(envelope, content=dataclasses.replace(content, telegram=texts))
