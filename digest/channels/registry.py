"""Which channel class a name means, and which channels the settings choose.

A new channel is one module and one line here. ``"telegram"`` is imported on first use,
so the Bot API library is loaded only by processes that send to Telegram.
"""

from __future__ import annotations

import importlib
from typing import Protocol, cast

from digest.channels.base import DeliveryChannel
from digest.channels.outbox import OutboxEmail, OutboxTelegram
from digest.channels.sendgrid import SendGridChannel
from digest.config import Settings
from digest.errors import ConfigError

__all__ = ["CHANNELS", "email_channel", "telegram_channel"]

_LAZY = {"telegram": ("digest.channels.telegram", "TelegramChannel")}


class _Registry(dict[str, type[DeliveryChannel]]):
    """A dict that imports the lazily registered channels when they are first looked up."""

    def __missing__(self, name: str) -> type[DeliveryChannel]:
        if name not in _LAZY:
            raise KeyError(name)
        module, attribute = _LAZY[name]
        cls: type[DeliveryChannel] = getattr(importlib.import_module(module), attribute)
        self[name] = cls
        return cls

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in _LAZY


CHANNELS: dict[str, type[DeliveryChannel]] = _Registry(
    {
        "outbox-email": OutboxEmail,
        "outbox-telegram": OutboxTelegram,
        "sendgrid": SendGridChannel,
    }
)

_EMAIL = {"outbox": "outbox-email", "sendgrid": "sendgrid"}
_TELEGRAM = {"outbox": "outbox-telegram", "telegram": "telegram"}


class _FromSettings(Protocol):
    def from_settings(self, settings: Settings) -> DeliveryChannel: ...


def email_channel(settings: Settings) -> DeliveryChannel:
    """The email channel ``DIGEST_EMAIL_CHANNEL`` names, built from the settings."""
    return _build("DIGEST_EMAIL_CHANNEL", _EMAIL[settings.email_channel], settings)


def telegram_channel(settings: Settings) -> DeliveryChannel:
    """The Telegram channel ``DIGEST_TELEGRAM_CHANNEL`` names, built from the settings."""
    return _build("DIGEST_TELEGRAM_CHANNEL", _TELEGRAM[settings.telegram_channel], settings)


def _build(variable: str, name: str, settings: Settings) -> DeliveryChannel:
    try:
        cls = CHANNELS[name]
    except ImportError as exc:
        raise ConfigError(variable, f"the {name!r} channel cannot be loaded: {exc}") from exc
    return cast(_FromSettings, cls).from_settings(settings)
