"""Every request body is capped while it streams in: a real uvicorn server, raw HTTP/1.1
requests (declared lengths and chunked uploads), and a count of what the app read."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest.config import Settings
from digest.ratelimit import InProcessRateLimiter
from digest.web import create_app
from digest.web.webhooks import MAX_BODY as WEBHOOK_MAX

MB = 1024 * 1024
CHUNK = 64 * 1024
SLACK = MB  # uvicorn hands the app what it has buffered: the last message may pass the cap


class ReadCounter:
    """Outermost ASGI wrapper: how many body bytes the app pulled, request by request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pulled: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        index = len(self.pulled)
        self.pulled.append(0)

        async def counted() -> Message:
            message = await receive()
            self.pulled[index] += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@dataclass
class Server:
    port: int
    counter: ReadCounter
    answers: list[tuple[int, bytes]] = field(default_factory=list)


@contextmanager
def serving(app: ASGIApp) -> Iterator[Server]:
    """``app`` behind a read counter, served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn

    counter = ReadCounter(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    running = uvicorn.Server(uvicorn.Config(counter, log_level="warning"))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Server(sock.getsockname()[1], counter)
    finally:
        running.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    with serving(create_app(settings, limiter=InProcessRateLimiter(), webhook_key="")) as running:
        yield running


def post(
    server: Server,
    path: str,
    *,
    total: int,
    chunked: bool,
    declared: int | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """POST ``total`` bytes of JSON-ish filler; stops sending as soon as the server answers."""
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    length = f"Content-Length: {declared if declared is not None else total}\r\n"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else length
    head += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    conn.sendall((head + "\r\n").encode())
    conn.settimeout(0.5)
    body = b"[" + b" " * (total - 2) + b"]"
    try:
        for start in range(0, total, CHUNK):
            if select.select([conn], [], [], 0)[0]:
                break  # answered early: do not push the rest
            piece = body[start : start + CHUNK]
            conn.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
        else:
            if chunked:
                conn.sendall(b"0\r\n\r\n")
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading: it has answered or is about to
    return _read_answer(conn)


def _read_answer(conn: socket.socket) -> tuple[int, bytes]:
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            break
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (int(v) for k, _, v in (h.partition(": ") for h in lines[1:]) if k.lower() == "content-length"), 0
    )
    while len(rest) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        rest += piece
    conn.close()
    return int(lines[0].split()[1]), rest


def test_a_chunked_upload_to_the_webhook_is_cut_off_at_its_cap_with_413(server):
    status, body = post(server, "/webhooks/sendgrid", total=200 * MB, chunked=True)
    assert status == 413 and "over the limit" in json.loads(body)["error"]
    assert server.counter.pulled[-1] < WEBHOOK_MAX + SLACK, "the app read on past the cap"


def test_a_chunked_upload_to_a_page_is_cut_off_at_the_default_cap(server, settings):
    status, body = post(server, "/unsubscribe/not-a-token", total=200 * MB, chunked=True)
    assert status == 413 and b"over the limit" in body
    assert server.counter.pulled[-1] < settings.max_body_bytes + SLACK


def test_a_declared_length_over_the_cap_is_refused_before_any_byte_is_read(server):
    status, _ = post(server, "/unsubscribe/not-a-token", total=10, chunked=False, declared=200 * MB)
    assert status == 413
    assert server.counter.pulled[-1] == 0


def test_the_json_api_answers_an_oversized_body_with_a_json_413(server, settings):
    status, body = post(server, "/api/v1/breaking", total=2 * MB, chunked=True)
    assert status == 413 and str(settings.max_body_bytes) in json.loads(body)["error"]


def test_the_webhook_still_takes_a_chunked_batch_under_its_own_cap(server):
    status, body = post(server, "/webhooks/sendgrid", total=2 * MB, chunked=True)
    assert status == 200, body
    answer = json.loads(body)
    assert (answer["received"], answer["acted"]) == (0, 0)
