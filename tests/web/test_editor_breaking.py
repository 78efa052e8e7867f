"""Breaking news: audiences and counts, channel posts first, the duplicate guard, stop;
and the editor pages that drive it (tasks in-process, the outbox as the way out)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.config import Settings
from digest.models import Subscriber
from digest.pipeline import breaking as news_desk
from digest.pipeline import send_batch
from digest.pipeline.planning import SendPlan
from digest.store import subscribers as subscriber_store
from digest.store import suppressions as suppression_store
from digest.store.audit import audit_entries
from digest.store.db import transaction
from digest.store.tables import deliveries
from tests.web.conftest import add_news, csrf_token
from tests.web.test_editor_auth import sign_in

NEWS = news_desk.news_from_text(
    "Dam breached upstream", "https://wire.example.org/dam", "Evacuate the valley."
)


def audience(settings: Settings, list_name: str = "breaking") -> None:
    """Two channels, a group, two bot chats, three emails (one suppressed), one unsubscribed."""
    now = datetime.now(UTC)
    people = [
        Subscriber(telegram_chat_id="@newsroom_live", lists=(list_name,)),
        Subscriber(telegram_chat_id="-1001234567890", lists=(list_name,)),
        Subscriber(telegram_chat_id="-4242", lists=(list_name,)),
        Subscriber(telegram_chat_id="1001", lists=(list_name,)),
        Subscriber(telegram_chat_id="1002", email="both@example.org", lists=(list_name,)),
        Subscriber(email="ann@example.org", lists=(list_name,)),
        Subscriber(email="gone@example.org", lists=(list_name,)),
        Subscriber(email="left@example.org", lists=(list_name,), status="unsubscribed"),  # type: ignore[arg-type]
        Subscriber(email="daily-only@example.org", lists=("daily",)),
    ]
    with transaction(settings.database_url) as conn:
        for sub in people:
            subscriber_store.save(conn, sub, now)
        suppression_store.suppress(conn, "gone@example.org", "bounce", now)


class Recorder:
    def __init__(self) -> None:
        self.plans: list[SendPlan] = []

    def __call__(self, plan: SendPlan) -> None:
        self.plans.append(plan)


def run(settings: Settings, plans: list[SendPlan]) -> None:
    for plan in plans:
        for channel, ids in plan.batches:
            assert plan.edition_id is not None
            send_batch(plan.edition_id, channel, ids, uuid.uuid4().hex, settings)


def rows(settings: Settings, edition_id: int) -> list[tuple[str, str, str, str | None]]:
    with transaction(settings.database_url) as conn:
        query = select(
            deliveries.c.channel, deliveries.c.address, deliveries.c.state, deliveries.c.last_error
        )
        return [tuple(r) for r in conn.execute(query.where(deliveries.c.edition_id == edition_id))]  # type: ignore[misc]


def test_the_preview_counts_each_audience_of_the_list(settings):
    audience(settings)
    shown = news_desk.preview(settings, NEWS, "breaking")
    assert shown.counts == {"channel": 3, "bot": 2, "email": 2}
    assert "Dam breached upstream" in shown.rendered.html and "Evacuate the valley." in shown.rendered.text
    assert shown.rendered.subject == "Breaking: Dam breached upstream"
    assert (
        len(shown.rendered.telegram) == 1
        and 'href="https://wire.example.org/dam"' in shown.rendered.telegram[0]
    )
    assert not shown.earlier


def test_channel_posts_go_first_then_bot_subscribers_then_emails(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    channels, bots, emails = recorder.plans
    assert [channel for channel, _ in channels.batches] == ["telegram"] and channels.deliveries == 3
    assert [channel for channel, _ in bots.batches] == ["telegram"] and bots.deliveries == 2
    assert [channel for channel, _ in emails.batches] == ["email"] and emails.deliveries == 2
    assert sent.counts == {"channel": 3, "bot": 2, "email": 2}
    run(settings, recorder.plans)
    found = rows(settings, sent.edition_id)
    assert {state for *_, state, _ in found} == {"sent"}
    addresses = {address for _, address, _, _ in found}
    assert "gone@example.org" not in addresses and "left@example.org" not in addresses
    assert "daily-only@example.org" not in addresses


def test_only_the_chosen_audiences_get_it(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test", audiences=["channel"])
    assert sent.counts == {"channel": 3}
    assert {channel for channel, *_ in rows(settings, sent.edition_id)} == {"telegram"}


def test_the_same_story_is_not_sent_twice_to_a_list_by_accident(settings):
    audience(settings)
    first = news_desk.send_breaking(settings, NEWS, "breaking", Recorder(), actor="ada@example.org")
    with pytest.raises(news_desk.DuplicateBreaking, match="already sent to breaking") as caught:
        news_desk.send_breaking(settings, NEWS, "breaking", Recorder(), actor="bob@example.org")
    assert caught.value.earlier[0].edition_id == first.edition_id
    again = news_desk.send_breaking(
        settings, NEWS, "breaking", Recorder(), actor="bob@example.org", again=True
    )
    assert again.edition_id != first.edition_id
    assert len(news_desk.preview(settings, NEWS, "breaking").earlier) == 2


def test_the_same_link_written_differently_is_the_same_story(settings):
    audience(settings)
    news_desk.send_breaking(settings, NEWS, "breaking", Recorder(), actor="test")
    same = news_desk.news_from_text("Dam breach: update", "https://WIRE.example.org/dam/", "")
    assert news_desk.preview(settings, same, "breaking").earlier


def test_a_story_needs_a_headline_and_a_web_link(settings):
    with pytest.raises(news_desk.InvalidBreaking, match="headline"):
        news_desk.news_from_text("  ", "https://x.example/")
    with pytest.raises(news_desk.InvalidBreaking, match="http"):
        news_desk.news_from_text("Title", "javascript:alert(1)")


def test_stopping_fails_what_is_left_and_send_batch_refuses_it(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test")
    run(settings, recorder.plans[:1])  # the channel posts went out
    stopped = news_desk.stop(settings, sent.edition_id, "ada@example.org")
    assert stopped == 4
    run(settings, recorder.plans[1:])  # tasks already queued find nothing to send
    found = rows(settings, sent.edition_id)
    assert sorted(state for _, _, state, _ in found) == ["failed"] * 4 + ["sent"] * 3
    assert {error for _, _, state, error in found if state == "failed"} == {"stopped by ada@example.org"}
    with transaction(settings.database_url) as conn:
        assert "edition.stop" in [e.action for e in audit_entries(conn)]


def test_a_row_reopened_after_the_stop_is_still_not_sent(settings):
    audience(settings)
    recorder = Recorder()
    sent = news_desk.send_breaking(settings, NEWS, "breaking", recorder, actor="test", audiences=["email"])
    news_desk.stop(settings, sent.edition_id, "ada@example.org")
    with transaction(settings.database_url) as conn:  # e.g. `digest retry`, or a retry after a 5xx
        conn.execute(
            deliveries.update().where(deliveries.c.edition_id == sent.edition_id).values(state="retrying")
        )
    run(settings, recorder.plans)
    assert {state for _, _, state, _ in rows(settings, sent.edition_id)} == {"failed"}


# --- the pages ------------------------------------------------------------------------------


def _form(**extra: str) -> dict[str, object]:
    return {
        "title": NEWS.title,
        "url": NEWS.url,
        "summary": NEWS.summary,
        "list": "breaking",
        "audiences": ["channel", "bot", "email"],
        **extra,
    }


def _wait_finished(client, edition_id: int, timeout: float = 20) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        progress = client.get(f"/admin/editions/{edition_id}/progress.json").json()
        if progress["finished"] or time.monotonic() > deadline:
            return progress  # type: ignore[no-any-return]
        time.sleep(0.1)


def test_an_editor_previews_confirms_and_watches_it_reach_100_percent(client, settings):
    audience(settings)
    sign_in(client, settings)
    page = client.get("/admin/breaking")
    assert page.status_code == 200
    confirm = client.post("/admin/breaking/preview", data={**_form(), "csrf_token": csrf_token(page.text)})
    assert confirm.status_code == 200
    assert 'data-audience="channel">3<' in confirm.text and 'data-audience="total">7<' in confirm.text
    assert "<b>BREAKING</b>" in confirm.text and "/admin/breaking/email?" in confirm.text
    frame = client.get(
        "/admin/breaking/email", params={"title": NEWS.title, "url": NEWS.url, "list": "breaking"}
    )
    assert frame.status_code == 200 and "Dam breached upstream" in frame.text
    assert "frame-ancestors 'self'" in frame.headers["content-security-policy"]
    sent = client.post(
        "/admin/breaking/send",
        data={**_form(), "csrf_token": csrf_token(confirm.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    edition_id = int(sent.headers["location"].rsplit("/", 1)[1])
    progress = _wait_finished(client, edition_id)
    assert progress["percent"] == 100.0 and progress["counts"]["sent"] == 7  # type: ignore[index]
    posts = sorted(p.name for p in (Path(settings.outbox_dir) / "telegram" / str(edition_id)).iterdir())
    assert "@newsroom_live-1.json" in posts
    message = json.loads(
        (Path(settings.outbox_dir) / "telegram" / str(edition_id) / "@newsroom_live-1.json").read_text()
    )
    assert "Dam breached upstream" in json.dumps(message)
    assert "Edition" in client.get(sent.headers["location"]).text


def test_a_second_send_of_the_same_story_asks_for_explicit_confirmation(client, settings):
    audience(settings)
    sign_in(client, settings)
    token = csrf_token(client.get("/admin/breaking").text)
    first = client.post("/admin/breaking/send", data={**_form(), "csrf_token": token}, follow_redirects=False)
    assert first.status_code == 303
    again = client.post("/admin/breaking/send", data={**_form(), "csrf_token": token})
    assert again.status_code == 409
    assert "already sent to breaking" in again.text and 'name="again"' in again.text
    forced = client.post(
        "/admin/breaking/send", data={**_form(again="1"), "csrf_token": token}, follow_redirects=False
    )
    assert forced.status_code == 303 and forced.headers["location"] != first.headers["location"]
    for answer in (first, forced):  # let the in-process sends finish before the database is emptied
        assert _wait_finished(client, int(answer.headers["location"].rsplit("/", 1)[1]))["finished"]


def test_an_item_from_the_feeds_can_be_sent_as_breaking(client, settings):
    audience(settings)
    add_news(settings, 2)
    sign_in(client, settings)
    page = client.get("/admin/breaking")
    assert "Story number 0 about the city council" in page.text
    item = page.text.split('name="item" id="item-', 1)[1].split('"', 1)[0]
    confirm = client.post(
        "/admin/breaking/preview",
        data={"item": item, "list": "breaking", "audiences": ["email"], "csrf_token": csrf_token(page.text)},
    )
    assert confirm.status_code == 200 and "Breaking: Story number" in confirm.text


def test_a_bad_story_is_explained_on_the_form(client, settings):
    audience(settings)
    sign_in(client, settings)
    token = csrf_token(client.get("/admin/breaking").text)
    answer = client.post("/admin/breaking/preview", data={**_form(url="ftp://x"), "csrf_token": token})
    assert answer.status_code == 400 and "full http:// or https:// address" in answer.text


def test_an_editor_stops_a_send_from_its_page(client, settings, monkeypatch):
    audience(settings)
    sign_in(client, settings)
    held: list[SendPlan] = []
    monkeypatch.setattr("digest.web.editor_breaking.dispatcher", lambda settings: held.append)
    token = csrf_token(client.get("/admin/breaking").text)
    sent = client.post("/admin/breaking/send", data={**_form(), "csrf_token": token}, follow_redirects=False)
    page = client.get(sent.headers["location"])
    assert "Stop this send" in page.text
    stop = client.post(
        f"{sent.headers['location']}/stop", data={"csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert stop.status_code == 303
    progress = client.get(f"{sent.headers['location']}/progress.json").json()
    assert progress["stopped_by"] == "editor@example.org" and progress["counts"]["failed"] == 7
    assert progress["finished"]
