"""Signed links for unsubscribing and preferences (HMAC-SHA256 with the secret key).

A token names the subscriber, the list and the purpose, so it cannot be moved to
another subscriber or used for another action; preference links also expire.
Unsubscribe links do not expire: RFC 8058 one-click must keep working from old mail.

A token also carries the subscriber's ``binding`` (the random ``link_token`` of their row):
whoever later holds the same id has another, so a deleted reader's links never reach them
(the caller compares it with the row, see ``digest.pipeline.subscriptions.read_link``).

Format ``v2:<id>:<binding>:<purpose>:<expires>:<list>``: the list name comes last and is
taken whole, so no character in it (``:`` included) can shift the other fields. Tokens of
the first format (``<id>:<list>:<purpose>:<expires>``, sent before bindings existed) still
verify, with ``binding`` None: the caller accepts them only for rows older than bindings.
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
    binding: str | None = ""  # the subscriber's link token; None: a first-format token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, claim: LinkClaim) -> str:
    if claim.binding is None:  # the first format: only to check that old mail keeps working
        payload = f"{claim.subscriber_id}:{claim.list_name}:{claim.purpose}:{claim.expires}"
    else:
        fields = (claim.subscriber_id, claim.binding, claim.purpose, claim.expires, claim.list_name)
        payload = "v2:" + ":".join(str(f) for f in fields)
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16]
    return f"{_b64(payload.encode())}.{_b64(mac)}"


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
        claim = _parse(payload.decode())
    except ValueError:
        return None
    if claim.purpose != purpose or (claim.expires and claim.expires < now.timestamp()):
        return None
    return claim


def _parse(payload: str) -> LinkClaim:
    if payload.startswith("v2:"):
        sub_id, binding, purpose, expires, list_name = payload.removeprefix("v2:").split(":", 4)
        return LinkClaim(int(sub_id), list_name, purpose, int(expires), binding)
    sub_id, rest = payload.split(":", 1)  # neither the id nor the last two hold a ":"
    list_name, purpose, expires = rest.rsplit(":", 2)
    return LinkClaim(int(sub_id), list_name, purpose, int(expires), None)


def unsubscribe_url(
    public_url: str, key: bytes, subscriber_id: int, list_name: str, binding: str = ""
) -> str:
    token = sign(key, LinkClaim(subscriber_id, list_name, "unsubscribe", 0, binding))
    return f"{public_url}/unsubscribe/{token}"


def preferences_url(
    public_url: str, key: bytes, subscriber_id: int, list_name: str, now: datetime, binding: str = ""
) -> str:
    expires = int(now.timestamp()) + 30 * 24 * 3600
    token = sign(key, LinkClaim(subscriber_id, list_name, "preferences", expires, binding))
    return f"{public_url}/preferences/{token}"
