"""fetch against a real local HTTP server: conditional GET, caps, timeouts, redirects, SSRF."""

from __future__ import annotations

import gzip
import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from digest.collect.fetch import FetchOptions, fetch, retry_after
from digest.errors import FetchError

from .conftest import SAMPLE_FEEDS, LocalServer

LOCAL = FetchOptions(timeout=2, allowlist=("127.0.0.1",))
RSS = (SAMPLE_FEEDS / "frontline-tv.rss.xml").read_bytes()


def test_it_returns_the_body_and_validators_then_304_with_the_etag(server: LocalServer) -> None:
    def route(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            server.reply(304, ETag='"v1"')(handler)
        else:
            server.reply(
                200,
                RSS,
                ETag='"v1"',
                Last_Modified="Wed, 25 Nov 2026 08:00:00 GMT",
                Content_Type="application/rss+xml",
                Cache_Control="public, max-age=300",
            )(handler)

    server.routes["/feed"] = route
    first = fetch(server.url("/feed"), options=LOCAL)
    assert (first.status, first.body, first.etag) == (200, RSS, '"v1"')
    assert first.last_modified == "Wed, 25 Nov 2026 08:00:00 GMT"
    assert first.content_type == "application/rss+xml"
    assert first.ttl_seconds == 300
    second = fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified, options=LOCAL)
    assert (second.status, second.body) == (304, None)
    assert server.requests[-1]["If-Modified-Since"] == "Wed, 25 Nov 2026 08:00:00 GMT"
    assert server.requests[-1]["User-Agent"].startswith("digest/")


def test_it_decodes_gzip_bodies(server: LocalServer) -> None:
    server.routes["/feed"] = server.reply(200, gzip.compress(RSS), Content_Encoding="gzip")
    assert fetch(server.url("/feed"), options=LOCAL).body == RSS


def test_it_stops_a_gzip_bomb_by_its_decoded_size(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)  # ~20 KB on the wire
    server.routes["/bomb"] = server.reply(200, bomb, Content_Encoding="gzip")
    options = FetchOptions(timeout=5, max_bytes=1024 * 1024, allowlist=("127.0.0.1",))
    with pytest.raises(FetchError, match="body larger than 1048576 bytes") as caught:
        fetch(server.url("/bomb"), options=options)
    assert caught.value.permanent


def test_it_refuses_a_declared_oversize_body_without_reading_it(server: LocalServer) -> None:
    server.routes["/big"] = server.reply(200, b"x" * 2048)
    with pytest.raises(FetchError, match="body larger than 1000 bytes"):
        fetch(server.url("/big"), options=FetchOptions(max_bytes=1000, allowlist=("127.0.0.1",)))


def _trickle(headers_first: bool) -> Any:
    def route(handler: BaseHTTPRequestHandler) -> None:
        if headers_first:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.end_headers()
        else:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):  # one byte every 0.2 s: each read is quick, the whole is endless
            handler.wfile.write(b"<" if headers_first else b"X")
            handler.wfile.flush()
            time.sleep(0.2)

    return route


@pytest.mark.parametrize("headers_first", [True, False], ids=["trickled-body", "trickled-headers"])
def test_it_gives_up_on_a_trickling_server_at_the_deadline(server: LocalServer, headers_first: bool) -> None:
    server.routes["/slow"] = _trickle(headers_first)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s") as caught:
        fetch(server.url("/slow"), options=FetchOptions(timeout=1, allowlist=("127.0.0.1",)))
    assert time.monotonic() - started < 2.5
    assert not caught.value.permanent


def test_it_follows_redirects_and_reports_the_final_url(server: LocalServer) -> None:
    server.routes["/old"] = server.reply(301, Location="/middle")
    server.routes["/middle"] = server.reply(302, Location=server.url("/feed"))
    server.routes["/feed"] = server.reply(200, RSS)
    result = fetch(server.url("/old"), options=LOCAL)
    assert (result.url, result.body) == (server.url("/feed"), RSS)


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"/a": "/b", "/b": "/a"}, "redirect loop"),
        ({f"/{i}": f"/{i + 1}" for i in range(10)}, "more than 5 redirects"),
        ({"/a": "ftp://example.com/feed"}, "unsupported URL"),
    ],
    ids=["loop", "too-many", "bad-scheme"],
)
def test_it_refuses_bad_redirect_chains(server: LocalServer, routes: dict[str, str], message: str) -> None:
    for path, target in routes.items():
        server.routes[path] = server.reply(302, Location=target)
    first = next(iter(routes))
    with pytest.raises(FetchError, match=message):
        fetch(server.url(first), options=LOCAL)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(404, True), (410, True), (403, True), (500, False), (502, False), (503, False), (429, False)],
)
def test_it_maps_http_errors_to_permanent_or_transient(
    server: LocalServer, status: int, permanent: bool
) -> None:
    server.routes["/feed"] = server.reply(status)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetch(server.url("/feed"), options=LOCAL)
    assert caught.value.permanent is permanent
    assert caught.value.url == server.url("/feed")


@pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_it_passes_on_retry_after(server: LocalServer, header: str, seconds: float) -> None:
    server.routes["/feed"] = server.reply(429, Retry_After=header)
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/feed"), options=LOCAL)
    assert retry_after(caught.value) == seconds


def test_a_network_failure_is_transient() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="network error") as caught:
        fetch(f"http://127.0.0.1:{port}/feed", options=LOCAL)
    assert not caught.value.permanent


# --- SSRF -----------------------------------------------------------------------------------------


def test_it_refuses_localhost_without_an_allowlist(server: LocalServer) -> None:
    server.routes["/feed"] = server.reply(200, RSS)
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 resolves to private address") as caught:
        fetch(server.url("/feed"), options=FetchOptions(timeout=2))
    assert caught.value.permanent
    assert server.requests == []


@pytest.mark.parametrize("allowed", ["127.0.0.1", "127.0.0.0/8", "localhost"])
def test_the_allowlist_lets_a_local_server_through(server: LocalServer, allowed: str) -> None:
    server.routes["/feed"] = server.reply(200, RSS)
    url = (
        server.url("/feed").replace("127.0.0.1", "localhost")
        if allowed == "localhost"
        else server.url("/feed")
    )
    assert fetch(url, options=FetchOptions(timeout=2, allowlist=(allowed,))).body == RSS


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://0.0.0.0/"]
)
def test_it_refuses_metadata_and_unspecified_addresses(url: str) -> None:
    with pytest.raises(FetchError, match="refused") as caught:
        fetch(url, options=FetchOptions(timeout=1, allowlist=("127.0.0.1", "169.254.0.0/16")))
    assert caught.value.permanent


@pytest.mark.parametrize("target", ["http://10.0.0.1/feed", "http://[::1]/feed", "http://169.254.169.254/"])
def test_it_refuses_a_redirect_to_a_private_address(server: LocalServer, target: str) -> None:
    server.routes["/feed"] = server.reply(302, Location=target)
    with pytest.raises(FetchError, match="refused") as caught:
        fetch(server.url("/feed"), options=LOCAL)
    assert caught.value.permanent


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            ip = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_header(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"feeds.example": ["127.0.0.1"]})
    server.routes["/feed"] = server.reply(200, RSS)
    port = server.base.rsplit(":", 1)[1]
    result = fetch(
        f"http://feeds.example:{port}/feed", options=FetchOptions(timeout=2, allowlist=("feeds.example",))
    )
    assert result.body == RSS
    assert server.requests[0]["Host"] == f"feeds.example:{port}"


def test_a_host_rebinding_to_a_private_address_after_the_check_is_refused_at_connect(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # First answer (the hop check) is public, the second (the connection) is loopback.
    _fake_dns(monkeypatch, {"rebind.example": ["93.184.216.34", "127.0.0.1"]})
    server.routes["/feed"] = server.reply(200, RSS)
    port = server.base.rsplit(":", 1)[1]
    refusal = r"refused: rebind\.example resolves to private address 127\.0\.0\.1"
    with pytest.raises(FetchError, match=refusal):
        fetch(f"http://rebind.example:{port}/feed", options=FetchOptions(timeout=2))
    assert server.requests == []


# --- local files and schemes ----------------------------------------------------------------------


def test_it_reads_local_files_with_an_etag_and_304(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    for url in (str(path), path.as_uri()):
        first = fetch(url, options=FetchOptions())
        assert (first.status, first.body, first.content_type) == (200, RSS, "application/xml")
        assert fetch(url, etag=first.etag, options=FetchOptions()).status == 304


def test_it_caps_local_files_and_reports_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    with pytest.raises(FetchError, match="body larger than 100 bytes"):
        fetch(str(path), options=FetchOptions(max_bytes=100))
    with pytest.raises(FetchError, match="cannot read file") as caught:
        fetch(str(tmp_path / "missing.xml"), options=FetchOptions())
    assert caught.value.permanent


@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed.xml", "gopher://example.com/", "javascript:alert(1)"]
)
def test_it_refuses_other_schemes(url: str) -> None:
    with pytest.raises(FetchError, match="unsupported scheme") as caught:
        fetch(url, options=FetchOptions())
    assert caught.value.permanent


def test_options_come_from_settings() -> None:
    from digest.config import load

    settings = load(
        {"DIGEST_FETCH_TIMEOUT": "3", "DIGEST_FETCH_ALLOWLIST": "localhost, 10.0.0.0/8"}, dotenv=False
    )
    options = FetchOptions.from_settings(settings)
    assert (options.timeout, options.max_bytes, options.allowlist) == (
        3.0,
        15 * 1024 * 1024,
        ("localhost", "10.0.0.0/8"),
    )
