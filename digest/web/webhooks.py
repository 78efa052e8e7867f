"""SendGrid's Event Webhook: bounces, drops, spam reports and unsubscribes reach the
suppression list.

With ``DIGEST_SENDGRID_WEBHOOK_KEY`` set (the verification key from SendGrid's Mail
Settings → Signed Event Webhook), every request must carry a valid ECDSA signature over
timestamp + body, checked with the sendgrid library's own helper; others get 403.
Without it, requests are accepted unsigned (a warning is logged at start-up).
"""

from __future__ import annotations

import binascii
import json
import logging
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from starlette.concurrency import run_in_threadpool

from digest.config import Settings
from digest.errors import ConfigError
from digest.pipeline import subscriptions as subs

__all__ = ["WEBHOOK_KEY_ENV", "SignatureCheck", "parse_events", "router"]

log = logging.getLogger(__name__)

WEBHOOK_KEY_ENV = "DIGEST_SENDGRID_WEBHOOK_KEY"
MAX_BODY = 5 * 1024 * 1024  # SendGrid batches events; a batch is far smaller than this


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
            log.warning("%s is not set: SendGrid events are accepted unsigned", WEBHOOK_KEY_ENV)

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


def parse_events(payload: Any) -> list[subs.ProviderEvent]:
    """The events of a SendGrid batch (a JSON array); entries we cannot read are skipped."""
    if not isinstance(payload, list):
        raise ValueError("expected a JSON array of events")
    return list(_events(payload))


def _events(entries: Iterable[Any]) -> Iterable[subs.ProviderEvent]:
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        email, event, kind = entry.get("email"), entry.get("event"), entry.get("type", "")
        if isinstance(email, str) and isinstance(event, str) and email and len(email) <= 320:
            yield subs.ProviderEvent(email=email, event=event, kind=kind if isinstance(kind, str) else "")


def router(settings: Settings, check: SignatureCheck) -> APIRouter:
    api = APIRouter()

    @api.post("/webhooks/sendgrid")
    async def sendgrid_events(request: Request) -> Response:
        declared = request.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        body = await request.body()
        signature = request.headers.get(EventWebhookHeader.SIGNATURE)
        timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        if not check.valid(body, signature, timestamp):
            log.warning(
                "sendgrid webhook: bad signature from %s", request.client.host if request.client else "?"
            )
            return JSONResponse({"error": "bad signature"}, status_code=403)
        try:
            events = parse_events(json.loads(body))
        except ValueError:
            return JSONResponse({"error": "expected a JSON array of events"}, status_code=400)
        acted = await run_in_threadpool(subs.record_provider_events, settings, events)
        return JSONResponse({"received": len(events), "acted": acted})

    return api
