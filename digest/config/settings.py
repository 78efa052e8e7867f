"""``Settings``: every setting, one frozen dataclass put together from the concerns' parts.

``SETTINGS`` lists their declarations (variable, default, parser, meaning) in field order, for the
loader, ``digest config`` and the README's configuration table, which the tests check against it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from digest.config.branding import BrandingSettings
from digest.config.channels import ChannelSettings
from digest.config.editions import EditionSettings
from digest.config.safeguards import SafeguardSettings
from digest.config.services import ServiceSettings
from digest.config.setting import Setting

__all__ = ["SETTINGS", "Settings", "is_redis", "production"]


# Fields come in reverse order of the bases: services, channels, branding, editions, safeguards.
@dataclass(frozen=True)
class Settings(SafeguardSettings, EditionSettings, BrandingSettings, ChannelSettings, ServiceSettings):
    @property
    def shared_redis_url(self) -> str | None:
        """Redis for rate limits and locks: DIGEST_REDIS_URL, else a Redis broker."""
        return self.redis_url or (self.broker_url if self.broker_is_redis else None)

    @property
    def broker_is_redis(self) -> bool:
        return bool(self.broker_url) and is_redis(str(self.broker_url))

    @property
    def production(self) -> bool:
        """Production mode: said so, or implied by a broker (workers on other machines)."""
        return production(self.environment, self.broker_url)

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


SETTINGS: tuple[Setting, ...] = tuple(replace(f.metadata["setting"], field=f.name) for f in fields(Settings))


def is_redis(url: str) -> bool:
    return url.startswith(("redis:", "rediss:"))


def production(environment: str | None, broker_url: str | None) -> bool:
    return environment == "production" or (environment is None and broker_url is not None)


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
