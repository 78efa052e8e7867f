"""The editors' desk use cases: progress that tells the truth, what an edition contained,
times in the editor's zone, breaking emails in batches that start small."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.pipeline import desk
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import deliveries
from tests.web.test_editor_breaking import NEWS, Recorder, audience, run


def _emails(settings, n: int, list_name: str = "breaking") -> None:
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, list_name, now)
        for i in range(n):
            subscriber_store.save(conn, Subscriber(email=f"e{i}@example.org", lists=(list_name,)), now)


def test_breaking_emails_go_out_in_batches_growing_from_ten_to_fifty_so_progress_moves_at_once(settings):
    _emails(settings, 120)
    recorder = Recorder()
    news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test", audiences=["email"])
    (emails,) = recorder.plans
    assert [len(ids) for _, ids in emails.batches] == [10, 25, 50, 35]


def test_progress_moves_batch_by_batch(settings):
    _emails(settings, 120)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test", audiences=["email"])
    (plan,) = recorder.plans
    seen = [desk.progress(settings, sent.edition_id)["percent"]]
    for batch in plan.batches:
        run(settings, [type(plan)(plan.list_name, plan.edition_id, batches=[batch])])
        seen.append(desk.progress(settings, sent.edition_id)["percent"])
    assert seen == [0.0, 8.3, 29.2, 70.8, 100.0]


def test_a_stopped_send_says_who_when_how_many_went_and_how_many_did_not(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    run(settings, recorder.plans[:1])  # the three channel posts went out
    news_desk.stop(settings, sent.edition_id, "ada@example.org")
    shown = desk.progress(settings, sent.edition_id)
    assert shown["stopped_by"] == "ada@example.org" and shown["stopped_at"]
    assert (shown["sent"], shown["not_sent"], shown["total"]) == (3, 4, 7)
    assert shown["finished"] and shown["percent"] == 42.9  # what was sent, never "100 % done"


def test_an_unfinished_send_is_never_rounded_up_to_100_percent(settings):
    _emails(settings, 2001)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test", audiences=["email"])
    (plan,) = recorder.plans
    with transaction(settings.database_url) as conn:
        done = [i for _, ids in plan.batches for i in ids][:-1]
        conn.execute(update(deliveries).where(deliveries.c.id.in_(done)).values(state="sent"))
    shown = desk.progress(settings, sent.edition_id)
    assert shown["percent"] == 99.9 and not shown["finished"]


def test_the_edition_report_shows_the_sender_the_channels_and_the_failures_grouped(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="ada@example.org")
    run(settings, recorder.plans)
    with transaction(settings.database_url) as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.edition_id == sent.edition_id, deliveries.c.channel == "email")
            .values(state="failed", last_error="550 mailbox full")
        )
    report = desk.edition_report(settings, sent.edition_id)
    assert report.facts.triggered_by == "ada@example.org" and report.breaking
    assert report.subject == "Breaking: Dam breached upstream"
    assert report.progress["channels"]["telegram"]["sent"] == 5
    assert report.progress["channels"]["email"]["failed"] == 2
    assert [(r.channel, r.reason, r.count) for r in report.reasons] == [("email", "550 mailbox full", 2)]
    assert report.web_view.endswith(f"/editions/{sent.edition_id}")
    assert "Dam breached upstream" in report.variants[0].rendered.telegram[0]


def test_an_unknown_edition_is_named(settings):
    with pytest.raises(desk.UnknownEdition, match="no edition 404"):
        desk.edition_report(settings, 404)


def test_times_always_carry_the_date_and_the_zone():
    moment = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    assert desk.local_time(moment, "Europe/Berlin") == "Tue 1 Dec 2026, 10:05 CET"
    assert desk.local_time(moment, "UTC") == "Tue 1 Dec 2026, 09:05 UTC"
    assert desk.local_time(None, "UTC") == "never"


def test_an_editor_chooses_a_zone_and_a_chat_and_a_bad_one_is_named(settings):
    from digest.pipeline import accounts as auth
    from digest.store import editors as editor_store

    editor, _ = auth.add_editor(settings, "ada@example.org", "editor", "correct horse battery", "test")
    desk.set_preferences(settings, editor.id, "Europe/Berlin", "12345", "ada@example.org")
    with transaction(settings.database_url) as conn:
        saved = editor_store.editor_by_id(conn, editor.id)
    assert saved is not None and (saved.time_zone, saved.telegram_chat_id) == ("Europe/Berlin", "12345")
    with pytest.raises(desk.InvalidInput, match="time zone"):
        desk.set_preferences(settings, editor.id, "Mars/Olympus", "", "ada@example.org")
    with pytest.raises(desk.InvalidInput, match="Telegram chat"):
        desk.set_preferences(settings, editor.id, "UTC", "not a chat", "ada@example.org")


def test_a_stopped_send_resumes_with_only_what_the_stop_held_back(settings):
    from digest.pipeline import resending

    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    run(settings, recorder.plans[:1])
    news_desk.stop(settings, sent.edition_id, "ada@example.org")
    again = Recorder()
    assert resending.resume(settings, sent.edition_id, "ada@example.org", again) == 4
    (plan,) = again.plans
    assert [channel for channel, _ in plan.batches] == ["telegram", "email"] and plan.deliveries == 4
    run(settings, again.plans)
    shown = desk.progress(settings, sent.edition_id)
    assert shown["counts"]["sent"] == 7 and shown["stopped_by"] is None and shown["percent"] == 100.0
    with pytest.raises(resending.NothingToSend, match="not stopped"):
        resending.resume(settings, sent.edition_id, "ada@example.org", again)


def test_failed_deliveries_are_retried_but_stopped_ones_wait_for_a_resume(settings):
    from digest.pipeline import resending

    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    run(settings, recorder.plans)
    with pytest.raises(resending.NothingToSend, match="no failed delivery"):
        resending.retry_failed(settings, sent.edition_id, "ada", Recorder())
    with transaction(settings.database_url) as conn:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.edition_id == sent.edition_id, deliveries.c.channel == "email")
            .values(state="failed", last_error="timeout")
        )
    again = Recorder()
    assert resending.retry_failed(settings, sent.edition_id, "ada", again) == 2
    assert again.plans[0].deliveries == 2
