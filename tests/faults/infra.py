"""Things a fault test breaks on purpose: a private Redis, a TCP proxy, a slow feed site.

None of them touches the shared Redis or database: a test that restarts Redis starts its
own ``redis-server`` on a free port, and a test that cuts the database does it through a
proxy of its own.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import redis
from sqlalchemy.engine import make_url

from digest.store import ledger
from digest.store.db import transaction


def free_port() -> int:
    """A port for a child process to listen on, from below the kernel's ephemeral range.

    A port from ``bind(0)`` is let go before the child binds it, and in that gap the kernel
    may hand the same number to an outgoing connection or to another ``bind(0)``; ports the
    kernel never picks by itself do not race with those.
    """
    low = ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port below the ephemeral range ({low})")


def ephemeral_low() -> int:
    """The lowest port the kernel picks by itself (Linux's default where it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class RedisServer:
    """A ``redis-server`` of the test's own, without persistence: a restart starts it empty."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        """Kill it: everything it held (queued tasks, unacked ones, limits) is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` drops every connection and refuses
    new ones (a database host gone from the network) until ``restore()``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut = threading.Event()
        self._closed = threading.Event()
        self.refused = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()


def through_proxy(database_url: str, proxy: TcpProxy) -> str:
    """The same database URL, connecting through ``proxy``."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


# --- a site of feeds -------------------------------------------------------------------------


def rss(name: str, items: list[tuple[str, str, str]], now: datetime | None = None) -> bytes:
    """An RSS 2.0 feed of (guid, link, title) items, published over the last hours."""
    now = now or datetime.now(UTC)
    entries = "".join(
        f'<item><guid isPermaLink="false">{escape(guid)}</guid><link>{escape(link)}</link>'
        f"<title>{escape(title)}</title><description>{escape(title)}: the story.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=5 + n))}</pubDate></item>"
        for n, (guid, link, title) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(name)}</title>'
        f"<link>https://{name}.example/</link><description>{escape(name)}</description>{entries}"
        "</channel></rss>"
    ).encode()


Route = Callable[[BaseHTTPRequestHandler], None]


class FeedSite:
    """Feeds served on 127.0.0.1: ``feeds[path] = body``, each answer ``delay`` seconds late;
    ``routes[path]`` answers a path its own way (a hostile server)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.feeds: dict[str, bytes] = {}
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with site._lock:
                    site.hits[path] = site.hits.get(path, 0) + 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if path in site.routes:
                        site.routes[path](self)
                        return
                    body = site.feeds.get(path)
                    if site.delay:
                        time.sleep(site.delay)
                    if body is None:
                        self.send_error(404)
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> FeedSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- waiting on the ledger -------------------------------------------------------------------


def ledger_counts(db_url: str) -> dict[str, int]:
    with transaction(db_url) as conn:
        editions = [
            int(x) for x in conn.exec_driver_sql("select distinct edition_id from deliveries").scalars()
        ]
        return ledger.counts(conn, editions) if editions else {}


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def wait_until_done(db_url: str, total: int, timeout: float) -> dict[str, int]:
    """Ledger counts once ``total`` rows are sent or failed (or at the timeout)."""
    counts: dict[str, int] = {}

    def done() -> bool:
        nonlocal counts
        counts = ledger_counts(db_url)
        return counts.get("sent", 0) + counts.get("failed", 0) >= total

    wait_for(done, timeout, step=0.5)
    return counts


def what_workers_did(logs: dict[str, str]) -> str:
    """Each worker's batch outcomes, retries, warnings and errors, a line each: what a failure
    needs to be understood, since the workers' log files go with the test's temporary folder."""
    keep = ("WARNING", "ERROR", " batch ", "Retry", "retry")
    lines = [(name, line) for name, text in logs.items() for line in text.splitlines()]
    return "\n".join(f"{name}: {line}" for name, line in lines if any(k in line for k in keep))
