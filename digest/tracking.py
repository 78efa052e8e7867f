"""Signed click links: ``/r/<link>~<reader>``, per edition, channel, link and reader.

The link half names the edition, the channel, the story (its lead item, 0 for other links,
``TRAP_ITEM`` for the hidden link) and the destination URL, and is signed: changing any of it,
the URL included, breaks the signature, so the redirect can only lead where an edition linked
(no open redirect). It is the same for every reader of a variant, so it is written at render
time. The reader half names the subscriber, edition and channel, also signed; it is a
per-recipient substitution (``-click_key-``), filled in at send like the unsubscribe link.
A link without a valid reader half (the web view, a forwarded copy with the half cut off)
still redirects, but counts for nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

__all__ = [
    "TRAP_ITEM",
    "LinkTarget",
    "LinkTracker",
    "read_token",
    "reader_key",
    "tracked_url",
]

TRAP_ITEM = -1
_LINK_MAC = 12
_READER_MAC = 9
_CHANNELS = {"email": "e", "telegram": "t"}


@dataclass(frozen=True, slots=True)
class LinkTarget:
    edition_id: int
    channel: str
    item_id: int  # 0: not a story (call to action), TRAP_ITEM: the hidden link
    url: str
    subscriber_id: int | None  # None: the reader half is missing or not genuine


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: bytes, payload: bytes, size: int) -> bytes:
    return hmac.new(key, purpose + b"\0" + payload, hashlib.sha256).digest()[:size]


def link_token(key: bytes, edition_id: int, channel: str, item_id: int, url: str) -> str:
    payload = f"{edition_id}|{_CHANNELS[channel]}|{item_id}|{url}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, b'link', payload, _LINK_MAC))}"


def reader_key(key: bytes, subscriber_id: int, edition_id: int, channel: str) -> str:
    """The reader half of this recipient's links in this edition and channel."""
    payload = f"{subscriber_id}.{edition_id}.{_CHANNELS[channel]}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, b'reader', payload, _READER_MAC))}"


def tracked_url(
    public_url: str, key: bytes, *, edition_id: int, channel: str, url: str, item_id: int, reader: str
) -> str:
    """The redirect link for ``url``; ``reader`` is the recipient's key or the placeholder for it."""
    return f"{public_url}/r/{link_token(key, edition_id, channel, item_id, url)}~{reader}"


def read_token(key: bytes, token: str) -> LinkTarget | None:
    """The target of a genuine token (its reader only when that half is genuine too), else None."""
    link, _, reader = token.partition("~")
    payload = _verified(key, b"link", link, _LINK_MAC)
    if payload is None:
        return None
    try:
        edition, channel_code, item, url = payload.decode().split("|", 3)
        channels = {code: name for name, code in _CHANNELS.items()}
        target = LinkTarget(int(edition), channels[channel_code], int(item), url, None)
    except (ValueError, KeyError, UnicodeDecodeError):
        return None
    return LinkTarget(
        target.edition_id, target.channel, target.item_id, target.url, _reader(key, reader, target)
    )


def _reader(key: bytes, half: str, target: LinkTarget) -> int | None:
    payload = _verified(key, b"reader", half, _READER_MAC)
    if payload is None:
        return None
    try:
        subscriber, edition, channel_code = payload.decode().split(".")
        same = int(edition) == target.edition_id and channel_code == _CHANNELS[target.channel]
        return int(subscriber) if same else None
    except (ValueError, UnicodeDecodeError):
        return None


def _verified(key: bytes, purpose: bytes, half: str, size: int) -> bytes | None:
    try:
        payload_b64, mac_b64 = half.split(".", 1)
        payload, given = _unb64(payload_b64), _unb64(mac_b64)
    except (ValueError, TypeError):
        return None
    if not hmac.compare_digest(_mac(key, purpose, payload, size), given):
        return None
    return payload


@dataclass(frozen=True, slots=True)
class LinkTracker:
    """What the renderer needs to write tracked links: our public URL and the signing key."""

    public_url: str
    key: bytes

    def track(self, url: str, *, edition_id: int, channel: str, item_id: int, reader: str) -> str:
        return tracked_url(
            self.public_url,
            self.key,
            edition_id=edition_id,
            channel=channel,
            url=url,
            item_id=item_id,
            reader=reader,
        )
