"""The complaint/bounce breaker under a synthetic event storm: the rest of the email waits for
an editor, who resumes or cancels it."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from digest import pipeline
from digest.models import Subscriber
from digest.pipeline import breaker
from digest.pipeline.events import WebhookEvent, record_webhook_events
from digest.store import ledger
from digest.store import pauses as pause_store
from digest.store.db import transaction
from digest.store.tables import deliveries
from tests.pipeline.conftest import NOW


@pytest.fixture
def small_batches(settings):
    return dataclasses.replace(settings, email_batch=100)


def plan_for(world, settings, readers: int):
    world.add_items(4)
    world.subscribe(*[Subscriber(email=f"r{n}@example.org") for n in range(readers)])
    plan = pipeline.plan_send("daily", settings, now=NOW)
    email = [(channel, ids) for channel, ids in plan.batches if channel == "email"]
    return plan.edition_id, email


def send(settings, edition_id, batch):
    channel, ids = batch
    return pipeline.send_batch(edition_id, channel, ids, f"b{ids[0]}", settings)


def storm(settings, edition_id, batches, event: str, count: int, kind: str = "") -> None:
    """Every sent recipient delivered (except the bounced), then ``count`` of them ``event``."""
    ids = [i for _, batch_ids in batches for i in batch_ids]
    with transaction(settings.database_url) as conn:
        query = select(deliveries.c.subscriber_id).where(deliveries.c.id.in_(ids)).order_by(deliveries.c.id)
        sent = list(conn.execute(query).scalars())
    events = [
        WebhookEvent(f"d{i}", f"x{i}@example.org", "delivered", edition_id=edition_id, subscriber_id=i)
        for i in sent
    ]
    events += [
        WebhookEvent(
            f"{event}{i}", f"x{i}@example.org", event, kind=kind, edition_id=edition_id, subscriber_id=i
        )
        for i in sent[:count]
    ]
    record_webhook_events(settings, events, NOW)


def open_rows(settings, edition_id) -> int:
    with transaction(settings.database_url) as conn:
        return len(list(ledger.open_ids(conn, edition_id, "email")))


def test_spam_reports_over_the_threshold_pause_the_remaining_email_until_an_editor_resumes(
    world, small_batches
):
    settings = small_batches
    edition_id, batches = plan_for(world, settings, 1200)
    assert len(batches) == 12
    for batch in batches[:11]:
        assert send(settings, edition_id, batch).sent == 100
    storm(settings, edition_id, batches[:11], "spamreport", 4)  # 4 of 1,100 delivered: 0.36 %
    with transaction(settings.database_url) as conn:
        pause = pause_store.pause_of(conn, edition_id)
    assert pause is not None and "4 spam reports for 1100 delivered" in pause.reason
    assert send(settings, edition_id, batches[11]).sent == 0
    assert open_rows(settings, edition_id) == 100  # waiting, not lost
    assert breaker.resume(settings, edition_id, "ada@example.org")
    assert send(settings, edition_id, batches[11]).sent == 100


def test_an_editor_can_cancel_the_rest_of_a_paused_email(world, small_batches):
    settings = small_batches
    edition_id, batches = plan_for(world, settings, 300)
    send(settings, edition_id, batches[0])
    storm(settings, edition_id, batches[:1], "bounce", 6, kind="bounce")  # 6 of 100 sent: 6 %
    assert send(settings, edition_id, batches[1]).sent == 0
    assert breaker.cancel(settings, edition_id, "ada@example.org") == 200
    assert open_rows(settings, edition_id) == 0
    assert breaker.cancel(settings, edition_id, "ada@example.org") is None  # decided once


def test_few_complaints_or_a_small_sample_do_not_trip_the_breaker(world, small_batches):
    settings = small_batches
    edition_id, batches = plan_for(world, settings, 900)
    for batch in batches:
        send(settings, edition_id, batch)
    storm(settings, edition_id, batches, "spamreport", 30)  # 3 %, but fewer than 1,000 delivered
    storm(settings, edition_id, batches, "bounce", 5, kind="blocked")  # temporary: not hard bounces
    with transaction(settings.database_url) as conn:
        assert pause_store.pause_of(conn, edition_id) is None


@pytest.mark.parametrize(
    ("sent", "delivered", "complaints", "bounces", "trips"),
    [
        (1000, 1000, 3, 0, False),  # exactly 0.3 %: not over
        (1000, 1000, 4, 0, True),
        (999, 999, 50, 0, False),  # below the sample the rate needs
        (100, 95, 0, 5, False),  # exactly 5 %
        (100, 94, 0, 6, True),
        (99, 80, 0, 19, False),
    ],
)
def test_the_thresholds(settings, sent, delivered, complaints, bounces, trips):
    reason = breaker.trip_reason(
        settings, sent=sent, delivered=delivered, complaints=complaints, bounces=bounces
    )
    assert (reason is not None) == trips
