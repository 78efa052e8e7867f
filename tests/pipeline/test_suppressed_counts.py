"""An edition says how many readers the suppression list held back: recorded when it is planned
(a digest or a breaking send), shown by the desk's progress, never sent to."""

from __future__ import annotations

from pathlib import Path

from digest import pipeline
from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.pipeline import desk
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from tests.pipeline.conftest import NOW
from tests.pipeline.test_send import kyiv, send_all
from tests.web.test_editor_breaking import NEWS, Recorder, audience, rows, run


def suppress(settings, *emails: str) -> None:
    with transaction(settings.database_url) as conn:
        for email in emails:
            suppression_store.suppress(conn, email, "bounce", NOW)


def emailed(settings, edition_id: int) -> set[str]:
    """The addresses the outbox channel wrote an email to (each file's To header)."""
    folder = Path(settings.outbox_dir) / "email" / str(edition_id)
    return {
        eml.read_text(encoding="utf-8").split("\nTo: ", 1)[1].split("\n", 1)[0].strip()
        for eml in folder.glob("*.eml")
    }


def test_a_digest_to_a_list_with_a_suppressed_address_reports_one_suppressed_and_never_emails_it(
    world, settings
):
    world.add_items(3)
    world.subscribe(
        kyiv(1), kyiv(2), Subscriber(email="mail-only@example.org", timezone="Europe/Kyiv", send_hour=7)
    )
    suppress(settings, "READER2@example.org")
    plan = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    shown = desk.progress(settings, plan.edition_id)
    assert shown["suppressed"] == 1 and shown["suppressed_by_channel"] == {"email": 1}
    assert shown["channels"]["email"]["sent"] == 2 and shown["channels"]["telegram"]["sent"] == 2
    assert shown["total"] == 4  # the suppressed reader is no delivery: not in the total
    assert "reader2@example.org" not in emailed(settings, plan.edition_id)
    assert desk.suppressed_count(settings, plan.edition_id) == 1


def test_a_reader_with_only_a_suppressed_email_is_counted_too(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), Subscriber(email="mail-only@example.org", timezone="Europe/Kyiv", send_hour=7))
    suppress(settings, "mail-only@example.org")
    plan = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)
    assert desk.progress(settings, plan.edition_id)["suppressed"] == 1
    assert emailed(settings, plan.edition_id) == {"reader1@example.org"}


def test_planning_the_same_slot_twice_counts_a_suppressed_reader_once(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), kyiv(2))
    suppress(settings, "reader2@example.org")
    first = pipeline.plan_send("daily", settings, now=NOW)
    world.subscribe(kyiv(3))  # joined since: the second run finds the slot's edition and adds them
    again = pipeline.plan_send("daily", settings, now=NOW)
    assert again.edition_id == first.edition_id and again.recipients == 2
    assert desk.progress(settings, first.edition_id)["suppressed"] == 1


def test_an_edition_with_nobody_suppressed_reports_zero(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), kyiv(2))
    plan = pipeline.plan_send("daily", settings, now=NOW)
    shown = desk.progress(settings, plan.edition_id)
    assert shown["suppressed"] == 0 and shown["suppressed_by_channel"] == {}


def test_a_manual_send_counts_its_suppressed_readers_in_its_own_edition(world, settings):
    world.add_items(3)
    world.subscribe(kyiv(1), kyiv(2))
    suppress(settings, "reader1@example.org")
    first = pipeline.plan_send("daily", settings, now=NOW, manual=True)
    world.add_items(3)  # something new, so the second send has stories to send
    second = pipeline.plan_send("daily", settings, now=NOW, manual=True)
    assert first.edition_id != second.edition_id
    assert [desk.progress(settings, p.edition_id)["suppressed"] for p in (first, second)] == [1, 1]


def test_a_breaking_send_to_a_list_with_a_suppressed_address_reports_one_suppressed(settings):
    audience(settings)  # three emails, gone@example.org suppressed
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    run(settings, recorder.plans)
    shown = desk.progress(settings, sent.edition_id)
    assert shown["suppressed"] == 1 and shown["suppressed_by_channel"] == {"email": 1}
    assert shown["channels"]["email"]["sent"] == 2
    assert "gone@example.org" not in {address for _, address, _, _ in rows(settings, sent.edition_id)}
    assert "gone@example.org" not in emailed(settings, sent.edition_id)


def test_a_breaking_send_without_the_email_audience_holds_nobody_back(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(
        settings, NEWS, "breaking", recorder, actor="test", audiences=["channel", "bot"]
    )
    assert desk.progress(settings, sent.edition_id)["suppressed"] == 0


def test_forgetting_a_suppressed_reader_keeps_the_count_and_nothing_that_points_to_them(world, settings):
    from digest.pipeline import privacy
    from digest.store.tables import suppressed_recipients

    world.add_items(3)
    world.subscribe(kyiv(1), kyiv(2))
    suppress(settings, "reader2@example.org")
    plan = pipeline.plan_send("daily", settings, now=NOW)
    privacy.forget(settings, "reader2@example.org")
    assert desk.progress(settings, plan.edition_id)["suppressed"] == 1
    with transaction(settings.database_url) as conn:
        kept = conn.execute(suppressed_recipients.select()).all()
    assert [row.subscriber_id for row in kept] == [None]
