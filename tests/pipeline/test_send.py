"""Planning and sending in-process, with the outbox channel, on real SQL."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from digest import pipeline
from digest.models import Subscriber
from digest.pipeline.planning import UnknownList
from digest.store import ledger
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from tests.pipeline.conftest import NOW, TOPICS


def send_all(plan, settings):
    for channel, ids in plan.batches:
        result = pipeline.send_batch(plan.edition_id, channel, ids, f"b-{channel}-{ids[0]}", settings)
        assert not result.retry
    return plan


def counts(settings, edition_id):
    with transaction(settings.database_url) as conn:
        return ledger.counts(conn, [edition_id])


def kyiv(n: int, **fields) -> Subscriber:
    return Subscriber(
        email=f"reader{n}@example.org",
        telegram_chat_id=str(1000 + n),
        timezone="Europe/Kyiv",
        send_hour=7,
        **fields,
    )


def test_due_subscribers_get_one_email_and_one_telegram_digest_each(world, settings):
    world.add_items(6)
    world.subscribe(kyiv(1), kyiv(2))
    plan = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    assert counts(settings, plan.edition_id)["sent"] == 4
    outbox = Path(settings.outbox_dir)
    assert len(list((outbox / "email" / str(plan.edition_id)).glob("*.eml"))) == 2
    assert {p.name.split("-")[0] for p in (outbox / "telegram" / str(plan.edition_id)).glob("*.json")} == {
        "1001",
        "1002",
    }


def test_planning_again_the_same_day_adds_nothing(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1))
    send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    world.add_items(2, now=NOW + timedelta(hours=2))  # news arrives, but they had today's edition
    again = pipeline.plan_send("daily", settings, now=NOW + timedelta(hours=3))
    assert again.deliveries == 0


def test_subscribers_not_yet_at_their_send_hour_are_left_for_later(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), Subscriber(email="ny@example.org", timezone="America/New_York", send_hour=7))
    plan = pipeline.plan_send("daily", settings, now=NOW)  # 04:00 in New York
    assert plan.deliveries == 2  # Kyiv reader's email and Telegram only
    later = pipeline.plan_send("daily", settings, now=NOW + timedelta(hours=3))  # 07:00 in New York
    assert later.deliveries == 1


def test_the_next_day_skips_a_subscriber_when_nothing_is_new(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1))
    send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    tomorrow = pipeline.plan_send("daily", settings, now=NOW + timedelta(days=1))
    assert (tomorrow.edition_id, tomorrow.skipped) == (None, 1)


def test_the_next_edition_carries_only_what_is_new(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1))
    first = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    world.add_items(2, now=NOW + timedelta(hours=20))
    second = send_all(pipeline.plan_send("daily", settings, now=NOW + timedelta(days=1)), settings)
    assert second.edition_id != first.edition_id
    eml = next((Path(settings.outbox_dir) / "email" / str(second.edition_id)).glob("*.eml"))
    text = message_from_bytes(eml.read_bytes(), policy=default).get_body(("plain",)).get_content()
    assert TOPICS[3] in text and TOPICS[4] in text
    assert TOPICS[0] not in text and "Updated" not in text


def test_a_manual_send_reaches_everyone_whatever_their_hour(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), Subscriber(email="ny@example.org", timezone="America/New_York", send_hour=7))
    plan = send_all(pipeline.plan_send("daily", settings, now=NOW, manual=True), settings)
    assert counts(settings, plan.edition_id)["sent"] == 3


def test_suppressed_addresses_are_never_planned(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), kyiv(2))
    with transaction(settings.database_url) as conn:
        suppression_store.suppress(conn, "READER2@example.org", "bounce", NOW)
    plan = pipeline.plan_send("daily", settings, now=NOW)
    with transaction(settings.database_url) as conn:
        rows = conn.exec_driver_sql("select address from deliveries where channel='email'").scalars().all()
    assert rows == ["reader1@example.org"]
    assert plan.deliveries == 3


def test_unsubscribed_and_unconfirmed_subscribers_get_nothing(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1, status="unsubscribed"), kyiv(2, status="unconfirmed"))
    assert pipeline.plan_send("daily", settings, now=NOW).deliveries == 0


def test_an_unknown_list_is_named(settings):
    with pytest.raises(UnknownList, match="'weekly-roundup'"):
        pipeline.plan_send("weekly-roundup", settings, now=NOW)


def test_a_rendered_variant_is_shared_by_subscribers_with_the_same_topics(world, settings):
    world.add_items(4)
    world.subscribe(kyiv(1), kyiv(2), kyiv(3, topics=("culture",)), kyiv(4, topics=("news",)))
    plan = pipeline.plan_send("daily", settings, now=NOW)
    with transaction(settings.database_url) as conn:
        variants = conn.exec_driver_sql("select count(*) from edition_variants").scalar()
    assert variants == 2  # everything, and news only; nobody gets an empty culture edition
    assert plan.skipped == 1
