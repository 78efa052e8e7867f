"""The SendGrid Event Webhook refuses what anyone could forge, and stores each event once."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from digest.models import SubscriberStatus
from digest.store.db import transaction
from digest.store.tables import email_events, suppressions
from digest.web import create_app
from tests.web.conftest import BASE, add_subscriber, find
from tests.web.test_webhooks import is_suppressed, key_pair, signed  # noqa: F401 - fixture

SPAM = [{"email": "victim@example.org", "event": "spamreport", "sg_event_id": "spam-1"}]


@pytest.fixture
def sendgrid_settings(settings):
    return dataclasses.replace(settings, email_channel="sendgrid", sendgrid_api_key="SG.test")


def unsigned(events):
    return {"content": json.dumps(events).encode(), "headers": {"Content-Type": "application/json"}}


def stored(settings) -> int:
    with transaction(settings.database_url) as conn:
        return int(conn.execute(select(func.count()).select_from(email_events)).scalar_one())


def test_unsigned_events_are_refused_when_email_goes_through_sendgrid(sendgrid_settings):
    add_subscriber(sendgrid_settings, "victim@example.org")
    with TestClient(create_app(sendgrid_settings, webhook_key=""), base_url=BASE) as client:
        answer = client.post("/webhooks/sendgrid", **unsigned(SPAM))
    assert answer.status_code == 403
    assert "DIGEST_SENDGRID_WEBHOOK_KEY" in answer.json()["error"]
    assert not is_suppressed(sendgrid_settings, "victim@example.org")
    assert find(sendgrid_settings, "victim@example.org").status is SubscriberStatus.ACTIVE


def test_the_operator_can_accept_unsigned_events_only_with_the_insecure_setting(sendgrid_settings):
    insecure = dataclasses.replace(sendgrid_settings, sendgrid_webhook_insecure_unsigned=True)
    with TestClient(create_app(insecure, webhook_key=""), base_url=BASE) as client:
        assert client.post("/webhooks/sendgrid", **unsigned(SPAM)).status_code == 200
    assert is_suppressed(insecure, "victim@example.org")


@pytest.fixture
def signed_sendgrid(sendgrid_settings, key_pair):  # noqa: F811 - the fixture above
    with TestClient(create_app(sendgrid_settings, webhook_key=key_pair[1]), base_url=BASE) as client:
        yield client


def test_a_signed_request_older_than_ten_minutes_is_refused(signed_sendgrid, sendgrid_settings, key_pair):  # noqa: F811
    old = str(int(time.time()) - 11 * 60)
    assert signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], SPAM, old)).status_code == 403
    future = str(int(time.time()) + 11 * 60)
    assert signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], SPAM, future)).status_code == 403
    recent = str(int(time.time()) - 9 * 60)
    assert signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], SPAM, recent)).status_code == 200


def test_a_replayed_signed_request_is_refused(signed_sendgrid, sendgrid_settings, key_pair):  # noqa: F811
    request = signed(key_pair[0], SPAM)
    assert signed_sendgrid.post("/webhooks/sendgrid", **request).status_code == 200
    replay = signed_sendgrid.post("/webhooks/sendgrid", **request)
    assert replay.status_code == 403 and "replayed" in replay.json()["error"]


def test_the_same_sg_event_id_is_stored_and_acts_once(signed_sendgrid, sendgrid_settings, key_pair):  # noqa: F811
    add_subscriber(sendgrid_settings, "victim@example.org")
    event = {**SPAM[0], "edition_id": "3", "subscriber_id": "1"}
    first = signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], [event, event]))
    assert first.json() == {"received": 2, "new": 1, "acted": 1}
    for attempt in range(45):  # one user saw the same event 46 times
        repeat = {**event, "attempt": attempt}  # a repeat is signed again: other bytes, same sg_event_id
        again = signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], [repeat]))
        assert again.json() == {"received": 1, "new": 0, "acted": 0}
    assert stored(sendgrid_settings) == 1
    with transaction(sendgrid_settings.database_url) as conn:
        assert conn.execute(select(func.count()).select_from(suppressions)).scalar_one() == 1


def test_machine_opens_are_stored_apart_from_reader_opens(signed_sendgrid, sendgrid_settings, key_pair):  # noqa: F811
    events = [
        {
            "email": "a@example.org",
            "event": "open",
            "sg_event_id": "o1",
            "edition_id": "1",
            "subscriber_id": "1",
            "sg_machine_open": True,
        },
        {
            "email": "b@example.org",
            "event": "open",
            "sg_event_id": "o2",
            "edition_id": "1",
            "subscriber_id": "2",
            "sg_machine_open": False,
        },
    ]
    assert signed_sendgrid.post("/webhooks/sendgrid", **signed(key_pair[0], events)).status_code == 200
    with transaction(sendgrid_settings.database_url) as conn:
        rows = conn.execute(select(email_events.c.subscriber_id, email_events.c.machine)).all()
    assert sorted((r[0], bool(r[1])) for r in rows) == [(1, True), (2, False)]
