"""Fetch a feed: the only HTTP of collection.

``fetch`` makes a conditional GET (ETag / Last-Modified; 304 gives a result without
a body), follows at most ``max_redirects`` redirects itself so that every hop passes
the SSRF check, caps the *decoded* body at ``max_bytes`` and gives up after
``timeout`` seconds in total, however slowly the server trickles bytes. Local paths
and ``file://`` URLs are read from disk under the same cap (sample feeds, tests).

Failures raise ``FetchError``: ``permanent=True`` for 404/410 and other 4xx, refused
addresses, unsupported schemes and oversize bodies; ``permanent=False`` for network
errors, timeouts, 408, 429 and 5xx. A 429/503 with ``Retry-After`` sets the error's
``retry_after`` attribute (seconds; read it with ``retry_after(err)``).
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import re
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

import httpx

from digest.collect import ssrf
from digest.collect.transport import deadline, make_client
from digest.errors import FetchError
from digest.models import FetchResult

__all__ = ["FetchOptions", "fetch", "retry_after"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 15
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    allowlist: tuple[str, ...] = ()
    user_agent: str = "digest/0.1 (+https://github.com/digest-news/digest)"

    @classmethod
    def from_settings(cls, settings: Any) -> FetchOptions:
        """Options from ``digest.config.Settings`` (fetch_timeout, fetch_max_bytes, fetch_allowlist)."""
        return cls(
            timeout=float(settings.fetch_timeout),
            max_bytes=int(settings.fetch_max_bytes),
            allowlist=tuple(settings.fetch_allowlist),
        )


def retry_after(error: BaseException) -> float | None:
    """The server's Retry-After hint carried by a FetchError, in seconds, if any."""
    value = getattr(error, "retry_after", None)
    return float(value) if value is not None else None


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    options: FetchOptions,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET ``url`` (or read it from disk) and return what came back; raise FetchError."""
    scheme = _split(url, url).scheme.lower()
    if scheme == "file" or (len(scheme) <= 1 and not url.startswith("//")):  # "C:" is a drive
        return _read_file(url, etag, options)
    if scheme not in ("http", "https"):
        raise FetchError(url, f"unsupported scheme {scheme!r}", permanent=True)
    headers = {"If-None-Match": etag} if etag else {}
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own = client is None
    http = client or make_client(
        timeout=options.timeout, allowlist=options.allowlist, user_agent=options.user_agent
    )
    try:
        with deadline(options.timeout):
            return _follow(http, url, headers, options, time.monotonic() + options.timeout)
    except httpx.TimeoutException as exc:
        raise FetchError(url, f"timed out after {options.timeout:g} s") from exc
    except ssrf.RefusedAddressError as exc:
        raise FetchError(url, exc.reason, permanent=True) from exc
    except httpx.HTTPError as exc:
        raise FetchError(url, f"network error: {exc or type(exc).__name__}") from exc
    finally:
        if own:
            http.close()


def _follow(
    client: httpx.Client, url: str, headers: dict[str, str], options: FetchOptions, end: float
) -> FetchResult:
    """Request ``url`` and each redirect target, checking every hop's address first."""
    seen = {url}
    current = url
    for _ in range(options.max_redirects + 1):
        _check_hop(url, current, options)
        request = client.build_request("GET", current, headers=headers)
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                return _result(url, current, response, options, end)
        finally:
            response.close()
        current = urljoin(current, location.strip())
        if _split(url, current).scheme not in ("http", "https"):
            raise FetchError(url, f"redirect to unsupported URL {current}", permanent=True)
        if current in seen:
            raise FetchError(url, f"redirect loop at {current}")
        seen.add(current)
    raise FetchError(url, f"more than {options.max_redirects} redirects")


