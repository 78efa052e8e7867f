"""Which clicks are a reader's and which a machine's: every rule in one place, pure.

Mail security gateways, link-preview fetchers and privacy proxies follow links in mail before
(or instead of) the reader, which inflates click counts in every newsletter tool (listmonk
#1025 and #2400; beehiiv's "verified clicks"). A click is a machine's when:

============  ==========================================================================
``head``      it is a HEAD request (browsers GET; link checkers and scanners HEAD first)
``prefetch``  the browser says it is a prefetch or preview (``Sec-Purpose``/``Purpose``,
              ``X-Moz``, ``X-Purpose``), not a navigation the reader asked for
``scanner``   its user agent is a known scanner, preview fetcher or HTTP library
              (``SCANNER_AGENTS``), or it sent none
``too_soon``  it came sooner than ``DIGEST_HUMAN_CLICK_MIN_SECONDS`` after the provider
              accepted the message (gateways scan on arrival; a reader needs longer)
``trap``      it followed the hidden link no person sees (``is_trap``); every click of that
              recipient in that edition then counts as a machine's
``burst``     one recipient "clicked" nearly every link of the edition (``BURST_SHARE``, at
              least ``BURST_MIN_LINKS``) within ``BURST_SECONDS``: scanners open every link
============  ==========================================================================

``request_reason`` judges one request as it arrives; ``classify`` judges one edition's
stored clicks together (trap and burst need them all).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "BURST_MIN_LINKS",
    "BURST_SECONDS",
    "BURST_SHARE",
    "SCANNER_AGENTS",
    "Click",
    "ClickRequest",
    "classify",
    "request_reason",
]

# Lower-case fragments of user agents that are never a reader's browser. Sources: the agents
# the vendors document for their link-scanning and preview services (Microsoft Defender Safe
# Links, Mimecast URL Protect, Proofpoint URL Defense, Barracuda, Cisco/IronPort, Symantec/
# Broadcom, Trend Micro, Sophos, Zscaler, Forcepoint, FireEye/Trellix, Check Point, Google's
# and Microsoft's preview fetchers, Telegram's link preview "TelegramBot (like TwitterBot)"),
# the agents reported in listmonk #1025/#2400, and common HTTP libraries and headless browsers.
SCANNER_AGENTS: tuple[str, ...] = (
    "bot",
    "crawler",
    "spider",
    "scanner",
    "preview",
    "headlesschrome",
    "phantomjs",
    "barracuda",
    "mimecast",
    "proofpoint",
    "ironport",
    "cisco",
    "symantec",
    "messagelabs",
    "trend micro",
    "trendmicro",
    "sophos",
    "zscaler",
    "forcepoint",
    "fireeye",
    "trellix",
    "checkpoint",
    "check point",
    "safelinks",
    "ms-office",
    "microsoft office",
    "bingpreview",
    "google-safety",
    "googleimageproxy",
    "yahoomailproxy",
    "facebookexternalhit",
    "whatsapp",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "apache-httpclient",
    "node-fetch",
    "axios",
    "postman",
)
PREFETCH_HEADERS: tuple[str, ...] = ("sec-purpose", "purpose", "x-purpose", "x-moz")
PREFETCH_VALUES: tuple[str, ...] = ("prefetch", "preview", "prerender")
BURST_SECONDS = 10.0
BURST_SHARE = 0.8  # of the edition's links
BURST_MIN_LINKS = 3


@dataclass(frozen=True, slots=True)
class ClickRequest:
    """What one request to ``/r/<token>`` showed."""

    method: str
    user_agent: str
    headers: Mapping[str, str]  # lower-case names
    seconds_after_accept: float | None  # None: the message's acceptance is not known
    trap: bool = False


@dataclass(frozen=True, slots=True)
class Click:
    """One stored click of one edition."""

    recipient: int
    link: str
    at: datetime
    reason: str | None = None  # from request_reason


def request_reason(request: ClickRequest, *, min_seconds: float) -> str | None:
    """Why this single request is a machine's, or None when it may be a reader's."""
    if request.trap:
        return "trap"
    if request.method.upper() == "HEAD":
        return "head"
    if any(
        value in request.headers.get(name, "").lower()
        for name in PREFETCH_HEADERS
        for value in PREFETCH_VALUES
    ):
        return "prefetch"
    agent = request.user_agent.lower()
    if not agent.strip() or any(fragment in agent for fragment in SCANNER_AGENTS):
        return "scanner"
    if request.seconds_after_accept is not None and request.seconds_after_accept < min_seconds:
        return "too_soon"
    return None


def classify(clicks: Sequence[Click], *, links_in_edition: int) -> list[str | None]:
    """For each click (same order): why it is a machine's, or None for a reader's."""
    reasons = [click.reason for click in clicks]
    by_recipient: dict[int, list[int]] = {}
    for index, click in enumerate(clicks):
        by_recipient.setdefault(click.recipient, []).append(index)
    needed = max(BURST_MIN_LINKS, math.ceil(BURST_SHARE * links_in_edition))
    for indexes in by_recipient.values():
        if any(reasons[i] == "trap" for i in indexes):
            for i in indexes:
                reasons[i] = reasons[i] or "trap"
            continue
        for i in _burst(clicks, indexes, needed):
            reasons[i] = reasons[i] or "burst"
    return reasons


def _burst(clicks: Sequence[Click], indexes: list[int], needed: int) -> set[int]:
    """The clicks that fall in a window of BURST_SECONDS holding ``needed`` distinct links."""
    ordered = sorted(indexes, key=lambda i: clicks[i].at)
    found: set[int] = set()
    start = 0
    for end in range(len(ordered)):
        while (clicks[ordered[end]].at - clicks[ordered[start]].at).total_seconds() > BURST_SECONDS:
            start += 1
        window = ordered[start : end + 1]
        if len({clicks[i].link for i in window}) >= needed:
            found.update(window)
    return found
