"""The headers mailbox providers look for, on every email the channels send, test sends included.

The outbox writes them all itself. Through SendGrid we set List-Id (once per request) and
List-Unsubscribe / List-Unsubscribe-Post (per recipient); SendGrid adds Message-ID and Date
on its servers, so the request must not carry them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from digest.channels.base import Envelope
from digest.channels.outbox import OutboxEmail
from digest.channels.sendgrid import SendGridChannel
from digest.models import Recipient
from digest.render import Branding, Renderer
from tests.core.factories import edition, item, story

NOW = datetime(2025, 3, 5, 6, 0, tzinfo=UTC)
READER = Recipient(
    5,
    "olena@example.org",
    "Олена",
    "https://news.example.org/unsubscribe/tok5",
    "https://news.example.org/preferences/tok5",
)
MAILTO = "mailto:unsubscribe@news.example.org?subject=unsubscribe%20daily"


def rendered_envelope(*, test: bool) -> Envelope:
    branding = Branding("The Daily Digest", "1 Example Street", "https://news.example.org")
    content = Renderer(branding).render(
        edition(("News", [story(item("a", "Рада ухвалила бюджет 🇺🇦"))])),
        edition_id=42,
        web_url="https://news.example.org/editions/42",
    )
    return Envelope(
        42,
        "daily",
        content,
        "The Daily Digest <digest@news.example.org>",
        "The Daily Digest daily <daily.news.example.org>",
        MAILTO,
        test=test,
    )


@pytest.mark.parametrize("test_send", [False, True], ids=["edition", "test send"])
def test_every_outbox_email_has_the_list_and_message_headers(tmp_path: Path, test_send: bool) -> None:
    envelope = rendered_envelope(test=test_send)
    OutboxEmail(tmp_path, now=lambda: NOW).deliver(envelope, [READER])
    raw = (tmp_path / "email" / "42" / "5.eml").read_bytes()
    msg = message_from_bytes(raw, policy=policy.default)

    assert msg["List-Unsubscribe"] == f"<{READER.unsubscribe_url}>, <{MAILTO}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == "The Daily Digest daily <daily.news.example.org>"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(".42.5@news.example.org>")
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert msg["Subject"].startswith("[TEST] ") is test_send
    html = msg.get_body(("html",))
    assert html is not None
    assert 'href="https://news.example.org/unsubscribe/tok5"' in html.get_content()


def test_one_click_needs_an_https_link(tmp_path: Path) -> None:
    plain_http = replace(READER, unsubscribe_url="http://localhost:8000/unsubscribe/tok5")
    msg = OutboxEmail(tmp_path, now=lambda: NOW).message(rendered_envelope(test=False), plain_http)
    assert msg["List-Unsubscribe"] == f"<{plain_http.unsubscribe_url}>, <{MAILTO}>"
    assert msg["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize("test_send", [False, True], ids=["edition", "test send"])
def test_every_sendgrid_request_carries_the_list_headers_and_leaves_id_and_date_to_sendgrid(
    test_send: bool,
) -> None:
    body = SendGridChannel("SG.key", host="http://127.0.0.1:9").request_body(
        rendered_envelope(test=test_send), [READER]
    )
    assert body["headers"]["List-Id"] == "The Daily Digest daily <daily.news.example.org>"
    headers = body["personalizations"][0]["headers"]
    assert headers["List-Unsubscribe"] == f"<{READER.unsubscribe_url}>, <{MAILTO}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    every_header = {*body["headers"], *headers}
    assert not every_header & {"Message-ID", "Date"}  # SendGrid sets both itself
    assert body["subject"].startswith("[TEST] ") is test_send
    html = next(part["value"] for part in body["content"] if part["type"] == "text/html")
    assert 'href="-unsubscribe_url_html-"' in html
