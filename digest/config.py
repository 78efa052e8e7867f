"""Settings, read once from the environment (and an optional ``.env`` file).

Every setting is declared once in ``SETTINGS`` with its default and its meaning; the
README's configuration table is checked against this list by the tests. A bad value
stops start-up with a ``ConfigError`` that names the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ConfigError

Parser = Callable[[str], Any]


def _url(*schemes: str) -> Parser:
    def parse(value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value.rstrip("/") if parts.scheme.startswith("http") else value

    return parse


def _optional(parse: Parser) -> Parser:
    return lambda value: parse(value) if value else None


def _positive(kind: type[int] | type[float]) -> Parser:
    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"expected a positive {kind.__name__}, got {value!r}") from None
        if number <= 0:
            raise ValueError(f"expected a positive {kind.__name__}, got {value!r}")
        return number

    return parse


def _choice(*options: str) -> Parser:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return value

    return parse


def _subject_format(value: str) -> str:
    from digest.render.subject import check_subject_format

    check_subject_format(value)
    return value


def _email(value: str) -> str:
    address = value.rsplit("<", 1)[-1].rstrip(">").strip()
    if "@" not in address or " " in address:
        raise ValueError(f"expected an email address, got {value!r}")
    return value


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("expected an SQLAlchemy URL starting with sqlite: or postgresql:")
    if value.startswith("postgres:"):
        value = "postgresql:" + value[len("postgres:") :]
    if value.startswith("postgresql:"):
        value = "postgresql+psycopg:" + value[len("postgresql:") :]
    return value


def _hostlist(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _hex_color(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?", value):
        raise ValueError(f"expected a hex color like #b3261e, got {value!r}")
    return value


def _size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise ValueError(f"expected WIDTHxHEIGHT in pixels like 160x40, got {value!r}")
    return int(width), int(height)


def _progress(value: str) -> tuple[int, int] | None:
    if not value:
        return None
    done, _, goal = value.replace(",", "").replace(" ", "").partition("/")
    if not (done.isdigit() and goal.isdigit() and int(goal) > 0):
        raise ValueError(f"expected CURRENT/GOAL like 18340/25000, got {value!r}")
    return int(done), int(goal)


def _mapping(value: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        key, sep, title = part.partition("=")
        if not sep or not key.strip() or not title.strip():
            raise ValueError(f"expected name=Title pairs separated by ';', got {part!r}")
        pairs.append((key.strip().lower(), title.strip()))
    return tuple(pairs)


def _pairs(parse_value: Parser, shape: str) -> Parser:
    """``a=1;b=2`` -> ``(("a", parse_value("1")), ("b", ...))``, names casefolded."""

    def parse(value: str) -> tuple[tuple[str, Any], ...]:
        pairs = []
        for part in (p.strip() for p in value.split(";") if p.strip()):
            name, sep, raw = (s.strip() for s in part.partition("="))
            if not sep or not name or not raw:
                raise ValueError(f"expected {shape} pairs separated by ';', got {part!r}")
            pairs.append((name.casefold(), parse_value(raw)))
        return tuple(pairs)

    return parse


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"expected a number from 0 to 1 (excluded), got {value!r}") from None
    if not 0 <= number < 1:
        raise ValueError(f"expected a number from 0 to 1 (excluded), got {value!r}")
    return number


def _non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"expected a number (0 or more), got {value!r}") from None
    if not 0 <= number < float("inf"):
        raise ValueError(f"expected a number (0 or more), got {value!r}")
    return number


def _count(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"expected a whole number (0 or more), got {value!r}")
    return int(value)


def _bool(value: str) -> bool:
    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value.lower() in ("true", "1", "yes")


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"expected an IANA time zone like Europe/Kyiv, got {value!r}") from None
    return value


def _webhook_secret(value: str) -> str:
    # What Telegram accepts as a webhook's secret_token.
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise ValueError("expected 1-256 characters: letters, digits, _ and -")
    return value


@dataclass(frozen=True)
class Setting:
    env: str
    field: str
    default: str
    parse: Parser
    doc: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DIGEST_DATABASE_URL",
        "database_url",
        "sqlite:///var/digest.db",
        _database_url,
        "SQLAlchemy URL of the database: SQLite (the default, a file under ./var/) or PostgreSQL.",
    ),
    Setting(
        "DIGEST_BROKER_URL",
        "broker_url",
        "",
        _optional(_url("redis", "rediss", "amqp", "amqps", "pyamqp")),
        "Celery broker. Unset: tasks run in-process. `redis://host:6379/0`: Celery on Redis; "
        "`amqp://user:password@host:5672/vhost`: Celery on RabbitMQ (then `DIGEST_REDIS_URL` is required).",
    ),
    Setting(
        "DIGEST_REDIS_URL",
        "redis_url",
        "",
        _optional(_url("redis", "rediss")),
        "Redis for shared rate limits and locks; defaults to the broker URL when that is Redis.",
    ),
    Setting(
        "DIGEST_REDIS_PREFIX",
        "redis_prefix",
        "",
        str,
        "Prefix for every Redis key digest and Celery write, so several deployments can share one Redis.",
    ),
    Setting(
        "DIGEST_OUTBOX_DIR",
        "outbox_dir",
        "var/outbox",
        Path,
        "Where the outbox channel writes `.eml` files and Telegram messages as JSON.",
    ),
    Setting(
        "DIGEST_EMAIL_CHANNEL",
        "email_channel",
        "outbox",
        _choice("outbox", "sendgrid"),
        "How email leaves: `outbox` (files, the default) or `sendgrid`.",
    ),
    Setting(
        "DIGEST_TELEGRAM_CHANNEL",
        "telegram_channel",
        "outbox",
        _choice("outbox", "telegram"),
        "How Telegram messages leave: `outbox` (files, the default) or `telegram` (the Bot API).",
    ),
    Setting(
        "SENDGRID_API_KEY",
        "sendgrid_api_key",
        "",
        _optional(str),
        "SendGrid API key (needs the Mail Send permission).",
        secret=True,
    ),
    Setting(
        "DIGEST_SENDGRID_API_URL",
        "sendgrid_api_url",
        "https://api.sendgrid.com",
        _url("http", "https"),
        "SendGrid API base URL: `https://api.eu.sendgrid.com` for EU data residency, or a test server.",
    ),
    Setting(
        "DIGEST_SENDGRID_RATE",
        "sendgrid_rate",
        "100",
        _positive(float),
        "SendGrid requests per second (each up to 1,000 recipients), shared by all workers through Redis; "
        "SendGrid publishes no fixed limit and answers 429 with a reset time, which is honoured.",
    ),
    Setting(
        "DIGEST_SENDGRID_WEBHOOK_KEY",
        "sendgrid_webhook_key",
        "",
        _optional(str),
        "Verification key of SendGrid's Signed Event Webhook (base64 EC public key). Required when "
        "`DIGEST_EMAIL_CHANNEL=sendgrid`: unsigned events are then refused (see "
        "`DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED`).",
    ),
    Setting(
        "TELEGRAM_BOT_TOKEN",
        "telegram_bot_token",
        "",
        _optional(str),
        "Telegram bot token from @BotFather.",
        secret=True,
    ),
    Setting(
        "DIGEST_TELEGRAM_API_URL",
        "telegram_api_url",
        "https://api.telegram.org/bot",
        _url("http", "https"),
        "Telegram Bot API base URL (the token is appended): a self-hosted Bot API server or a test server.",
    ),
    Setting(
        "DIGEST_TELEGRAM_RATE",
        "telegram_rate",
        "28",
        _positive(float),
        "Telegram messages per second in total, shared by all workers (the platform allows ~30).",
    ),
    Setting(
        "DIGEST_TELEGRAM_WEBHOOK_SECRET",
        "telegram_webhook_secret",
        "",
        _optional(_webhook_secret),
        "Secret Telegram sends with every webhook call to `digest bot --webhook-url` (required in that "
        "mode; calls without it get 403): 1-256 letters, digits, `_` or `-`.",
        secret=True,
    ),
    Setting(
        "DIGEST_DEFAULT_TIMEZONE",
        "default_timezone",
        "UTC",
        _time_zone,
        "Time zone of readers who subscribe through the Telegram bot, until they choose theirs with `/time`.",
    ),
    Setting(
        "DIGEST_FROM_EMAIL",
        "from_email",
        "Digest <digest@localhost>",
        _email,
        "Sender of the emails, `Name <address>` or a bare address.",
    ),
    Setting(
        "DIGEST_PUBLIC_URL",
        "public_url",
        "http://localhost:8000",
        _url("http", "https"),
        "Public base URL of the web app: unsubscribe, preferences and web-view links start with it.",
    ),
    Setting(
        "DIGEST_SECRET_KEY",
        "secret_key",
        "",
        _optional(str),
        "Key that signs unsubscribe and preference links. Unset: one is generated into "
        "`./var/secret_key` (set it in production, the same on every machine).",
        secret=True,
    ),
    Setting(
        "DIGEST_NEWSROOM_NAME",
        "newsroom_name",
        "The Daily Digest",
        str,
        "Name shown in the masthead, the subject and the `List-Id`.",
    ),
    Setting(
        "DIGEST_POSTAL_ADDRESS",
        "postal_address",
        "1 Example Street, Kyiv, Ukraine",
        str,
        "Sender's postal address printed in every email footer (required by bulk-sender rules).",
    ),
    Setting(
        "DIGEST_TEMPLATES_DIR",
        "templates_dir",
        "",
        _optional(Path),
        "A folder whose templates override the bundled ones (same file names).",
    ),
    Setting(
        "DIGEST_SUBJECT_FORMAT",
        "subject_format",
        "{top}",
        _subject_format,
        "Subject of the daily email, with the fields {top} (the top story's headline), {list} (the "
        "list's title), {newsroom}, {date} (1 December), {count} (stories) and {more} (the others).",
    ),
    Setting(
        "DIGEST_BRAND_COLOR",
        "brand_color",
        "#b3261e",
        _hex_color,
        "Accent colour of the email (masthead rule, section titles, button), a hex colour.",
    ),
    Setting(
        "DIGEST_LOGO_URL",
        "logo_url",
        "",
        _optional(_url("https")),
        "https URL of the logo shown in the masthead instead of the newsroom name.",
    ),
    Setting(
        "DIGEST_LOGO_SIZE",
        "logo_size",
        "160x40",
        _size,
        "Width and height the logo is shown at, in pixels (`WIDTHxHEIGHT`).",
    ),
    Setting(
        "DIGEST_FOOTER_TEXT",
        "footer_text",
        "",
        str,
        "An extra line in every email footer (e.g. a tagline or a registration number).",
    ),
    Setting(
        "DIGEST_CTA_TEXT",
        "cta_text",
        "",
        str,
        "Headline of the call-to-action block in the email, e.g. `Help us reach 25,000 members`. "
        "Unset: no block.",
    ),
    Setting(
        "DIGEST_CTA_PROGRESS",
        "cta_progress",
        "",
        _progress,
        "Progress figure of the call to action, `CURRENT/GOAL` (e.g. `18340/25000`), shown as "
        "\"18,340 of 25,000\" with a bar. Unset: no figure.",
    ),
    Setting(
        "DIGEST_CTA_BUTTON_LABEL",
        "cta_button_label",
        "Join us",
        str,
        "Label of the call-to-action button.",
    ),
    Setting(
        "DIGEST_CTA_BUTTON_URL",
        "cta_button_url",
        "",
        _optional(_url("http", "https")),
        "Where the call-to-action button leads. Unset: no button.",
    ),
    Setting(
        "DIGEST_SECTION_TITLES",
        "section_titles",
        "",
        _mapping,
        "Section titles by section name, `news=Top news;analysis=Analysis`; other sections keep "
        "their own.",
    ),
    Setting(
        "DIGEST_UTM_SOURCE",
        "utm_source",
        "digest",
        str,
        "`utm_source` added to links to stories and the call to action. Empty: no UTM parameters.",
    ),
    Setting(
        "DIGEST_UTM_MEDIUM",
        "utm_medium",
        "email",
        str,
        "`utm_medium` of email links (Telegram links get `telegram`).",
    ),
    Setting(
        "DIGEST_UTM_CAMPAIGN",
        "utm_campaign",
        "{list}",
        str,
        "`utm_campaign`; `{list}` and `{date}` (YYYY-MM-DD) are filled in.",
    ),
    Setting(
        "DIGEST_UTM_SKIP_DOMAINS",
        "utm_skip_domains",
        "",
        _hostlist,
        "Comma-separated domains whose links get no UTM parameters (subdomains included).",
    ),
    Setting(
        "DIGEST_EMAIL_MAX_KB",
        "email_max_kb",
        "90",
        _positive(int),
        "Size budget of an email's HTML in KB (1024 bytes), with room for each reader's links: "
        "summaries, then the lowest-ranked stories, are left out until it fits (Gmail clips at 102 KB).",
    ),
    Setting(
        "DIGEST_TELEGRAM_LEAD_PHOTO",
        "telegram_lead_photo",
        "false",
        _bool,
        "Send the lead story's photo with a caption before the Telegram digest (`true`/`false`).",
    ),
    Setting(
        "DIGEST_TELEGRAM_BOT_USERNAME",
        "telegram_bot_username",
        "",
        _optional(lambda value: value.lstrip("@")),
        "The bot's username; adds a \"Manage topics\" button (`https://t.me/<bot>?start=topics`) "
        "under Telegram digests.",
    ),
    Setting(
        "DIGEST_FETCH_TIMEOUT",
        "fetch_timeout",
        "15",
        _positive(float),
        "Seconds before a feed fetch gives up.",
    ),
    Setting(
        "DIGEST_FETCH_MAX_BYTES",
        "fetch_max_bytes",
        str(15 * 1024 * 1024),
        _positive(int),
        "Cap on a feed's decoded body size, in bytes.",
    ),
    Setting(
        "DIGEST_FETCH_INTERVAL",
        "fetch_interval",
        "600",
        _positive(int),
        "Seconds between fetches of a healthy feed.",
    ),
    Setting(
        "DIGEST_FETCH_ALLOWLIST",
        "fetch_allowlist",
        "",
        _hostlist,
        "Comma-separated hosts, addresses or CIDR ranges that feeds may use even though they are "
        "private or loopback (for local test servers).",
    ),
    Setting(
        "DIGEST_HALF_LIFE_HOURS",
        "half_life_hours",
        "12",
        _positive(float),
        "Recency half-life of the ranking, in hours.",
    ),
    Setting(
        "DIGEST_ITEMS_PER_SECTION",
        "items_per_section",
        "5",
        _positive(int),
        "Stories per section in an edition.",
    ),
    Setting(
        "DIGEST_MAX_PER_SOURCE",
        "max_per_source",
        "3",
        _positive(int),
        "At most this many stories led by one source in an edition.",
    ),
    Setting(
        "DIGEST_MAX_AGE_HOURS",
        "max_age_hours",
        "36",
        _positive(float),
        "Items older than this are not considered for an edition.",
    ),
    Setting(
        "DIGEST_SECTION_PRIORITY",
        "section_priority",
        "",
        _pairs(_positive(float), "section=weight"),
        "Weight of each section in the ranking, e.g. `news=1.5;analysis=1.2;culture=0.8`. Unset, "
        "or a section not named: 1.",
    ),
    Setting(
        "DIGEST_CATEGORY_SECTIONS",
        "category_sections",
        "",
        _pairs(str.casefold, "category=section"),
        "Items with one of these categories go to that section instead of their feed's, e.g. "
        "`Opinion=analysis;Video=video;Culture=culture`.",
    ),
    Setting(
        "DIGEST_DIVERSITY",
        "diversity",
        "0.3",
        _fraction,
        "Share of its score a story loses for each story on the same topic (category) already in the "
        "edition, so one topic does not fill it; 0 turns it off.",
    ),
    Setting(
        "DIGEST_EMAIL_BATCH",
        "email_batch",
        "1000",
        _positive(int),
        "Email recipients per send task and per SendGrid request (SendGrid allows 1000).",
    ),
    Setting(
        "DIGEST_TASK_VISIBILITY_TIMEOUT",
        "visibility_timeout",
        "900",
        _positive(int),
        "Seconds before Redis hands an unacknowledged task (its worker died) to another worker, and "
        "before a batch in flight that long is re-claimed by another run of its task (either broker).",
    ),
    Setting(
        "DIGEST_RESUME_AFTER",
        "resume_after",
        "600",
        _positive(int),
        "Seconds a delivery may wait unsent before the 5-minute sweeper queues it again (its task was "
        "lost: Redis restarted or a message expired).",
    ),
    Setting(
        "DIGEST_LOG_LEVEL", "log_level", "INFO", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "Log level."
    ),
    Setting(
        "DIGEST_LOG_FORMAT",
        "log_format",
        "text",
        _choice("text", "json"),
        "Log lines as `text` (for people) or `json` (one object per line, with edition, feed, channel "
        "and counts as fields, for a log collector).",
    ),
    Setting(
        "DIGEST_EDITOR_IDLE_MINUTES",
        "editor_idle_minutes",
        "30",
        _positive(int),
        "An editor's session ends after this many minutes without a request.",
    ),
    Setting(
        "DIGEST_EDITOR_SESSION_HOURS",
        "editor_session_hours",
        "12",
        _positive(int),
        "An editor's session ends this many hours after sign-in, however active.",
    ),
    Setting(
        "DIGEST_MAX_BODY_BYTES",
        "max_body_bytes",
        "1048576",
        _positive(int),
        "Largest request body the web app reads (bytes, counted as it streams in); larger ones get 413. "
        "SendGrid's event webhook has its own limit of 5 MB.",
    ),
    Setting(
        "DIGEST_ENV",
        "environment",
        "",
        _optional(_choice("production", "development")),
        "`production` or `development`. Unset: production when `DIGEST_BROKER_URL` is set (workers may run "
        "on several machines), else development. Production refuses to start without `DIGEST_SECRET_KEY`.",
    ),
    Setting(
        "DIGEST_BROKER_HEARTBEAT",
        "broker_heartbeat",
        "60",
        _positive(int),
        "Seconds of AMQP heartbeat (RabbitMQ): a worker unreachable for longer loses its connection and its "
        "unacknowledged tasks go to another worker.",
    ),
    Setting(
        "DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED",
        "sendgrid_webhook_insecure_unsigned",
        "false",
        _bool,
        "INSECURE: `true` accepts unsigned SendGrid events although email goes through SendGrid, so "
        "anyone can unsubscribe and suppress any address with one request. Leave `false` and set "
        "`DIGEST_SENDGRID_WEBHOOK_KEY`.",
    ),
    Setting(
        "DIGEST_TRACK_CLICKS",
        "track_clicks",
        "true",
        _bool,
        "Story links go through our signed redirect (`/r/<token>`) that counts clicks; `false` links "
        "straight to the article.",
    ),
    Setting(
        "DIGEST_HUMAN_CLICK_MIN_SECONDS",
        "human_click_min_seconds",
        "10",
        _positive(int),
        "A click sooner than this many seconds after the provider accepted the message counts as a "
        "machine click (mail scanners follow links on arrival).",
    ),
    Setting(
        "DIGEST_BREAKER_COMPLAINT_RATE",
        "breaker_complaint_rate",
        "0.003",
        _positive(float),
        "An edition's remaining email batches pause when spam reports exceed this share of delivered "
        "emails (0.003 = 0.3 %), once `DIGEST_BREAKER_MIN_DELIVERED` were delivered.",
    ),
    Setting(
        "DIGEST_BREAKER_MIN_DELIVERED",
        "breaker_min_delivered",
        "1000",
        _positive(int),
        "Delivered emails an edition needs before its spam-report rate can pause it.",
    ),
    Setting(
        "DIGEST_BREAKER_BOUNCE_RATE",
        "breaker_bounce_rate",
        "0.05",
        _positive(float),
        "An edition's remaining email batches pause when hard bounces exceed this share of the "
        "emails sent (0.05 = 5 %).",
    ),
    Setting(
        "DIGEST_SUNSET_EDITIONS",
        "sunset_editions",
        "0",
        _count,
        "Sunsetting: readers with no human open and no human click in their last this many emailed "
        "editions get one \"still want this?\" email with a keep link. 0 (the default) turns it off.",
    ),
    Setting(
        "DIGEST_SUNSET_DAYS",
        "sunset_days",
        "14",
        _positive(int),
        "Sunsetting: days a reader has to answer (click the keep link, or open or click anything) "
        "before they become `inactive`: not sent to, not deleted, reactivated by any later click.",
    ),
    Setting(
        "DIGEST_ENGAGEMENT_WEIGHT",
        "engagement_weight",
        "0",
        _non_negative_float,
        "Weight of readers' clicks in the ranking: how yesterday's editions' stories of a section and "
        "a source were clicked, compared with all stories, becomes one more score part (shown in "
        "`digest preview --explain`), capped at ×1.2 (÷1.2). 0 (the default) turns it off.",
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    redis_url: str | None
    redis_prefix: str
    outbox_dir: Path
    email_channel: str
    telegram_channel: str
    sendgrid_api_key: str | None
    sendgrid_api_url: str
    sendgrid_rate: float
    sendgrid_webhook_key: str | None
    telegram_bot_token: str | None
    telegram_api_url: str
    telegram_rate: float
    telegram_webhook_secret: str | None
    default_timezone: str
    from_email: str
    public_url: str
    secret_key: str | None
    newsroom_name: str
    postal_address: str
    templates_dir: Path | None
    brand_color: str
    logo_url: str | None
    logo_size: tuple[int, int]
    footer_text: str
    subject_format: str
    cta_text: str
    cta_progress: tuple[int, int] | None
    cta_button_label: str
    cta_button_url: str | None
    section_titles: tuple[tuple[str, str], ...]
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_skip_domains: tuple[str, ...]
    email_max_kb: int
    telegram_lead_photo: bool
    telegram_bot_username: str | None
    fetch_timeout: float
    fetch_max_bytes: int
    fetch_interval: int
    fetch_allowlist: tuple[str, ...]
    half_life_hours: float
    items_per_section: int
    max_per_source: int
    max_age_hours: float
    section_priority: tuple[tuple[str, float], ...]
    category_sections: tuple[tuple[str, str], ...]
    diversity: float
    email_batch: int
    visibility_timeout: int
    resume_after: int
    log_level: str
    log_format: str
    editor_idle_minutes: int = 30
    editor_session_hours: int = 12
    max_body_bytes: int = 1048576
    environment: str | None = None
    broker_heartbeat: int = 60
    sendgrid_webhook_insecure_unsigned: bool = False
    track_clicks: bool = True
    human_click_min_seconds: int = 10
    breaker_complaint_rate: float = 0.003
    breaker_min_delivered: int = 1000
    breaker_bounce_rate: float = 0.05
    sunset_editions: int = 0
    sunset_days: int = 14
    engagement_weight: float = 0.0

    @property
    def shared_redis_url(self) -> str | None:
        """Redis for rate limits and locks: DIGEST_REDIS_URL, else a Redis broker."""
        return self.redis_url or (self.broker_url if self.broker_is_redis else None)

    @property
    def broker_is_redis(self) -> bool:
        return bool(self.broker_url) and _is_redis(str(self.broker_url))

    @property
    def production(self) -> bool:
        """Production mode: said so, or implied by a broker (workers on other machines)."""
        return _production(self.environment, self.broker_url)

    def signing_key(self) -> bytes:
        """The key for signed links; generated once into ./var when unset."""
        if self.secret_key:
            return self.secret_key.encode()
        path = Path("var/secret_key")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    def redacted(self) -> dict[str, object]:
        """The settings with secrets masked, safe to log or print."""
        out: dict[str, object] = {}
        for setting in SETTINGS:
            value = getattr(self, setting.field)
            out[setting.env] = "***" if setting.secret and value else _without_password(value)
        return out


def _without_password(value: object) -> object:
    """A URL with its password masked (``redis://:***@host``); any other value as it is."""
    if not isinstance(value, str) or "://" not in value:
        return value
    parts = urlsplit(value)
    if not parts.password:
        return value
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}***@{host}").geturl()


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


def _is_redis(url: str) -> bool:
    return url.startswith(("redis:", "rediss:"))


def _production(environment: str | None, broker_url: str | None) -> bool:
    return environment == "production" or (environment is None and broker_url is not None)


def _check_combinations(values: dict[str, Any]) -> None:
    broker = values["broker_url"]
    if broker and not _is_redis(broker) and not values["redis_url"]:
        raise ConfigError(
            "DIGEST_REDIS_URL",
            "required when DIGEST_BROKER_URL is not Redis: rate limits and locks live in Redis",
        )
    if _production(values["environment"], broker) and not values["secret_key"]:
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
