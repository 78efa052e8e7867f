"""The command line, run in-process through Typer's runner on a test database."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from digest import config
from digest.cli import app, context
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_context():
    context._ready = False
    yield
    context._ready = False
    config.override(None)


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def commands(group: typer.Typer, prefix: str = "digest") -> list[str]:
    found = []
    for command in group.registered_commands:
        assert command.callback is not None
        found.append(f"{prefix} {command.name or command.callback.__name__}")
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found += commands(sub.typer_instance, f"{prefix} {sub.name}")
    return found


def test_the_readme_lists_every_command():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(digest [a-z-]+(?: [a-z-]+)?)", readme, re.M))
    for command in commands(app):
        assert any(
            d == command or d.startswith(command + " ") or command.startswith(d) for d in documented
        ), f"{command} is not in the README"


def test_a_bad_setting_stops_with_the_variable_named(monkeypatch):
    config.override(None)
    monkeypatch.setenv("DIGEST_FETCH_TIMEOUT", "soon")
    result = runner.invoke(app, ["feeds", "list"])
    assert result.exit_code == 2
    assert "DIGEST_FETCH_TIMEOUT" in result.output


def test_a_bad_csv_imports_nothing_and_names_each_bad_line(settings, tmp_path):
    csv = tmp_path / "subs.csv"
    csv.write_text(
        "email,telegram_chat_id,name,timezone,send_hour,topics,lists\n"
        "good@example.org,,Good,UTC,7,,daily\n"
        "bad-address,,Bad,UTC,7,,daily\n"
        "zone@example.org,,Zone,Nowhere/City,7,,daily\n"
    )
    result = invoke("subscribers", "import", str(csv))
    assert result.exit_code == 1
    assert "subs.csv, line 3: invalid email address" in result.output
    assert "subs.csv, line 4: unknown time zone 'Nowhere/City'" in result.output
    with transaction(settings.database_url) as conn:
        assert subscriber_store.everyone(conn) == []


def test_a_good_csv_imports_and_exports_back(settings, tmp_path):
    csv = tmp_path / "subs.csv"
    csv.write_text(
        "email,telegram_chat_id,name,timezone,send_hour,topics,lists\n"
        "a@example.org,42,Ann,Europe/Kyiv,7,news,daily;breaking\n"
    )
    assert invoke("subscribers", "import", str(csv)).exit_code == 0
    exported = invoke("subscribers", "export").output
    assert "a@example.org,42,Ann,Europe/Kyiv,7,news,breaking;daily" in exported


def test_feeds_are_added_listed_and_removed(settings, tmp_path):
    feed = tmp_path / "f.xml"
    feed.write_text("<rss/>")
    assert "added feed" in invoke("feeds", "add", str(feed), "--name", "Local", "--section", "Video").output
    assert "Local" in invoke("feeds", "list").output
    assert invoke("feeds", "remove", str(feed)).exit_code == 0
    assert invoke("feeds", "remove", str(feed)).exit_code == 1


def test_a_feed_path_that_does_not_exist_is_refused(settings):
    result = invoke("feeds", "add", "/nowhere/feed.xml")
    assert result.exit_code == 1 and "no such file" in result.output


def test_a_failing_feed_is_reported_and_the_others_still_collect(settings, tmp_path):
    good = tmp_path / "good.xml"
    good.write_text(
        '<rss version="2.0"><channel><title>t</title><item><title>Bridge reopens in Kyiv</title>'
        "<link>https://good.example/1</link></item></channel></rss>"
    )
    html = tmp_path / "page.xml"
    html.write_text("<!doctype html><html><head><title>x</title></head><body><p>hi</p></body></html>")
    invoke("feeds", "add", str(good))
    invoke("feeds", "add", str(html))
    result = invoke("collect")
    assert result.exit_code == 3  # feeds failed: cron and monitoring notice
    assert "page.xml" in result.output and "1 of 2 feeds failed" in result.output
    listed = invoke("feeds", "list").output
    assert "1:" in listed  # the error count shows on the failing feed


def test_send_to_an_unknown_list_names_it(settings):
    result = invoke("send", "nonexistent")
    assert result.exit_code == 1 and "'nonexistent'" in result.output


TELEGRAM_TOKEN = "777002:cli-channel-check"


@pytest.fixture
def telegram(db_url, tmp_path, monkeypatch):
    """The fake Bot API, and settings whose bot asks it."""
    from tests.conftest import make_settings
    from tests.fakes.telegram_server import FakeTelegram

    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    with FakeTelegram(token=TELEGRAM_TOKEN) as server:
        overrides = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "DIGEST_TELEGRAM_API_URL": server.base_url}
        config.override(make_settings(db_url, tmp_path, **overrides))
        yield server
        config.override(None)


def _channel(chat_id: str):
    with transaction(config.get().database_url) as conn:
        return subscriber_store.find(conn, chat_id=chat_id)


def test_a_list_with_a_telegram_channel_posts_each_edition_there_once(telegram):
    from digest import pipeline
    from tests.integration.population import fresh_items

    result = invoke(
        "lists",
        "add",
        "daily",
        "--telegram-channel",
        "@kyivdigest",
        "--timezone",
        "Europe/Kyiv",
        "--send-hour",
        "8",
    )
    assert result.exit_code == 0, result.output
    assert "list daily ready, posting to @kyivdigest" in result.output
    asked = [r.method.lower() for r in telegram.requests if r.chat_id == "@kyivdigest"]
    assert asked == ["getchat", "getchatmember"]  # Telegram was asked before it was attached
    fresh_items(config.get().database_url)
    plan = pipeline.plan_send("daily", config.get(), manual=True)
    assert [(channel, len(ids)) for channel, ids in plan.batches] == [("telegram", 1)]
    channel = _channel("@kyivdigest")
    assert channel is not None and channel.lists == ("daily",) and channel.attributes["kind"] == "channel"
    assert (channel.timezone, channel.send_hour) == ("Europe/Kyiv", 8)


def test_the_cli_says_why_telegram_refused_a_channel_and_saves_nothing(telegram):
    telegram.set_member("@not_our_admin", "member")
    telegram.forget("@no_such_room")
    telegram.set_member("@read_only", "administrator", can_post_messages=False)
    for chat, said in (
        ("@not_our_admin", "not attached: the bot is not an admin of @not_our_admin"),
        ("@no_such_room", "not attached: no such chat: @no_such_room"),
        ("@read_only", "not attached: "),
    ):
        result = invoke("lists", "add", "daily", "--telegram-channel", chat)
        assert result.exit_code == 1, result.output
        shown = " ".join(result.output.split())  # rich wraps long lines
        assert said in shown and "nothing was saved" in shown and "Traceback" not in shown
        assert _channel(chat) is None
    assert "daily" not in invoke("lists", "list").output  # not even the list


def test_the_cli_refuses_a_channel_when_no_bot_is_configured(settings):
    result = invoke("lists", "add", "daily", "--telegram-channel", "@kyivdigest")
    assert result.exit_code == 1
    assert "no Telegram bot is configured (TELEGRAM_BOT_TOKEN)" in " ".join(result.output.split())
    assert _channel("@kyivdigest") is None


def test_a_bad_telegram_channel_is_refused_before_telegram_is_asked(telegram):
    for args, said in (
        (["--telegram-channel", "kyiv digest"], "--telegram-channel: 'kyiv digest' is not a channel"),
        (["--telegram-channel", "@kyivdigest", "--timezone", "Mars/Base"], "--timezone: unknown time zone"),
        (["--telegram-channel", "@kyivdigest", "--send-hour", "24"], "--send-hour: 24 is not an hour"),
    ):
        result = invoke("lists", "add", "daily", *args)
        assert result.exit_code == 1 and said in " ".join(result.output.split()), result.output
    assert not [r for r in telegram.requests if r.method.lower() != "getme"]


def test_status_counts_by_state_and_retry_resends_only_the_failed(settings):
    from datetime import UTC, datetime

    from digest import pipeline
    from digest.models import DeliveryState, Subscriber
    from digest.store import ledger
    from digest.store import suppressions as suppression_store
    from tests.integration.population import fresh_items

    fresh_items(settings.database_url)
    with transaction(settings.database_url) as conn:
        for n in range(4):
            subscriber_store.save(conn, Subscriber(email=f"r{n}@example.org"), datetime.now(UTC))
        suppression_store.suppress(conn, "r3@example.org", "bounce", datetime.now(UTC))
    plan = pipeline.plan_send("daily", settings, manual=True)
    for channel, ids in plan.batches:
        pipeline.send_batch(plan.edition_id, channel, ids, "first", settings)
    with transaction(settings.database_url) as conn:
        first_id = plan.batches[0][1][0]
        ledger.mark(conn, [first_id], DeliveryState.FAILED, datetime.now(UTC), "550 mailbox full")
    status = invoke("status", str(plan.edition_id)).output
    assert "sent      2" in status and "failed    1" in status and "suppressed 1" in status
    assert invoke("retry", str(plan.edition_id)).exit_code == 0
    with transaction(settings.database_url) as conn:
        counts = ledger.counts(conn, [plan.edition_id])
        attempts = conn.exec_driver_sql("select id, attempts from deliveries order by id").all()
    assert (counts["sent"], counts["failed"]) == (3, 0)
    # `digest retry` counts a re-opened row's attempts afresh (the retry policy's budget), so the
    # re-sent row was tried once since, and the others were not tried again.
    assert {row_id: n for row_id, n in attempts} == {row_id: 1 for row_id, _ in attempts}
    assert "failed deliveries (1;" in status and "550 mailbox full" in status


def test_feeds_import_refuses_an_opml_that_points_at_local_files_and_adds_nothing(settings, tmp_path):
    from digest.store import feeds as feed_store

    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<opml><body>\n<outline title="Web" xmlUrl="https://news.example/rss"/>\n'
        '<outline title="Secrets" xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    result = runner.invoke(app, ["feeds", "import", str(opml)])
    assert result.exit_code != 0
    assert "outline 'Secrets'" in result.output and "digest feeds add PATH" in result.output
    with transaction(settings.database_url) as conn:
        assert feed_store.all_feeds(conn) == []


def test_feeds_add_still_takes_a_local_path_typed_by_the_operator(settings, tmp_path):
    feed = tmp_path / "local.xml"
    feed.write_text("<rss/>")
    result = invoke("feeds", "add", str(feed))
    assert result.exit_code == 0, result.output


def test_status_shows_an_open_circuit_breaker_and_a_channel_that_refuses_the_bot(settings):
    from datetime import UTC, datetime

    from digest import pipeline
    from digest.breaker import breaker_for, fingerprint
    from digest.models import Subscriber
    from digest.store import alerts
    from tests.integration.population import fresh_items

    fresh_items(settings.database_url)
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        subscriber_store.save(conn, Subscriber(email="r@example.org"), now)
        alerts.chat_failing(conn, "@newsroom", "Forbidden: bot was kicked from the channel chat", now)
    plan = pipeline.plan_send("daily", settings, manual=True)
    refused = "SendGrid refused the API key: 401"
    breaker_for(settings).trip("email", fingerprint(settings, "email"), refused, 1, now)
    try:
        out = invoke("status", str(plan.edition_id)).output
    finally:
        breaker_for(settings).reset()
    assert "ALERT: email circuit breaker open" in out and "SendGrid refused the API key: 401" in out
    assert "ALERT: Telegram chat @newsroom refuses the bot" in out and "kicked" in out


def test_lists_language_sets_what_a_lists_editions_speak_and_refuses_unknown_ones(settings):
    from datetime import UTC, datetime

    from digest.store import languages as language_store

    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, "daily", datetime.now(UTC))

    assert invoke("lists", "language", "daily", "uk").exit_code == 0
    with transaction(settings.database_url) as conn:
        assert language_store.language_of(conn, "daily") == "uk"

    unknown = runner.invoke(app, ["lists", "language", "daily", "klingon"])
    missing = runner.invoke(app, ["lists", "language", "nope", "uk"])
    assert unknown.exit_code != 0 and "'klingon' is not one of en, uk" in unknown.output
    assert missing.exit_code != 0 and "no list named 'nope'" in missing.output
    with transaction(settings.database_url) as conn:
        assert language_store.language_of(conn, "daily") == "uk"  # nothing half-changed
