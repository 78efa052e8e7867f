"""Issue 11 on the command line: updates change only what they were given, bad values get a
one-line error (never a traceback), lists follow one rule, breaking lists get no digest,
`digest collect` tells cron when feeds failed, deleting keeps editions' figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from digest import pipeline
from digest.cli import app, context
from digest.models import Subscriber
from digest.store import feeds as feed_store
from digest.store import ledger
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import editions
from tests.integration.population import fresh_items

runner = CliRunner()
HEADER = "email,telegram_chat_id,name,timezone,send_hour,topics,lists"


@pytest.fixture(autouse=True)
def fresh_context():
    context._ready = False
    yield
    context._ready = False


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def a_feed(tmp_path, name: str = "good.xml"):
    path = tmp_path / name
    path.write_text(
        '<rss version="2.0"><channel><title>t</title><item><title>Bridge reopens</title>'
        "<link>https://good.example/1</link></item></channel></rss>"
    )
    return path


def feed(settings, url: str):
    with transaction(settings.database_url) as conn:
        return feed_store.by_url(conn, url)


def test_feeds_add_with_only_a_weight_keeps_the_name_and_section(settings, tmp_path):
    path = a_feed(tmp_path)
    assert invoke("feeds", "add", str(path), "--name", "Kyiv Post", "--section", "Analysis").exit_code == 0
    result = invoke("feeds", "add", str(path), "--weight", "2")
    assert result.exit_code == 0 and "updated weight" in result.output
    found = feed(settings, str(path))
    assert (found.name, found.section, found.weight) == ("Kyiv Post", "analysis", 2.0)


@pytest.mark.parametrize("weight", ["nan", "-3", "0", "inf", "-inf"])
def test_a_weight_that_is_not_finite_and_positive_is_refused_in_one_line(settings, tmp_path, weight):
    path = a_feed(tmp_path)
    result = invoke("feeds", "add", str(path), f"--weight={weight}")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--weight" in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert feed(settings, str(path)) is None


def test_feeds_import_keeps_a_registered_feeds_settings_and_names_it(settings, tmp_path):
    # An imported OPML may only add web feeds: registering one needs no fetch.
    mine, other = "https://mine.example.org/rss", "https://other.example.org/rss"
    invoke("feeds", "add", mine, "--name", "Mine", "--section", "culture", "--weight", "3")
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline text="Theirs" xmlUrl="{mine}" category="news"/>'
        f'<outline text="Other" xmlUrl="{other}"/></body></opml>'
    )
    result = invoke("feeds", "import", str(opml))
    assert result.exit_code == 0 and "1 new" in result.output and "kept as they are" in result.output
    assert mine in result.output
    found = feed(settings, mine)
    assert (found.name, found.section, found.weight) == ("Mine", "culture", 3.0)
    assert feed(settings, other).name == "Other"


def test_an_opml_weight_of_nan_is_refused_and_nothing_imported(settings, tmp_path):
    path = a_feed(tmp_path)
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline text="X" xmlUrl="{path}" weight="nan"/></body></opml>'
    )
    result = invoke("feeds", "import", str(opml))
    assert result.exit_code == 1 and "weight" in result.output and "Traceback" not in result.output
    assert feed(settings, str(path)) is None


def test_collect_prints_each_failure_once_and_exits_3(settings, tmp_path):
    page = tmp_path / "page.xml"
    page.write_text("<!doctype html><html><head><title>x</title></head><body><p>hi</p></body></html>")
    invoke("feeds", "add", str(a_feed(tmp_path)))
    invoke("feeds", "add", str(page))
    result = invoke("collect")
    assert result.exit_code == 3
    assert result.output.count("not a feed") == 1, result.output


def test_collect_exits_0_when_every_feed_worked(settings, tmp_path):
    invoke("feeds", "add", str(a_feed(tmp_path)))
    assert invoke("collect").exit_code == 0


def test_send_refuses_a_breaking_only_list_and_points_to_digest_breaking(settings):
    assert invoke("lists", "add", "alerts", "--breaking").exit_code == 0
    with transaction(settings.database_url) as conn:
        subscriber_store.save(conn, Subscriber(email="a@example.org", lists=("alerts",)), datetime.now(UTC))
    fresh_items(settings.database_url)
    result = invoke("send", "alerts")
    assert result.exit_code == 1 and "digest breaking" in result.output
    with transaction(settings.database_url) as conn:
        assert conn.execute(editions.select()).first() is None


def test_subscribers_add_for_a_known_reader_changes_only_the_options_given(settings, tmp_path):
    csv = tmp_path / "subs.csv"
    csv.write_text(f"{HEADER}\nolena@example.org,12345,Olena,Europe/Kyiv,8,news,daily\n")
    assert invoke("subscribers", "import", str(csv)).exit_code == 0
    result = invoke("subscribers", "add", "--email", "olena@example.org", "--topics", "video;culture")
    assert result.exit_code == 0 and "1 updated: olena@example.org" in result.output
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email="olena@example.org")
    assert sub.topics == ("video", "culture")
    assert (sub.name, sub.telegram_chat_id, sub.timezone, sub.send_hour) == (
        "Olena",
        "12345",
        "Europe/Kyiv",
        8,
    )


def test_an_import_says_which_known_readers_it_changed(settings, tmp_path):
    csv = tmp_path / "subs.csv"
    csv.write_text(f"{HEADER}\na@example.org,,Ann,UTC,7,,daily\nb@example.org,,Bob,UTC,7,,daily\n")
    invoke("subscribers", "import", str(csv))
    csv.write_text(
        f"{HEADER}\na@example.org,,Ann,UTC,9,,\nb@example.org,,Bob,UTC,7,,\nc@example.org,,Cy,,,,\n"
    )
    result = invoke("subscribers", "import", str(csv))
    assert result.exit_code == 0 and "3 subscribers (1 new, 1 updated: a@example.org)" in result.output


def test_a_name_with_a_line_break_is_refused_on_the_command_line(settings):
    result = invoke("subscribers", "add", "--email", "a@example.org", "--name", "Ann\nBcc: x@evil.example")
    assert result.exit_code == 1 and "name" in result.output and "Traceback" not in result.output
    with transaction(settings.database_url) as conn:
        assert subscriber_store.find(conn, email="a@example.org") is None


@pytest.mark.parametrize("name", ["city:hall", "a,b", "two words", "Über"])
def test_a_list_name_outside_the_rule_is_refused_by_lists_add_and_by_an_import(settings, tmp_path, name):
    result = invoke("lists", "add", name)
    assert result.exit_code == 1 and "not a list name" in result.output
    csv = tmp_path / "subs.csv"
    csv.write_text(f'{HEADER}\na@example.org,,Ann,UTC,7,,"{name}"\n')
    imported = invoke("subscribers", "import", str(csv))
    assert imported.exit_code == 1 and "line 2" in imported.output
    with transaction(settings.database_url) as conn:
        assert subscriber_store.list_id(conn, name) is None


def test_removing_a_subscriber_keeps_the_figures_of_editions_already_sent(settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        for n in range(3):
            subscriber_store.save(conn, Subscriber(email=f"r{n}@example.org", lists=("daily",)), now)
    fresh_items(settings.database_url)
    plan = pipeline.plan_send("daily", settings, manual=True)
    for channel, ids in plan.batches:
        pipeline.send_batch(plan.edition_id or 0, channel, ids, f"b{ids[0]}", settings)
    with transaction(settings.database_url) as conn:
        before = ledger.counts(conn, [plan.edition_id or 0])
    assert before["sent"] == 3
    assert invoke("subscribers", "remove", "r0@example.org").exit_code == 0
    with transaction(settings.database_url) as conn:
        assert ledger.counts(conn, [plan.edition_id or 0]) == before
    assert "sent      3" in invoke("status", str(plan.edition_id)).output
