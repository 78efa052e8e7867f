"""How messages leave: the outbox, SendGrid and the Telegram Bot API, their keys and rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digest.config import parsers as parse
from digest.config.setting import setting


@dataclass(frozen=True)
class ChannelSettings:
    email_channel: str = setting(
        "DIGEST_EMAIL_CHANNEL",
        "outbox",
        parse.choice("outbox", "sendgrid"),
        "How email leaves: `outbox` (files, the default) or `sendgrid`.",
    )
    telegram_channel: str = setting(
        "DIGEST_TELEGRAM_CHANNEL",
        "outbox",
        parse.choice("outbox", "telegram"),
        "How Telegram messages leave: `outbox` (files, the default) or `telegram` (the Bot API).",
    )
    outbox_dir: Path = setting(
        "DIGEST_OUTBOX_DIR",
        "var/outbox",
        Path,
        "Where the outbox channel writes `.eml` files and Telegram messages as JSON.",
    )
    from_email: str = setting(
        "DIGEST_FROM_EMAIL",
        "Digest <digest@localhost>",
        parse.email,
        "Sender of the emails, `Name <address>` or a bare address.",
    )
    email_batch: int = setting(
        "DIGEST_EMAIL_BATCH",
        "1000",
        parse.positive(int),
        "Email recipients per send task and per SendGrid request (SendGrid allows 1000).",
    )
    sendgrid_api_key: str | None = setting(
        "SENDGRID_API_KEY",
        "",
        parse.optional(str),
        "SendGrid API key (needs the Mail Send permission).",
        secret=True,
    )
    sendgrid_api_url: str = setting(
        "DIGEST_SENDGRID_API_URL",
        "https://api.sendgrid.com",
        parse.url("http", "https"),
        "SendGrid API base URL: `https://api.eu.sendgrid.com` for EU data residency, or a test server.",
    )
    sendgrid_rate: float = setting(
        "DIGEST_SENDGRID_RATE",
        "100",
        parse.positive(float),
        "SendGrid requests per second (each up to 1,000 recipients), shared by all workers through Redis; "
        "SendGrid publishes no fixed limit and answers 429 with a reset time, which is honoured.",
    )
    sendgrid_webhook_key: str | None = setting(
        "DIGEST_SENDGRID_WEBHOOK_KEY",
        "",
        parse.optional(str),
        "Verification key of SendGrid's Signed Event Webhook (base64 EC public key). Required when "
        "`DIGEST_EMAIL_CHANNEL=sendgrid`: unsigned events are then refused (see "
        "`DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED`).",
    )
    sendgrid_webhook_insecure_unsigned: bool = setting(
        "DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED",
        "false",
        parse.boolean,
        "INSECURE: `true` accepts unsigned SendGrid events although email goes through SendGrid, so "
        "anyone can unsubscribe and suppress any address with one request. Leave `false` and set "
        "`DIGEST_SENDGRID_WEBHOOK_KEY`.",
    )
    telegram_bot_token: str | None = setting(
        "TELEGRAM_BOT_TOKEN", "", parse.optional(str), "Telegram bot token from @BotFather.", secret=True
    )
    telegram_api_url: str = setting(
        "DIGEST_TELEGRAM_API_URL",
        "https://api.telegram.org/bot",
        parse.url("http", "https"),
        "Telegram Bot API base URL (the token is appended): a self-hosted Bot API server or a test server.",
    )
    telegram_rate: float = setting(
        "DIGEST_TELEGRAM_RATE",
        "28",
        parse.positive(float),
        "Telegram messages per second in total, shared by all workers (the platform allows ~30).",
    )
    telegram_webhook_secret: str | None = setting(
        "DIGEST_TELEGRAM_WEBHOOK_SECRET",
        "",
        parse.optional(parse.webhook_secret),
        "Secret Telegram sends with every webhook call to `digest bot --webhook-url` (required in that "
        "mode; calls without it get 403): 1-256 letters, digits, `_` or `-`.",
        secret=True,
    )
    telegram_bot_username: str | None = setting(
        "DIGEST_TELEGRAM_BOT_USERNAME",
        "",
        parse.optional(lambda value: value.lstrip("@")),
        'The bot\'s username; adds a "Manage topics" button (`https://t.me/<bot>?start=topics`) '
        "under Telegram digests.",
    )
    default_timezone: str = setting(
        "DIGEST_DEFAULT_TIMEZONE",
        "UTC",
        parse.time_zone,
        "Time zone of readers who subscribe through the Telegram bot, until they choose theirs with `/time`.",
    )
