"""The bot's menu, inline keyboards and their callback data: pure, no I/O.

Callback data is ``<action>:<value>`` (Telegram allows 64 bytes), except ``unsubscribe``,
the button under every digest::

    join:<list id>     subscribe to a list (ids, because list names may be long)
    topic:<topic>      toggle a topic
    hour:<0-23>        the local send hour
    zone:<IANA zone>   the time zone; zone:other asks for it as text
    unsubscribe        leave every list (the channel puts it under digests to bot subscribers)
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from digest.i18n import N_, translate
from digest.pipeline.bot import ListChoice, TopicsMenu
from digest.pipeline.subscriptions import topic_title
from digest.render.telegram import UNSUBSCRIBE_CALLBACK

__all__ = [
    "COMMANDS",
    "COMMON_ZONES",
    "OTHER_ZONE",
    "UNSUBSCRIBE",
    "commands",
    "hours_keyboard",
    "lists_keyboard",
    "parse",
    "topics_keyboard",
    "zones_keyboard",
]

# The command menu's descriptions in English, the msgids; ``commands`` says them in a language.
COMMANDS = (
    BotCommand("start", N_("Subscribe to a digest")),
    BotCommand("topics", N_("Choose your topics")),
    BotCommand("time", N_("Choose when the digest comes")),
    BotCommand("last", N_("Send me the latest digest")),
    BotCommand("stop", N_("Unsubscribe")),
    BotCommand("help", N_("What I can do")),
)


def commands(language: str) -> tuple[BotCommand, ...]:
    """The command menu with its descriptions in ``language`` (English when not shipped)."""
    return tuple(BotCommand(c.command, translate(language, c.description)) for c in COMMANDS)


UNSUBSCRIBE = UNSUBSCRIBE_CALLBACK
OTHER_ZONE = "other"
MAX_DATA = 64  # bytes of callback_data Telegram accepts
# The newsroom's readers are mostly in and around Ukraine; anyone else types their zone.
COMMON_ZONES = (
    "Europe/Kyiv",
    "Europe/Warsaw",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Toronto",
    "Asia/Tbilisi",
    "UTC",
)
CHECKED, UNCHECKED, CURRENT = "✅ ", "", "• "


def parse(data: str | None) -> tuple[str, str]:
    """(action, value) of a button's callback data."""
    action, _, value = (data or "").partition(":")
    return action, value


def _button(label: str, action: str, value: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{action}:{value}" if value != "" else action)


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def lists_keyboard(choices: Sequence[ListChoice], language: str = "en") -> InlineKeyboardMarkup:
    labels = {"digest": "", "breaking": " " + translate(language, "(breaking news)")}
    buttons = [_button(c.title + labels.get(c.kind, ""), "join", c.id) for c in choices]
    return InlineKeyboardMarkup(_rows(buttons, 1))


def topics_keyboard(menu: TopicsMenu, language: str = "en") -> InlineKeyboardMarkup:
    """A button per topic, ticked when chosen, labelled as readers call it (the value stays its key)."""
    buttons = [
        _button(
            (CHECKED if topic in menu.chosen else UNCHECKED) + topic_title(topic, language), "topic", topic
        )
        for topic in menu.available
        if len(f"topic:{topic}".encode()) <= MAX_DATA
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def hours_keyboard(current: int) -> InlineKeyboardMarkup:
    buttons = [_button((CURRENT if h == current else "") + f"{h:02d}:00", "hour", h) for h in range(24)]
    return InlineKeyboardMarkup(_rows(buttons, 6))


def zones_keyboard(current: str, language: str = "en") -> InlineKeyboardMarkup:
    buttons = [_button((CURRENT if z == current else "") + z, "zone", z) for z in COMMON_ZONES]
    rows = _rows(buttons, 2)
    rows.append([_button(translate(language, "Another zone: type it"), "zone", OTHER_ZONE)])
    return InlineKeyboardMarkup(rows)
