"""The outbox channels write one whole file per (edition, recipient); and the registry picks them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest import sample
from digest.channels.base import Envelope
from digest.channels.outbox import OutboxEmail, OutboxTelegram
from digest.channels.registry import CHANNELS, email_channel, telegram_channel
from digest.channels.sendgrid import SendGridChannel
from digest.config import load
from digest.errors import DeliveryError
from digest.models import Channel, Recipient

Readers = Callable[..., list[Recipient]]


def _read(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _parts(msg: EmailMessage) -> list[tuple[str, str]]:
    return [(part.get_content_type(), part.get_content()) for part in msg.iter_parts()]


def test_each_recipient_gets_one_eml_file_named_after_edition_and_subscriber(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(3))

    files = sorted(p.name for p in (tmp_path / "email" / "42").iterdir())
    assert files == ["1.eml", "2.eml", "3.eml"]


def test_the_email_carries_the_bulk_sender_headers(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    (reader,) = readers(1)
    OutboxEmail(tmp_path).deliver(envelope, [reader])

    msg = _read(tmp_path / "email" / "42" / "1.eml")
    assert msg["From"] == "The Daily Digest <digest@news.example.org>"
    assert msg["To"] == "Reader 1 <reader1@example.org>"
    assert msg["Subject"] == "Morning digest for Reader 1"
    assert msg["Date"].datetime is not None
    assert msg["Message-ID"].endswith("@news.example.org>")
    assert msg["List-Id"] == "The Daily Digest daily <daily.news.example.org>"
    assert msg["List-Unsubscribe"] == (
        "<https://news.example.org/u/1?list=daily&sig=s1>, "
        "<mailto:unsubscribe@news.example.org?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["X-Digest-Edition"] == "42"
    assert msg["X-Digest-Subscriber"] == "1"


def test_the_file_is_rfc_5322_with_crlf_line_endings(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(1))

    raw = (tmp_path / "email" / "42" / "1.eml").read_bytes()
    assert b"\r\n\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_message_ids_are_unique(tmp_path: Path, envelope: Envelope, readers: Readers) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(20))

    ids = {_read(path)["Message-ID"] for path in (tmp_path / "email" / "42").iterdir()}
    assert len(ids) == 20


def test_the_text_part_comes_before_the_html_part(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(1))

    msg = _read(tmp_path / "email" / "42" / "1.eml")
    assert msg.get_content_type() == "multipart/alternative"
    assert [kind for kind, _ in _parts(msg)] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in msg.iter_parts())


def test_placeholders_are_filled_for_each_recipient(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(2))

    for i in (1, 2):
        (_, text), (_, html) = _parts(_read(tmp_path / "email" / "42" / f"{i}.eml"))
        assert f"Hello Reader {i}" in text
        assert f"Unsubscribe: https://news.example.org/u/{i}?list=daily&sig=s{i}" in text
        assert f"Preferences: https://news.example.org/p/{i}" in text
        assert f'href="https://news.example.org/u/{i}?list=daily&amp;sig=s{i}"' in html
        assert "-name-" not in text + html and "_url-" not in text + html


def test_a_name_with_markup_stays_text_in_the_html_part(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    reader = Recipient(7, "eve@example.org", "<b>Eve</b> & co", "https://news.example.org/u/7")
    OutboxEmail(tmp_path).deliver(envelope, [reader])

    (_, text), (_, html) = _parts(_read(tmp_path / "email" / "42" / "7.eml"))
    assert "Hello <b>Eve</b> & co" in text
    assert "Hello &lt;b&gt;Eve&lt;/b&gt; &amp; co" in html


def test_unicode_subject_name_and_body_survive(tmp_path: Path, envelope: Envelope) -> None:
    content = envelope.content.__class__(
        subject="Ранковий дайджест — -name- ☕",
        preheader="",
        html="<p>Привіт, -name-! Ціна: 5 €</p>",
        text="Привіт, -name-! Ціна: 5 €",
        telegram=(),
    )
    unicode_envelope = replace(envelope, content=content)
    reader = Recipient(5, "olena@example.org", "Олена Коваль", "https://news.example.org/u/5")
    OutboxEmail(tmp_path).deliver(unicode_envelope, [reader])

    raw = (tmp_path / "email" / "42" / "5.eml").read_bytes()
    raw.decode("ascii")  # headers are RFC 2047 encoded, bodies transfer-encoded
    msg = _read(tmp_path / "email" / "42" / "5.eml")
    assert msg["Subject"] == "Ранковий дайджест — Олена Коваль ☕"
    assert msg["To"].addresses[0].display_name == "Олена Коваль"
    (_, text), (_, html) = _parts(msg)
    assert text.strip() == "Привіт, Олена Коваль! Ціна: 5 €"
    assert "Привіт, Олена Коваль!" in html


def test_a_test_send_is_marked_in_the_subject(tmp_path: Path, envelope: Envelope, readers: Readers) -> None:
    OutboxEmail(tmp_path).deliver(replace(envelope, test=True), readers(1))

    assert _read(tmp_path / "email" / "42" / "1.eml")["Subject"] == "[TEST] Morning digest for Reader 1"


def test_without_an_https_link_there_is_no_one_click_header(tmp_path: Path, envelope: Envelope) -> None:
    OutboxEmail(tmp_path).deliver(envelope, [Recipient(9, "x@example.org")])

    msg = _read(tmp_path / "email" / "42" / "9.eml")
    assert msg["List-Unsubscribe"] == "<mailto:unsubscribe@news.example.org?subject=unsubscribe>"
    assert msg["List-Unsubscribe-Post"] is None


def test_a_retry_overwrites_the_file_instead_of_adding_one(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    channel = OutboxEmail(tmp_path)
    channel.deliver(envelope, readers(3))
    channel.deliver(envelope, readers(3))

    assert sorted(os.listdir(tmp_path / "email" / "42")) == ["1.eml", "2.eml", "3.eml"]


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary_one(
    tmp_path: Path, envelope: Envelope, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(DeliveryError) as caught:
        OutboxEmail(tmp_path).deliver(envelope, readers(1))

    assert not caught.value.permanent
    assert "No space left on device" in str(caught.value)
    assert list((tmp_path / "email" / "42").iterdir()) == []


def test_a_file_appears_whole_under_its_final_name(
    tmp_path: Path, envelope: Envelope, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        assert not Path(dst).exists() or Path(dst).stat().st_size > 0
        seen.append((Path(src).name, Path(src).stat().st_size))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    OutboxEmail(tmp_path).deliver(envelope, readers(1))

    ((temporary, size),) = seen
    assert temporary.startswith(".1.eml.") and temporary.endswith(".tmp")
    assert size == (tmp_path / "email" / "42" / "1.eml").stat().st_size


def test_telegram_messages_are_json_files_per_chat_and_part(tmp_path: Path, envelope: Envelope) -> None:
    chat = Recipient(3, "-1001234", "Newsroom <chat>", "https://news.example.org/u/3?a=1&b=2")
    OutboxTelegram(tmp_path).deliver(envelope, [chat])

    folder = tmp_path / "telegram" / "42"
    assert sorted(p.name for p in folder.iterdir()) == ["-1001234-1.json", "-1001234-2.json"]
    first = json.loads((folder / "-1001234-1.json").read_text())
    assert first == {
        "chat_id": "-1001234",
        "text": "<b>Digest</b> for Newsroom &lt;chat&gt;",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "edition_id": 42,
    }
    second = json.loads((folder / "-1001234-2.json").read_text())
    assert second["text"] == 'Bye: <a href="https://news.example.org/u/3?a=1&amp;b=2">unsubscribe</a>'


def test_a_chat_name_cannot_escape_the_outbox_folder(tmp_path: Path, envelope: Envelope) -> None:
    OutboxTelegram(tmp_path).deliver(envelope, [Recipient(4, "../../etc/passwd")])

    assert sorted(p.name for p in (tmp_path / "telegram" / "42").iterdir()) == [
        ".._.._etc_passwd-1.json",
        ".._.._etc_passwd-2.json",
    ]


def test_the_outbox_channels_declare_their_medium_and_batch() -> None:
    assert (OutboxEmail.medium, OutboxEmail.max_batch) == (Channel.EMAIL, 1000)
    assert (OutboxTelegram.medium, OutboxTelegram.max_batch) == (Channel.TELEGRAM, 1)


# --- the registry ----------------------------------------------------------------------------


def test_the_settings_choose_the_outbox_channels_by_default(tmp_path: Path) -> None:
    settings = load({"DIGEST_OUTBOX_DIR": str(tmp_path)}, dotenv=False)

    email, telegram = email_channel(settings), telegram_channel(settings)
    assert isinstance(email, OutboxEmail) and email.directory == tmp_path
    assert isinstance(telegram, OutboxTelegram) and telegram.directory == tmp_path


def test_the_settings_can_choose_sendgrid() -> None:
    settings = load(
        {
            "DIGEST_EMAIL_CHANNEL": "sendgrid",
            "SENDGRID_API_KEY": "SG.x",
            "DIGEST_SENDGRID_API_URL": "http://127.0.0.1:9",
        },
        dotenv=False,
    )

    assert isinstance(email_channel(settings), SendGridChannel)


def test_every_registered_name_is_a_channel_with_from_settings() -> None:
    for name in ("outbox-email", "outbox-telegram", "sendgrid", "telegram"):
        assert name in CHANNELS
        try:
            cls = CHANNELS[name]
        except ImportError:  # the Telegram channel's own dependency missing
            continue
        assert cls.name == name
        assert callable(getattr(cls, "from_settings", None))


def test_a_long_unsubscribe_url_stays_a_plain_ascii_header(tmp_path):
    from email import message_from_bytes
    from email.policy import default

    from digest.channels.base import Envelope
    from digest.channels.outbox import OutboxEmail
    from digest.models import Recipient, RenderedEdition

    long_url = "https://news.example.org/unsubscribe/" + "A" * 120 + ".sig"
    envelope = Envelope(
        7,
        "daily",
        RenderedEdition("Hi", "", "<p>x</p>", "x", ()),
        "d@news.example.org",
        "Daily <daily.news.example.org>",
        "mailto:u@news.example.org",
    )
    raw = OutboxEmail(tmp_path).message(envelope, Recipient(1, "r@example.org", "R", long_url, "")).as_bytes()
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n", 1)[0]
    parsed = message_from_bytes(raw, policy=default)
    assert f"<{long_url}>" in str(parsed["List-Unsubscribe"])


def test_pictures_the_sample_ships_go_into_the_eml_as_one_inline_part_each(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    shipped = "https://kyivledger.example/media/pow-exchange.jpg"
    elsewhere = "https://cdn.newsroom.example.org/lead.jpg"
    html = f'<img src="{shipped}" alt=""><img src="{elsewhere}" alt=""><img class="again" src="{shipped}">'
    pictured = replace(envelope, content=replace(envelope.content, html=html))
    OutboxEmail(tmp_path).deliver(pictured, readers(1))

    msg = _read(tmp_path / "email" / "42" / "1.eml")
    body = msg.get_body(("html",))
    assert body is not None
    sources = re.findall(r'src="([^"]+)"', body.get_content())
    [cid] = {src for src in sources if src.startswith("cid:")}
    assert sources == [cid, elsewhere, cid]
    [picture] = [part for part in msg.walk() if part.get_content_maintype() == "image"]
    assert picture["Content-ID"] == f"<{cid.removeprefix('cid:')}>"
    bundled = sample.picture(shipped)
    assert bundled is not None
    assert picture.get_content() == bundled.read_bytes()


def test_an_email_without_shipped_pictures_stays_two_alternatives(
    tmp_path: Path, envelope: Envelope, readers: Readers
) -> None:
    OutboxEmail(tmp_path).deliver(envelope, readers(1))
    msg = _read(tmp_path / "email" / "42" / "1.eml")
    assert [part.get_content_type() for part in msg.iter_parts()] == ["text/plain", "text/html"]
