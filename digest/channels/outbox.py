"""The outbox channels: email as ``.eml`` files, Telegram messages as JSON, under ``outbox_dir``.

They are the default way out (development, staging, an editor's preview) and the fakes the
pipeline tests read. Each file is named after (edition, recipient), so a retried delivery
overwrites its file instead of adding a second one, and it is written to a temporary name
and renamed, so a reader never sees half a message.

The email's HTML part and Telegram's HTML text get the recipient's values HTML-escaped.

Pictures that the bundled sample ships (``digest.sample.picture``: the sample feeds point
at made-up ``*.example`` hosts) go into the ``.eml`` as inline ``cid:`` parts, so the demo's
emails show them when opened from the outbox. Every other picture stays a link, as in the
emails SendGrid sends.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import mimetypes
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any, ClassVar

from digest import sample
from digest.channels.base import DeliveryChannel, Envelope, display_name
from digest.config import Settings
from digest.errors import DeliveryError, PartiallyDelivered
from digest.limits import SENDGRID_MAX_PERSONALIZATIONS
from digest.models import Channel, Recipient
from digest.render import personalize
from digest.render.telegram import inline_keyboard

__all__ = ["OutboxEmail", "OutboxTelegram", "inline_pictures", "list_unsubscribe", "subject_for"]

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9@_.-]")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)
Pictures = Callable[[str], Path | None]  # a picture's URL -> the local file that has it, or None


def subject_for(envelope: Envelope) -> str:
    """The subject as sent: a test send is marked so nobody mistakes it for the real one."""
    subject = envelope.content.subject
    return f"[TEST] {subject}" if envelope.test else subject


def list_unsubscribe(envelope: Envelope, recipient: Recipient) -> dict[str, str]:
    """The RFC 2369/8058 headers; one-click (the Post header) only with an https URL."""
    links = []
    if recipient.unsubscribe_url:
        links.append(f"<{recipient.unsubscribe_url}>")
    if envelope.unsubscribe_mailto:
        links.append(f"<{envelope.unsubscribe_mailto}>")
    headers = {"List-Unsubscribe": ", ".join(links)} if links else {}
    if recipient.unsubscribe_url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _transfer_encoding(body: str) -> str | None:
    """Quoted-printable for non-ASCII bodies, so the file is 7-bit clean for any relay."""
    return None if body.isascii() else "quoted-printable"


def inline_pictures(html: str, pictures: Pictures) -> tuple[str, dict[str, Path]]:
    """``html`` with each picture that ``pictures`` has locally pointing at a ``cid:``, and
    those files by content id (one part per file, however often it is shown)."""
    found: dict[str, Path] = {}

    def swap(match: re.Match[str]) -> str:
        path = pictures(html_lib.unescape(match.group(2)))
        if path is None:
            return match.group(0)
        cid = f"{hashlib.sha256(str(path).encode()).hexdigest()[:16]}@digest.picture"
        found[cid] = path
        return f"{match.group(1)}cid:{cid}{match.group(3)}"

    return _IMG_SRC.sub(swap, html), found


def _attach_pictures(msg: EmailMessage, found: dict[str, Path]) -> None:
    """Make the HTML part (the last alternative) multipart/related with the pictures."""
    *_, html_part = msg.iter_parts()
    for cid, path in found.items():
        maintype, _, subtype = (mimetypes.guess_type(path.name)[0] or "image/jpeg").partition("/")
        html_part.add_related(
            path.read_bytes(), maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=path.name
        )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a hidden temporary file beside ``path``, then rename it into place.

    ``os.replace`` makes the file appear whole or not at all; we do not fsync, since the
    outbox promises visibility, not durability across a power cut.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DeliveryError(f"outbox: unable to write {path}: {exc.strerror or exc}") from exc


class OutboxEmail(DeliveryChannel):
    """Each recipient's email as an RFC 5322 file ``email/<edition_id>/<subscriber_id>.eml``."""

    name: ClassVar[str] = "outbox-email"
    medium: ClassVar[Channel] = Channel.EMAIL
    max_batch: ClassVar[int] = SENDGRID_MAX_PERSONALIZATIONS  # batched as SendGrid batches

    def __init__(
        self,
        directory: Path,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        pictures: Pictures = sample.picture,
    ) -> None:
        self.directory = Path(directory)
        self._now = now
        self._pictures = pictures

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxEmail:
        return cls(settings.outbox_dir)

    def path_for(self, edition_id: int, subscriber_id: int) -> Path:
        return self.directory / "email" / str(edition_id) / f"{subscriber_id}.eml"

    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        delivered: list[int] = []
        refused: dict[int, str] = {}
        for recipient in recipients:
            try:
                data = self.message(envelope, recipient).as_bytes()
            except (ValueError, TypeError, LookupError) as exc:  # this recipient's data only
                refused[recipient.subscriber_id] = (
                    f"outbox: cannot build the email for {recipient.address!r}: {exc}"
                )
                continue
            try:
                _write_atomically(self.path_for(envelope.edition_id, recipient.subscriber_id), data)
            except DeliveryError as exc:
                if not delivered and not refused:
                    raise
                raise PartiallyDelivered(exc.message, tuple(delivered), refused=refused) from exc
            delivered.append(recipient.subscriber_id)
        if refused:
            raise PartiallyDelivered(
                f"outbox: {len(refused)} of {len(recipients)} recipients refused",
                tuple(delivered),
                permanent=True,
                refused=refused,
            )

    def message(self, envelope: Envelope, recipient: Recipient) -> EmailMessage:
        """The email one recipient gets, placeholders filled."""
        # SMTPUTF8 only when an address needs it; names and subjects are RFC 2047-encoded either way.
        ascii_only = recipient.address.isascii() and envelope.from_email.isascii()
        # RFC 5322 allows 998-character lines: without the longer limit the email package
        # RFC 2047-encodes the long List-Unsubscribe URL, which mail clients then cannot use.
        base = policy.SMTP if ascii_only else policy.SMTPUTF8
        msg = EmailMessage(policy=base.clone(max_line_length=998))
        msg["From"] = envelope.from_email
        msg["To"] = formataddr((display_name(recipient.name), recipient.address))
        msg["Subject"] = personalize(subject_for(envelope), recipient)
        msg["Date"] = format_datetime(self._now())
        domain = parseaddr(envelope.from_email)[1].rpartition("@")[2] or "localhost"
        msg["Message-ID"] = make_msgid(f"{envelope.edition_id}.{recipient.subscriber_id}", domain=domain)
        msg["List-Id"] = envelope.list_id
        for header, value in list_unsubscribe(envelope, recipient).items():
            msg[header] = value
        msg["X-Digest-Edition"] = str(envelope.edition_id)
        msg["X-Digest-Subscriber"] = str(recipient.subscriber_id)
        # multipart/alternative lists the preferred part last: plain text first, then HTML.
        text = personalize(envelope.content.text, recipient)
        html, pictures = inline_pictures(
            personalize(envelope.content.html, recipient, html_escape=True), self._pictures
        )
        msg.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
        msg.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
        if pictures:
            _attach_pictures(msg, pictures)
        return msg


