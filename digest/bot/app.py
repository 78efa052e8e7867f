"""The bot's application: handlers wired, the command menu set at start, polling.

Updates are handled one at a time (python-telegram-bot's default), so two taps of the same
reader never race on their preferences; each handler's database work runs in a thread,
so a reply takes milliseconds and the queue never waits long.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from digest import logs
from digest.bot import keyboards as kb
from digest.bot.handlers import Handlers
from digest.config import Settings
from digest.errors import ConfigError
from digest.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["ALLOWED_UPDATES", "BotApplication", "build_application", "run_polling", "setup_menu"]

BotApplication = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ["message", "callback_query"]


def build_application(settings: Settings, *, polling: bool = True) -> BotApplication:
    """The bot for these settings; ``polling=False`` builds it without an updater (webhook)."""
    token = settings.telegram_bot_token
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN", "required to run the bot")
    logs.protect(token)  # python-telegram-bot and httpx log request URLs, which hold it
    handlers = Handlers(settings)
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .post_init(setup_menu)
        .post_shutdown(handlers.close)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    _add_handlers(application, handlers)
    return application


def _add_handlers(application: BotApplication, h: Handlers) -> None:
    private = filters.ChatType.PRIVATE
    commands = {"start": h.start, "stop": h.stop, "topics": h.topics, "time": h.time, "last": h.last}
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CommandHandler("help", h.help))
    application.add_handler(CommandHandler(list(commands), h.not_here, filters=~private))
    application.add_handler(CallbackQueryHandler(h.button))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, h.text))
    application.add_error_handler(h.on_error)


async def setup_menu(application: BotApplication) -> None:
    """The commands Telegram lists in the chat's menu: one list per shipped language, which
    Telegram shows to users whose app is in it, and the English one for everyone else."""
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            await application.bot.set_my_commands(kb.commands(language), language_code=language)
    await application.bot.set_my_commands(kb.commands(DEFAULT_LANGUAGE))


def run_polling(settings: Settings) -> None:
    """Ask Telegram for updates (long polling) until SIGINT or SIGTERM."""
    build_application(settings).run_polling(allowed_updates=ALLOWED_UPDATES)
