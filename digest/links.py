"""Signed links for unsubscribing and preferences (HMAC-SHA256 with the secret key).

A token names the subscriber, the list and the purpose, so it cannot be moved to
another subscriber or used for another action; preference links also expire.
Unsubscribe links do not expire: RFC 8058 one-click must keep working from old mail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LinkClaim:
    subscriber_id: int
    list_name: str
    purpose: str
    expires: int  # Unix seconds, 0 = never


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, claim: LinkClaim) -> str:
    payload = f"{claim.subscriber_id}:{claim.list_name}:{claim.purpose}:{claim.expires}".encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(key: bytes, token: str, purpose: str, now: datetime) -> LinkClaim | None:
    """The claim when the token is genuine, for this purpose and not expired; else None."""
    try:
        payload_b64, mac_b64 = token.split(".", 1)
        payload = _unb64(payload_b64)
        given = _unb64(mac_b64)
    except (ValueError, TypeError):
        return None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(expected, given):
        return None
    try:
        sub_id, list_name, token_purpose, expires = payload.decode().rsplit(":", 3)
        claim = LinkClaim(int(sub_id), list_name, token_purpose, int(expires))
    except ValueError:
        return None
    if claim.purpose != purpose or (claim.expires and claim.expires < now.timestamp()):
        return None
    return claim


def unsubscribe_url(public_url: str, key: bytes, subscriber_id: int, list_name: str) -> str:
    token = sign(key, LinkClaim(subscriber_id, list_name, "unsubscribe", 0))
    return f"{public_url}/unsubscribe/{token}"


def preferences_url(public_url: str, key: bytes, subscriber_id: int, list_name: str, now: datetime) -> str:
    expires = int(now.timestamp()) + 30 * 24 * 3600
    token = sign(key, LinkClaim(subscriber_id, list_name, "preferences", expires))
    return f"{public_url}/preferences/{token}"
