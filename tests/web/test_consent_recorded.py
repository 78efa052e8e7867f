"""Each reader's consent is recorded with where it came from — the web form (then the
confirmation link), the bot, a CSV import, the CLI — and the reader page shows how and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.models import Subscriber, SubscriberChange
from digest.pipeline import bot, readers, roster, signup
from digest.ratelimit import InProcessRateLimiter
from digest.store.db import transaction
from digest.store.subscribers import ALL_FIELDS
from tests.web.conftest import find
from tests.web.test_editor_auth import sign_in
from tests.web.test_signup import confirm_link, outbox_mail, press_confirm, with_daily_list


def _consents(settings, subscriber_id: int) -> list[tuple[str, str]]:
    return [(c.event, c.source) for c in readers.reader_detail(settings, subscriber_id).consents]


def test_a_web_sign_up_records_the_form_and_then_the_confirmation_link(client, settings):
    with_daily_list(settings)
    asked = datetime.now(UTC) - timedelta(minutes=3)
    request = signup.SignUp(email="new@example.org", lists=("daily",))
    signup.sign_up(settings, request, client="192.0.2.1", limiter=InProcessRateLimiter(), now=asked)
    sub = find(settings, "new@example.org")
    assert _consents(settings, sub.id) == [("signed up", "web form")]
    assert press_confirm(client, confirm_link(outbox_mail(settings, sub.id))).status_code == 200
    detail = readers.reader_detail(settings, sub.id)
    said = [(c.event, c.source) for c in detail.consents]
    assert said == [("signed up", "web form"), ("confirmed", "email link")]
    assert detail.consents[0].at == asked and detail.consents[1].at > asked


def test_the_bot_records_each_start_and_an_import_records_only_new_readers(settings):
    with_daily_list(settings)
    chat = bot.subscribe(settings, "5151", "Olha").subscriber
    assert _consents(settings, chat.id) == [("signed up", "bot")]
    now = datetime.now(UTC)
    rows = [SubscriberChange(Subscriber(email="csv@example.org", lists=("daily",)), ALL_FIELDS)]
    with transaction(settings.database_url) as conn:
        first = roster.save_in(conn, rows, now, create_lists=True, signed_up="CSV import")
    with transaction(settings.database_url) as conn:  # the same file again: an update, no new consent
        roster.save_in(conn, rows, now, create_lists=True, signed_up="CSV import")
    assert _consents(settings, first.ids[0]) == [("signed up", "CSV import")]


def test_the_reader_page_says_how_and_when_they_signed_up(client, settings):
    with_daily_list(settings)
    signup.sign_up(
        settings,
        signup.SignUp(email="page@example.org", lists=("daily",)),
        client="192.0.2.9",
        limiter=InProcessRateLimiter(),
    )
    sub = find(settings, "page@example.org")
    sign_in(client, settings, "editor")
    page = client.get(f"/admin/subscribers/{sub.id}")
    assert page.status_code == 200
    assert "signed up by web form, " in page.text


def test_the_cli_records_its_own_additions_and_its_csv_imports(settings, tmp_path):
    from typer.testing import CliRunner

    from digest.cli import app, context

    context._ready = False
    try:
        runner = CliRunner()
        add = ["subscribers", "add", "--email", "cli@example.org"]
        added = runner.invoke(app, add, catch_exceptions=False)
        csv_file = tmp_path / "people.csv"
        csv_file.write_text(
            "email,telegram_chat_id,name,timezone,send_hour,topics,lists\nfile@example.org,,,,,,daily\n"
        )
        imported = runner.invoke(app, ["subscribers", "import", str(csv_file)], catch_exceptions=False)
    finally:
        context._ready = False
    assert added.exit_code == 0 and imported.exit_code == 0, added.output + imported.output
    assert _consents(settings, find(settings, "cli@example.org").id) == [("signed up", "CLI")]
    assert _consents(settings, find(settings, "file@example.org").id) == [("signed up", "CSV import")]


def test_the_api_and_the_desks_form_record_their_own_sources(client, settings):
    from tests.web.test_api import token_for

    with_daily_list(settings)
    created = client.post(
        "/api/v1/subscribers",
        json={"email": "cms@example.org", "lists": ["daily"]},
        headers=token_for(settings, "editor"),
    )
    assert created.status_code == 201, created.text
    assert _consents(settings, created.json()["id"]) == [("signed up", "API")]
    from tests.web.test_editor_auth import form_token

    sign_in(client, settings, "editor")
    token = form_token(client, "/admin/subscribers")
    added = client.post(
        "/admin/subscribers", data={"email": "desk@example.org", "lists": "daily", "csrf_token": token}
    )
    assert added.status_code == 200
    assert _consents(settings, find(settings, "desk@example.org").id) == [("signed up", "desk")]