class OutboxTelegram(DeliveryChannel):
    """Each Telegram part as ``telegram/<edition_id>/<chat_id>-<n>.json``: the lead photo shaped
    like sendPhoto (when the edition has one), then the messages like sendMessage."""

    name: ClassVar[str] = "outbox-telegram"
    medium: ClassVar[Channel] = Channel.TELEGRAM
    max_batch: ClassVar[int] = 1

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxTelegram:
        return cls(settings.outbox_dir)

    def path_for(self, edition_id: int, chat_id: str, n: int) -> Path:
        safe_chat = _UNSAFE_FILENAME.sub("_", chat_id)
        return self.directory / "telegram" / str(edition_id) / f"{safe_chat}-{n}.json"

    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        for recipient in recipients:
            for n, payload in enumerate(self.payloads(envelope, recipient), start=1):
                data = json.dumps(payload, ensure_ascii=False, indent=2).encode()
                _write_atomically(self.path_for(envelope.edition_id, recipient.address, n), data)

    def payloads(self, envelope: Envelope, recipient: Recipient) -> list[dict[str, Any]]:
        """The chat's parts in order: the lead photo (shaped like sendPhoto) when there is one,
        then the messages (like sendMessage), the last one with the inline keyboard."""
        content, chat = envelope.content, recipient.address
        parts: list[dict[str, Any]] = []
        if content.telegram_photo:
            caption = personalize(content.telegram_caption, recipient, html_escape=True)
            parts.append(
                {
                    "chat_id": chat,
                    "photo": content.telegram_photo,
                    "caption": caption,
                    "parse_mode": "HTML",
                    "edition_id": envelope.edition_id,
                }
            )
        for text in content.telegram:
            parts.append(
                {
                    "chat_id": chat,
                    "text": personalize(text, recipient, html_escape=True),
                    "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True},
                    "edition_id": envelope.edition_id,
                }
            )
        keyboard = inline_keyboard(content, chat)
        if keyboard and parts:
            parts[-1]["reply_markup"] = keyboard
        return parts
