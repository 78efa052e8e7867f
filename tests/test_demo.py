"""`digest demo`: the bundled sample, collected and sent to the outbox, reads as it should."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest import config, sample
from digest.cli import app, context

runner = CliRunner()
CID = re.compile(r'<img\b[^>]*\bsrc="cid:([^"]+)"')


@pytest.fixture(autouse=True)
def fresh_context():
    context._ready = False
    yield
    context._ready = False
    config.override(None)


@pytest.fixture
def demo_outbox(settings) -> Path:
    result = runner.invoke(app, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Path(settings.outbox_dir)


def emails(outbox: Path) -> list[EmailMessage]:
    paths = sorted(outbox.glob("email/*/*.eml"))
    found = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]
    return [msg for msg in found if isinstance(msg, EmailMessage)]


def test_the_demos_emails_carry_their_pictures_inline(demo_outbox) -> None:
    sent = emails(demo_outbox)
    assert sent, "the demo sent no email"
    shown_anywhere = 0
    for msg in sent:
        body = msg.get_body(("html",))
        assert body is not None
        html = body.get_content()
        parts = {p["Content-ID"].strip("<>"): p for p in msg.walk() if p.get_content_maintype() == "image"}
        for cid in CID.findall(html):
            data = parts[cid].get_content()
            assert data[:3] == b"\xff\xd8\xff" and len(data) > 2000  # a whole JPEG, not a stub
            shown_anywhere += 1
        sources = re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', html)
        assert [src for src in sources if ".example/" in src] == [], f"{msg['To']}: a picture left as a link"
    assert shown_anywhere >= len(sent) // 2, "most demo emails should lead with a picture"


def test_only_pictures_the_sample_ships_are_found_locally() -> None:
    assert sample.picture("https://kyivledger.example/media/pow-exchange.jpg") is not None
    for url in (
        "https://kyivledger.example/media/missing.jpg",
        "https://kyivledger.example/../../../etc/passwd",
        "http://kyivledger.example/media/pow-exchange.jpg",
        "https://news.example.org.evil/media/pow-exchange.jpg",
        "https://cdn.newsroom.org/media/pow-exchange.jpg",
    ):
        assert sample.picture(url) is None, url
