"""`digest preview` and `digest editor`, in-process through Typer's runner on the test database."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import digest.compose
from digest import config
from digest.cli import app, context
from digest.models import FeedSpec, Item
from digest.store import audit as audit_store
from digest.store import editorial as editorial_store
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.store.tables import deliveries, editions
from digest.store.tables import items as items_table

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_context(monkeypatch):
    context._ready = False
    # One story per item: this is about the command, not about how well stories are found.
    monkeypatch.setattr(digest.compose, "cluster_items", lambda items, _options: [[i] for i in items])
    yield
    context._ready = False
    config.override(None)


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def newsroom(settings):
    """Two feeds with fresh items and a list; returns the items' database ids by key."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        wire, _ = feed_store.add(conn, FeedSpec("https://wire.example/rss", "Wire", "news", 1.5), now)
        culture, _ = feed_store.add(conn, FeedSpec("https://arts.example/rss", "Arts Desk", "culture"), now)
        found = [
            Item(
                key="budget",
                feed_id=wire.id,
                source="",
                url="https://wire.example/budget",
                title="Parliament approves winter energy budget",
                published=now - timedelta(hours=1),
            ),
            Item(
                key="drones",
                feed_id=wire.id,
                source="",
                url="https://wire.example/drones",
                title="Drone factory opens near Lviv",
                published=now - timedelta(hours=3),
            ),
            Item(
                key="opera",
                feed_id=culture.id,
                source="",
                url="https://arts.example/opera",
                title="Opera premiere lit by generators",
                published=now - timedelta(hours=2),
                section="culture",
                categories=("Opinion",),
            ),
        ]
        item_store.save(conn, found, now)
        subscriber_store.ensure_list(conn, "daily", now, "Morning briefing")
        rows = conn.execute(select(items_table.c.key, items_table.c.id)).all()
    return {key: item_id for key, item_id in rows}


