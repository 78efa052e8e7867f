"""Reading the settings from the environment (and an optional ``.env`` file), once per process.

A bad value, or a combination that cannot work, raises ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from digest.config.settings import SETTINGS, Settings, is_redis, production
from digest.errors import ConfigError

__all__ = ["get", "load", "override"]


def load(environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read every setting; raise ConfigError naming the first bad variable."""
    if environ is None:
        if dotenv:
            _read_dotenv()
        environ = os.environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env, setting.default).strip()
        try:
            values[setting.field] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(setting.env, str(exc)) from None
    _check_combinations(values)
    return Settings(**values)


def _check_combinations(values: dict[str, Any]) -> None:
    broker = values["broker_url"]
    if broker and not is_redis(broker) and not values["redis_url"]:
        raise ConfigError(
            "DIGEST_REDIS_URL",
            "required when DIGEST_BROKER_URL is not Redis: rate limits and locks live in Redis",
        )
    if production(values["environment"], broker) and not values["secret_key"]:
        # A generated key is per machine: links signed by one worker would not verify on another.
        why = "DIGEST_ENV=production" if values["environment"] else "DIGEST_BROKER_URL is set"
        raise ConfigError(
            "DIGEST_SECRET_KEY",
            f"required in production ({why}): every worker and web process must sign links with the "
            "same key; set DIGEST_ENV=development to use a generated one on a single machine",
        )
    if values["email_channel"] == "sendgrid" and not values["sendgrid_api_key"]:
        raise ConfigError("SENDGRID_API_KEY", "required when DIGEST_EMAIL_CHANNEL=sendgrid")
    if values["telegram_channel"] == "telegram" and not values["telegram_bot_token"]:
        raise ConfigError("TELEGRAM_BOT_TOKEN", "required when DIGEST_TELEGRAM_CHANNEL=telegram")


def _read_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ModuleNotFoundError:  # pragma: no cover - python-dotenv is a dependency
        return
    load_dotenv(Path.cwd() / ".env", override=False)


_cached: Settings | None = None


def get() -> Settings:
    """The process-wide settings, loaded on first use."""
    global _cached
    if _cached is None:
        _cached = load()
    return _cached


def override(settings: Settings | None) -> None:
    """Replace the process-wide settings (tests, CLI options)."""
    global _cached
    _cached = settings
