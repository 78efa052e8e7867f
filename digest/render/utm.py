"""UTM parameters on outbound links, so the newsroom's analytics can tell where readers came from.

Only links to stories and the call to action are tagged: never our own service links
(unsubscribe, preferences, web view), never a link that already carries ``utm_*`` (the
publisher tagged it on purpose), never a domain listed in ``skip_domains``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["Utm", "with_utm"]

Tagger = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Utm:
    """The parameters to add; an empty ``source`` turns tagging off."""

    source: str = ""
    medium: str = "email"
    campaign: str = "{list}"  # {list} and {date} are filled in
    skip_domains: tuple[str, ...] = ()

    def params(self, list_name: str, date: datetime, *, medium: str | None = None) -> dict[str, str]:
        if not self.source:
            return {}
        campaign = self.campaign.replace("{list}", list_name).replace("{date}", f"{date:%Y-%m-%d}")
        values = {"utm_source": self.source, "utm_medium": medium or self.medium, "utm_campaign": campaign}
        return {key: value for key, value in values.items() if value}

    def tagger(self, list_name: str, date: datetime, *, medium: str | None = None) -> Tagger:
        """A function that tags one URL for this edition."""
        params = self.params(list_name, date, medium=medium)
        return lambda url: with_utm(url, params, self.skip_domains)


def with_utm(url: str, params: Mapping[str, str], skip_domains: tuple[str, ...] = ()) -> str:
    """``url`` with ``params`` appended to its query, unless it is skipped (see the module doc)."""
    if not params:
        return url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not host or _skipped(host, skip_domains):
        return url
    if any(key.lower().startswith("utm_") for key, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return url
    # The existing query is kept byte for byte: re-encoding it could break signed URLs.
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))


def _skipped(host: str, domains: tuple[str, ...]) -> bool:
    for domain in (d.lower().strip(".") for d in domains):
        if host == domain or host.endswith(f".{domain}"):
            return True
    return False