def test_preview_explain_shows_every_part_of_each_score_and_the_editor_action(settings, newsroom, tmp_path):
    assert invoke("editor", "boost", str(newsroom["drones"]), "--factor", "3", "--by", "olena").exit_code == 0
    assert invoke("editor", "exclude", "https://wire.example/budget", "--list", "daily").exit_code == 0
    result = invoke("preview", "daily", "--explain", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    out = result.output
    for header in (
        "recency",
        "source weight",
        "coverage",
        "section priority",
        "editor action",
        "diversity",
        "total",
        "left out because",
    ):
        assert header in out
    assert "Drone factory opens near Lviv" in out and "boost ×3" in out
    assert "excluded by an editor" in out  # the budget story, left out
    drone_row = next(line for line in out.splitlines() if "Drone factory" in line and "│" in line)
    assert "Wire" in drone_row and "1.5" in drone_row and "news" in drone_row


def test_preview_writes_the_parts_and_their_sizes_and_stores_nothing(settings, newsroom, tmp_path):
    result = invoke("preview", "daily", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files[:2] == ["email.html", "email.txt"] and files[2].startswith("telegram-1")
    html = (tmp_path / "out" / "email.html").read_text()
    assert "Opera premiere lit by generators" in html and "-unsubscribe_url-" not in html
    assert "KB after inlining" in result.output and "UTF-16 units" in result.output
    with transaction(settings.database_url) as conn:
        assert conn.execute(select(func.count()).select_from(editions)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(deliveries)).scalar() == 0


def test_preview_files_and_test_sends_greet_as_a_reader_is_greeted(settings, newsroom, tmp_path):
    result = invoke("preview", "daily", "--out", str(tmp_path), "--send-to", "Desk@Example.org")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "email.txt").read_text()
    assert re.search(r'<p class="greeting"[^>]*>Hello, Editor\.</p>', (tmp_path / "email.html").read_text())
    assert "\nHello, Editor.\n" in text and "-greeting-" not in text
    eml = (Path(settings.outbox_dir) / "email" / "0" / "0.eml").read_bytes()
    sent = email.message_from_bytes(eml, policy=policy.default)
    assert sent["To"] == "Editor <desk@example.org>" and sent["Subject"].startswith("[TEST]")
    body = sent.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello, Editor." in body.splitlines()


def test_preview_for_topics_keeps_only_those(settings, newsroom, tmp_path):
    result = invoke("preview", "daily", "--topics", "culture", "--out", str(tmp_path))
    assert result.exit_code == 0 and "1 stories in 1 sections" in result.output


def test_preview_opens_the_email_in_a_browser_when_asked(settings, newsroom, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert invoke("preview", "daily", "--open", "--out", str(tmp_path)).exit_code == 0
    assert opened == [(tmp_path / "email.html").resolve().as_uri()]


def test_preview_of_an_unknown_list_is_named(settings):
    result = runner.invoke(app, ["preview", "nightly"])
    assert result.exit_code == 1 and "'nightly'" in result.output


def test_editor_commands_store_list_clear_and_audit_who_did_what(settings, newsroom, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "taras")
    assert invoke("editor", "pin", "https://arts.example/opera", "--until", "12h").exit_code == 0
    assert invoke("editor", "bury", "drones", "--list", "daily").exit_code == 0
    listed = invoke("editor", "list").output
    assert "opera" in listed and "pin" in listed and "bury ÷2" in listed and "taras" in listed
    assert "1 action removed" in invoke("editor", "clear", "opera").output
    with transaction(settings.database_url) as conn:
        assert [a.item_key for a in editorial_store.actions(conn)] == ["drones"]
        log = [(e.actor, e.action, e.target) for e in audit_store.audit_entries(conn)]
    assert log == [
        ("taras", "editor.clear", "opera"),
        ("taras", "editor.bury", "drones"),
        ("taras", "editor.pin", "opera"),
    ]
    assert "editor.pin" in invoke("editor", "log").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["editor", "pin", "https://nowhere.example/"], "no item with id, URL or key"),
        (["editor", "boost", "drones", "--factor", "0.5"], "--factor must be above 1"),
        (["editor", "pin", "drones", "--until", "yesterday"], "expected an ISO date/time"),
        (["editor", "pin", "drones", "--until", "2001-01-01"], "already past"),
        (["editor", "pin", "drones", "--list", "monthly"], "no list named 'monthly'"),
    ],
)
def test_editor_commands_name_what_is_wrong(settings, newsroom, args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.output


def test_lists_configure_sets_shows_and_resets_the_sections(settings, newsroom):
    assert "daily: default sections and sizes" in invoke("lists", "configure", "daily").output
    result = invoke("lists", "configure", "daily", "--sections", "culture:2, news:5, video:0")
    assert "daily: culture:2,news:5,video:0" in result.output
    assert "daily: default sections and sizes" in invoke("lists", "configure", "daily", "--reset").output
    bad = runner.invoke(app, ["lists", "configure", "daily", "--sections", "news:lots"])
    assert bad.exit_code == 1 and "news:lots" in bad.output


def test_a_test_send_reaches_the_editor_with_the_reader_headers_and_a_marked_subject(settings, tmp_path):
    from email import message_from_bytes
    from email.policy import default

    from digest.cli import app
    from tests.integration.population import fresh_items

    fresh_items(settings.database_url)
    runner = CliRunner()
    runner.invoke(app, ["lists", "add", "daily"], catch_exceptions=False)
    args = ["preview", "daily", "--out", str(tmp_path / "p"), "--send-to", "Desk@Example.org"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (eml,) = (tmp_path / "outbox" / "email" / "0").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=default)
    assert message["Subject"].startswith("[TEST] ")
    assert message["To"].addresses[0].addr_spec == "desk@example.org"
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Message-ID", "Date"):
        assert message[header], header


def test_a_test_send_to_a_bad_address_is_refused(settings, tmp_path):
    from digest.cli import app
    from tests.integration.population import fresh_items

    fresh_items(settings.database_url)
    runner = CliRunner()
    runner.invoke(app, ["lists", "add", "daily"], catch_exceptions=False)
    result = runner.invoke(app, ["preview", "daily", "--out", str(tmp_path / "p"), "--send-to", "desk"])
    assert result.exit_code == 1 and "not an email address: desk" in result.output
