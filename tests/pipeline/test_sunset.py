"""Sunsetting: quiet readers are asked once, become inactive when they do not answer, and come
back with a click, a human open or the keep link. Machine opens never count as reading."""

from __future__ import annotations

import dataclasses
import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from digest import pipeline, tracking
from digest.models import Subscriber, SubscriberStatus
from digest.pipeline import clicks, sunset
from digest.pipeline.events import WebhookEvent, record_webhook_events
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.pipeline.conftest import NOW

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def sunsetting(settings):
    return dataclasses.replace(settings, sunset_editions=2, sunset_days=14)


def send_day(world, settings, day: int) -> int:
    when = NOW + timedelta(days=day)
    world.add_items(3, now=when)
    plan = pipeline.plan_send("daily", settings, now=when)
    assert plan.edition_id is not None
    for channel, ids in plan.batches:
        assert not pipeline.send_batch(plan.edition_id, channel, ids, f"b{day}-{channel}", settings).retry
    return plan.edition_id


def status(settings, address: str) -> SubscriberStatus:
    with transaction(settings.database_url) as conn:
        found = subscriber_store.find(conn, email=address)
    assert found is not None
    return found.status


def asked_emails(settings) -> int:
    return len(list((Path(settings.outbox_dir) / "email" / "0").glob("*.eml")))


def test_quiet_readers_are_asked_once_and_become_inactive_unless_they_answer(world, sunsetting):
    settings = sunsetting
    reader, apple, quiet = world.subscribe(
        Subscriber(email="reader@example.org"),
        Subscriber(email="apple@example.org"),
        Subscriber(email="quiet@example.org"),
    )
    first, second = send_day(world, settings, 0), send_day(world, settings, 1)
    record_webhook_events(
        settings,
        [
            WebhookEvent("o1", "reader@example.org", "open", edition_id=second, subscriber_id=reader),
            WebhookEvent(
                "o2", "apple@example.org", "open", edition_id=first, subscriber_id=apple, machine=True
            ),
            WebhookEvent(
                "o3", "apple@example.org", "open", edition_id=second, subscriber_id=apple, machine=True
            ),
        ],
    )
    assert sunset.run(settings, NOW + timedelta(days=2)) == sunset.SunsetResult(asked=2, inactive=0)
    assert asked_emails(settings) == 2
    assert sunset.run(settings, NOW + timedelta(days=3)) == sunset.SunsetResult(asked=0, inactive=0)

    token = sunset.keep_url(settings, apple).rsplit("/", 1)[1]
    sunset.keep(settings, token)
    assert sunset.run(settings, NOW + timedelta(days=17)) == sunset.SunsetResult(asked=0, inactive=1)
    assert status(settings, "quiet@example.org") is SubscriberStatus.INACTIVE
    assert status(settings, "apple@example.org") is SubscriberStatus.ACTIVE
    assert status(settings, "reader@example.org") is SubscriberStatus.ACTIVE

    third = send_day(world, settings, 18)
    with transaction(settings.database_url) as conn:
        addressed = {
            r[0]
            for r in conn.exec_driver_sql(f"select subscriber_id from deliveries where edition_id = {third}")
        }
    assert quiet not in addressed and {reader, apple} <= addressed  # inactive: not sent to, not deleted

    key = settings.signing_key()
    link = tracking.tracked_url(
        settings.public_url,
        key,
        edition_id=first,
        channel="email",
        url="https://news1.example/0",
        item_id=0,
        reader=tracking.reader_key(key, quiet, first, "email"),
    )
    token = link.rsplit("/r/", 1)[1]
    later = datetime.now(UTC) + timedelta(minutes=5)  # a reader, not a scanner on arrival
    went = clicks.follow(settings, token, method="GET", user_agent=CHROME, headers={}, now=later)
    assert went == "https://news1.example/0"
    assert (
        status(settings, "quiet@example.org") is SubscriberStatus.ACTIVE
    )  # any later click brings them back


def test_sunsetting_is_off_by_default(world, settings):
    world.subscribe(Subscriber(email="quiet@example.org"))
    send_day(world, settings, 0)
    send_day(world, settings, 1)
    assert settings.sunset_editions == 0
    assert sunset.run(settings, NOW + timedelta(days=30)) == sunset.SunsetResult()
    assert status(settings, "quiet@example.org") is SubscriberStatus.ACTIVE


def test_the_keep_email_speaks_the_language_of_the_readers_list(world, sunsetting):
    settings = sunsetting
    (quiet,) = world.subscribe(Subscriber(email="quiet@example.org"))
    with transaction(settings.database_url) as conn:
        language_store.set_language(conn, "daily", "uk")
    for day in (0, 1):
        send_day(world, settings, day)
    assert sunset.run(settings, NOW + timedelta(days=2)).asked == 1

    path = Path(settings.outbox_dir) / "email" / "0" / f"{quiet}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == f"Ви ще хочете отримувати {settings.newsroom_name}?"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Залиште підписку одним кліком" in text and "/keep/" in text
    assert '<html lang="uk"' in html and "Keep my subscription" not in html
    assert "Do you still want" not in text + html
