"""Settings, read once from the environment (and an optional ``.env`` file).

Every setting is declared once in ``SETTINGS`` with its default and its meaning; the
README's configuration table is checked against this list by the tests. A bad value
stops start-up with a ``ConfigError`` that names the variable.
"""

from __future__ import annotations

import os
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
        _optional(_url("redis", "rediss")),
        "Celery broker. Unset: tasks run in-process. `redis://host:6379/0`: Celery on Redis.",
    ),
    Setting(
        "DIGEST_REDIS_URL",
        "redis_url",
        "",
        _optional(_url("redis", "rediss")),
        "Redis for shared rate limits and locks; defaults to the broker URL.",
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
        "10",
        _positive(float),
        "SendGrid requests per second, shared by all workers through Redis.",
    ),
    Setting(
        "DIGEST_SENDGRID_WEBHOOK_KEY",
        "sendgrid_webhook_key",
        "",
        _optional(str),
        "Verification key of SendGrid's Signed Event Webhook (base64 EC public key). Unset: events "
        "are accepted unsigned.",
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
        "Seconds before Redis hands an unacknowledged task (its worker died) to another worker.",
    ),
    Setting(
        "DIGEST_LOG_LEVEL", "log_level", "INFO", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "Log level."
    ),
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    redis_url: str | None
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
    from_email: str
    public_url: str
    secret_key: str | None
    newsroom_name: str
    postal_address: str
    templates_dir: Path | None
    fetch_timeout: float
    fetch_max_bytes: int
    fetch_interval: int
    fetch_allowlist: tuple[str, ...]
    half_life_hours: float
    items_per_section: int
    max_per_source: int
    max_age_hours: float
    email_batch: int
    visibility_timeout: int
    log_level: str

    @property
    def shared_redis_url(self) -> str | None:
        return self.redis_url or self.broker_url

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
            out[setting.env] = "***" if setting.secret and value else value
        return out


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
