"""SendGrid's signed Event Webhook: a real ECDSA key pair signs timestamp + payload."""

from __future__ import annotations

import base64
import dataclasses
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from digest.errors import ConfigError
from digest.models import SubscriberStatus
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from digest.web import create_app
from tests.web.conftest import BASE, add_subscriber, find

SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


@pytest.fixture
def key_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()  # what SendGrid's settings page shows


@pytest.fixture
def signed_client(settings, key_pair):
    keyed = dataclasses.replace(settings, sendgrid_webhook_key=key_pair[1])
    with TestClient(create_app(keyed), base_url=BASE) as client:
        yield client


def signed(
    private: ec.EllipticCurvePrivateKey, events: list[dict[str, object]], timestamp: str | None = None
):
    timestamp = timestamp or str(int(time.time()))
    body = json.dumps(events)
    signature = private.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))
    headers = {SIGNATURE: base64.b64encode(signature).decode(), TIMESTAMP: timestamp}
    return {"content": body.encode(), "headers": {**headers, "Content-Type": "application/json"}}


def is_suppressed(settings, address: str) -> bool:
    with transaction(settings.database_url) as conn:
        return bool(suppression_store.suppressed(conn, [address]))


def test_a_validly_signed_bounce_suppresses_the_address(signed_client, settings, key_pair):
    add_subscriber(settings, "bounced@example.org")
    events = [{"email": "bounced@example.org", "event": "bounce", "type": "bounce", "sg_event_id": "e1"}]
    response = signed_client.post("/webhooks/sendgrid", **signed(key_pair[0], events))
    assert response.status_code == 200
    assert is_suppressed(settings, "bounced@example.org")
    assert find(settings, "bounced@example.org").status is SubscriberStatus.ACTIVE


def test_spam_reports_and_unsubscribes_also_unsubscribe_the_subscriber(signed_client, settings, key_pair):
    for address in ("spam@example.org", "unsub@example.org", "group@example.org"):
        add_subscriber(settings, address)
    events = [
        {"email": "spam@example.org", "event": "spamreport"},
        {"email": "unsub@example.org", "event": "unsubscribe"},
        {"email": "group@example.org", "event": "group_unsubscribe", "asm_group_id": 1},
        {"email": "spam@example.org", "event": "open"},
    ]
    response = signed_client.post("/webhooks/sendgrid", **signed(key_pair[0], events))
    assert response.json() == {"received": 4, "new": 4, "acted": 3}
    for address in ("spam@example.org", "unsub@example.org", "group@example.org"):
        assert is_suppressed(settings, address)
        assert find(settings, address).status is SubscriberStatus.UNSUBSCRIBED


def test_delivered_events_and_temporary_blocks_change_nothing(signed_client, settings, key_pair):
    events = [
        {"email": "ok@example.org", "event": "delivered"},
        {"email": "blocked@example.org", "event": "bounce", "type": "blocked"},
    ]
    assert signed_client.post("/webhooks/sendgrid", **signed(key_pair[0], events)).status_code == 200
    assert not is_suppressed(settings, "ok@example.org")
    assert not is_suppressed(settings, "blocked@example.org")


def test_a_bad_signature_is_refused_with_403(signed_client, settings, key_pair):
    events = [{"email": "victim@example.org", "event": "spamreport"}]
    request = signed(key_pair[0], events)
    request["content"] = json.dumps([{"email": "other@example.org", "event": "spamreport"}]).encode()
    assert signed_client.post("/webhooks/sendgrid", **request).status_code == 403

    other_key = ec.generate_private_key(ec.SECP256R1())
    assert signed_client.post("/webhooks/sendgrid", **signed(other_key, events)).status_code == 403

    unsigned = {"content": json.dumps(events).encode(), "headers": {"Content-Type": "application/json"}}
    assert signed_client.post("/webhooks/sendgrid", **unsigned).status_code == 403

    garbage = signed(key_pair[0], events)
    garbage["headers"][SIGNATURE] = "not base64 at all!"
    assert signed_client.post("/webhooks/sendgrid", **garbage).status_code == 403
    assert not is_suppressed(settings, "victim@example.org")
    assert not is_suppressed(settings, "other@example.org")


def test_a_signed_body_that_is_not_an_event_array_is_a_400(signed_client, key_pair):
    request = signed(key_pair[0], [])
    body = b'{"not": "a list"}'
    signature = key_pair[0].sign(request["headers"][TIMESTAMP].encode() + body, ec.ECDSA(hashes.SHA256()))
    request["content"] = body
    request["headers"][SIGNATURE] = base64.b64encode(signature).decode()
    assert signed_client.post("/webhooks/sendgrid", **request).status_code == 400


def test_without_a_key_events_are_accepted_unsigned(client, settings):
    events = [{"email": "b@example.org", "event": "dropped", "reason": "Bounced Address"}]
    response = client.post("/webhooks/sendgrid", json=events)
    assert response.status_code == 200
    assert is_suppressed(settings, "b@example.org")


def test_a_malformed_key_stops_start_up_naming_the_variable(settings):
    with pytest.raises(ConfigError, match="DIGEST_SENDGRID_WEBHOOK_KEY"):
        create_app(settings, webhook_key="not-a-key")
