"""The httpx client collection uses: pinned to checked addresses, with a wall-clock deadline.

httpx resolves host names itself, so a check made before the request could be
answered differently when the connection is made (DNS rebinding). Here the
connection pool's network backend does the resolving: it asks ``ssrf.resolve`` and
connects to an address that was checked. TLS still uses the URL's host name for SNI
and certificate checks, and the Host header is untouched, because httpcore passes
those from the request, not from the socket.

Every socket read and write is also bounded by the deadline of the fetch in progress
(``deadline``), so a server that sends headers or body a byte at a time cannot hold a
worker longer than the fetch timeout: per-read timeouts alone would let it.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

import httpcore
import httpx

from digest.collect import ssrf

__all__ = ["deadline", "make_client"]

_DEADLINE: ContextVar[float | None] = ContextVar("digest_fetch_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every socket operation of this context to ``seconds`` from now, in total."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _bounded(timeout: float | None) -> float | None:
    """The smaller of ``timeout`` and the time left; raise ReadTimeout when none is left."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to addresses ``ssrf.resolve`` accepted for the host."""

    def __init__(self, allowlist: Iterable[str]) -> None:
        self._allowlist = tuple(allowlist)
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = ssrf.resolve(host, port, self._allowlist)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, _bounded(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the host's next address, as a resolver-driven connect would
                continue
            return _DeadlineStream(stream)
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("feeds are not fetched over unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~12 ms: once per process, not twice per feed fetched
    # (it was 90 % of refreshing an unchanged feed).
    return httpx.create_ssl_context(trust_env=False)


def make_client(*, timeout: float, allowlist: Iterable[str], user_agent: str) -> httpx.Client:
    """A client whose connections go only to checked addresses; no proxies from the environment."""
    transport = httpx.HTTPTransport(retries=0, trust_env=False, verify=_ssl_context())
    # httpx does not take a network backend, so its pool is rebuilt around ours; the
    # arguments are the ones HTTPTransport itself passes.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        max_connections=10,
        max_keepalive_connections=5,
        keepalive_expiry=5.0,
        network_backend=_PinnedBackend(allowlist),
    )
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": user_agent},
    )