def _check_hop(url: str, hop: str, options: FetchOptions) -> None:
    """Refuse a hop to a private address before any request is sent.

    Our own client re-checks and pins the address when it connects; this check also
    covers a client passed in by the caller.
    """
    parts = _split(url, hop)
    if not parts.hostname:
        raise FetchError(url, f"no host in {hop}", permanent=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        ssrf.resolve(parts.hostname, port, options.allowlist)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {parts.hostname}: {exc}") from exc


def _split(url: str, target: str) -> SplitResult:
    """``target`` taken apart, port included; a malformed one is a permanent error of ``url``."""
    try:
        parts = urlsplit(target)
        _ = parts.port  # raises on a bad port
    except ValueError as exc:
        raise FetchError(url, f"invalid URL {target!r}: {exc}", permanent=True) from exc
    return parts


def _result(url: str, final: str, response: httpx.Response, options: FetchOptions, end: float) -> FetchResult:
    status = response.status_code
    if status == 304:
        return _make_result(final, 304, None, response)
    if status >= 400:
        raise _status_error(url, response)
    if status != 200:
        raise FetchError(url, f"unexpected HTTP status {status}")
    declared = response.headers.get("Content-Length", "")
    identity = "Content-Encoding" not in response.headers
    if identity and declared.isdigit() and int(declared) > options.max_bytes:
        raise FetchError(url, f"body larger than {options.max_bytes} bytes", permanent=True)
    return _make_result(final, 200, _read_capped(url, response, options, end), response)


def _read_capped(url: str, response: httpx.Response, options: FetchOptions, end: float) -> bytes:
    """The decoded body, refused past max_bytes and past the fetch deadline.

    A gzip body is inflated here never more than the cap past what was read, so a gzip bomb
    costs no more memory than the cap allows; other encodings go through httpx's decoders.
    """
    chunks: list[bytes] = []
    size = 0
    for chunk in _decoded(url, response, options.max_bytes):
        size += len(chunk)
        if size > options.max_bytes:
            raise FetchError(url, f"body larger than {options.max_bytes} bytes", permanent=True)
        if time.monotonic() > end:  # a client passed in has no deadline-aware sockets
            raise FetchError(url, f"timed out after {options.timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _decoded(url: str, response: httpx.Response, limit: int) -> Iterator[bytes]:
    """The body's bytes, decompressed; gzip by at most ``limit + 1`` bytes per step.

    (httpx inflates each network chunk whole: 64 kB of a gzip bomb become 64 MB at once.)
    """
    if response.headers.get("Content-Encoding", "").strip().lower() not in ("gzip", "x-gzip"):
        yield from response.iter_bytes()
        return
    inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer
    try:
        for data in response.iter_raw():
            while data:
                yield inflater.decompress(data, limit + 1)
                data = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error as exc:
        raise FetchError(url, f"invalid gzip body: {exc}") from exc


def _make_result(url: str, status: int, body: bytes | None, response: httpx.Response) -> FetchResult:
    return FetchResult(
        url=url,
        status=status,
        body=body,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=response.headers.get("Content-Type"),
        ttl_seconds=_max_age(response.headers.get("Cache-Control", "")),
    )


def _max_age(cache_control: str) -> int | None:
    if "no-store" in cache_control.lower():
        return None
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    transient = status in (408, 425, 429) or status >= 500
    hint = _parse_retry_after(response.headers.get("Retry-After")) if transient else None
    problem = f"HTTP {status} {response.reason_phrase}".rstrip()
    return FetchError(url, problem, permanent=not transient, retry_after=hint)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_file(url: str, etag: str | None, options: FetchOptions) -> FetchResult:
    """Read a local feed; its ETag is derived from size and mtime so 304 works here too."""
    path = Path(unquote(urlsplit(url).path)) if url.lower().startswith("file:") else Path(url)
    try:
        stat = path.stat()
        if stat.st_size > options.max_bytes:
            raise FetchError(url, f"body larger than {options.max_bytes} bytes", permanent=True)
        tag = '"' + hashlib.sha1(f"{stat.st_size}-{stat.st_mtime_ns}".encode()).hexdigest()[:16] + '"'
        if etag == tag:
            return FetchResult(url=url, status=304, body=None, etag=tag)
        with path.open("rb") as handle:
            body = handle.read(options.max_bytes + 1)
    except OSError as exc:
        raise FetchError(url, f"cannot read file: {exc.strerror or exc}", permanent=True) from exc
    if len(body) > options.max_bytes:
        raise FetchError(url, f"body larger than {options.max_bytes} bytes", permanent=True)
    content_type, _ = mimetypes.guess_type(path.name)
    return FetchResult(url=url, status=200, body=body, etag=tag, content_type=content_type)
