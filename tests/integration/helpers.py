"""Real processes for integration tests: a feed server, Celery workers, the CLI."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from digest import sample
from tests.conftest import REDIS_PREFIX, ROOT

VENV_BIN = Path(sys.executable).parent


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def feed_server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (Last-Modified / If-Modified-Since → 304)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def sample_site(folder: Path, base_url_holder: list[str] | None = None) -> Path:
    """The sample feeds with today's dates, under ``folder``; returns the OPML path."""
    return sample.materialize(folder, datetime.now(UTC))


def http_opml(opml: Path, base_url: str) -> Path:
    """A copy of the OPML whose feeds point at the HTTP server instead of files."""
    text = opml.read_text().replace('xmlUrl="feeds/', f'xmlUrl="{base_url}/feeds/')
    target = opml.with_name("feeds-http.opml")
    target.write_text(text)
    return target


def environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "SENDGRID_", "TELEGRAM_"))}
    env["DIGEST_REDIS_PREFIX"] = REDIS_PREFIX
    env.update(values)
    env["PYTHONPATH"] = str(ROOT)
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "digest"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Worker:
    """A real ``celery -A worker worker`` process."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2, name: str = "w1") -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "worker",
                "worker",
                "-Q",
                "breaking,collect,send",
                "-c",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            cwd=ROOT,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log.read_text()}")
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready:\n{self.log.read_text()}")

    def kill(self) -> None:
        """kill -9 the whole worker (main process and its pool children)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()
