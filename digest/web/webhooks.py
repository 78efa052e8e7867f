"""SendGrid's Event Webhook: every event is stored once (``digest.pipeline.events``); bounces,
drops, spam reports and unsubscribes reach the suppression list.

With ``DIGEST_SENDGRID_WEBHOOK_KEY`` set (the verification key from SendGrid's Mail
Settings → Signed Event Webhook), every request must carry a valid ECDSA signature over
timestamp + body, checked with the sendgrid library's own helper, a timestamp within
``MAX_AGE`` of now, and a signature not seen before (a replay); others get 403.
Without a key, when email goes through SendGrid, every request is refused (403) unless the
operator set ``DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED=true``; with the outbox channel
no SendGrid mail exists and unsigned requests are accepted (a warning is logged at start-up).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from starlette.concurrency import run_in_threadpool

from digest.config import Settings
from digest.errors import ConfigError
from digest.pipeline import events as event_log
from digest.web.deps import ReaderSettingsDep

__all__ = [
    "INSECURE_ENV",
    "MAX_AGE",
    "WEBHOOK_KEY_ENV",
    "SignatureCheck",
    "install",
    "parse_events",
    "router",
]

log = logging.getLogger(__name__)

WEBHOOK_KEY_ENV = "DIGEST_SENDGRID_WEBHOOK_KEY"
INSECURE_ENV = "DIGEST_SENDGRID_WEBHOOK_INSECURE_UNSIGNED"
MAX_BODY = 5 * 1024 * 1024  # SendGrid batches events; a batch is far smaller than this
MAX_AGE = timedelta(minutes=10)  # SendGrid posts within seconds; older requests are replays


class SignatureCheck:
    """Verifies SendGrid's signature with the configured public key (None: accept all)."""

    def __init__(self, public_key: str | None) -> None:
        self._webhook = EventWebhook()
        self._key: Any = None
        if public_key:
            try:
                self._key = self._webhook.convert_public_key_to_ecdsa(public_key.strip())
            except (ValueError, UnsupportedAlgorithm) as exc:
                raise ConfigError(WEBHOOK_KEY_ENV, "not a SendGrid verification key (base64 EC key)") from exc
        else:
            log.warning("%s is not set: SendGrid events cannot be verified", WEBHOOK_KEY_ENV)

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def valid(self, body: bytes, signature: str | None, timestamp: str | None) -> bool:
        if self._key is None:
            return True
        if not signature or not timestamp:
            return False
        try:
            return bool(self._webhook.verify_signature(body.decode("utf-8"), signature, timestamp, self._key))
        except (ValueError, binascii.Error, InvalidSignature, UnicodeDecodeError):
            return False


def parse_events(payload: Any) -> list[event_log.WebhookEvent]:
    """The events of a SendGrid batch (a JSON array); entries we cannot read are skipped."""
    if not isinstance(payload, list):
        raise ValueError("expected a JSON array of events")
    return [event for event in map(event_log.from_sendgrid, payload) if event is not None]


def refuses_unsigned(settings: Settings, check: SignatureCheck) -> bool:
    """Unsigned events are refused when email goes through SendGrid, unless opted out."""
    return (
        not check.enabled
        and settings.email_channel == "sendgrid"
        and not settings.sendgrid_webhook_insecure_unsigned
    )


def fresh_timestamp(timestamp: str | None, now: datetime) -> datetime | None:
    """The signing time when it is within ``MAX_AGE`` of now (either way), else None."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return None
    signed_at = datetime.fromtimestamp(int(timestamp), UTC)
    return signed_at if abs(now - signed_at) <= MAX_AGE else None


def first_use(settings: Settings, timestamp: str, body: bytes, signed_at: datetime) -> bool:
    """Record what was signed; False when this signed request came before. The digest is of
    the signed bytes, not the signature: an ECDSA signature can be altered and stay valid."""
    digest = hashlib.sha256(timestamp.encode() + b"\n" + body).hexdigest()
    return event_log.first_use_of_signature(settings, digest, signed_at, MAX_AGE)


async def _refusal(
    settings: Settings, check: SignatureCheck, body: bytes, signature: str | None, timestamp: str | None
) -> str | None:
    """Why the request is refused, or None when its events may be recorded."""
    if refuses_unsigned(settings, check):
        return f"unsigned events are refused: set {WEBHOOK_KEY_ENV} (or, insecurely, {INSECURE_ENV}=true)"
    if not check.enabled:
        return None
    if not check.valid(body, signature, timestamp):
        return "bad signature"
    signed_at = fresh_timestamp(timestamp, datetime.now(UTC))
    if signed_at is None:
        return "signature timestamp too old (or in the future)"
    assert timestamp is not None  # fresh_timestamp() checked it
    if not await run_in_threadpool(first_use, settings, timestamp, body, signed_at):
        return "replayed request"
    return None


router = APIRouter()


def install(app: FastAPI, settings: Settings, check: SignatureCheck) -> None:
    """Add the webhook route, which checks signatures with ``check`` (kept in the app's state)."""
    if refuses_unsigned(settings, check):
        log.error(
            "email goes through SendGrid but %s is not set: SendGrid events are refused until it is",
            WEBHOOK_KEY_ENV,
        )
    app.state.webhook_check = check
    app.include_router(router)


@router.post("/webhooks/sendgrid")
async def sendgrid_events(settings: ReaderSettingsDep, request: Request) -> Response:
    check = request.app.state.webhook_check
    assert isinstance(check, SignatureCheck)
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return JSONResponse({"error": "too large"}, status_code=413)
    body = await request.body()
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "too large"}, status_code=413)
    refused = await _refusal(settings, check, body, signature, timestamp)
    if refused is not None:
        log.warning("sendgrid webhook: %s from %s", refused, request.client.host if request.client else "?")
        return JSONResponse({"error": refused}, status_code=403)
    try:
        events = parse_events(json.loads(body))
    except ValueError:
        return JSONResponse({"error": "expected a JSON array of events"}, status_code=400)
    outcome = await run_in_threadpool(event_log.record_webhook_events, settings, events)
    return JSONResponse({"received": outcome.received, "new": outcome.new, "acted": outcome.acted})
