"""Webhook mode: Telegram POSTs updates to us with the secret; nobody else gets in."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest import config
from digest.bot import webhook_app
from digest.cli import app, context
from digest.errors import ConfigError
from digest.models import SubscriberStatus
from tests.bot.conftest import CHAT, SECRET, WEBHOOK_URL, WebhookBot, add_reader, button, message, subscriber
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram


def test_it_registers_the_webhook_with_its_secret_and_the_command_menu(
    webhook: WebhookBot, fake: FakeTelegram
) -> None:
    assert fake.webhook is not None
    assert fake.webhook["url"] == WEBHOOK_URL
    assert fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
    assert [c["command"] for c in fake.commands][:2] == ["start", "topics"]
    assert [c["command"] for c in fake.command_menus["uk"]][:2] == ["start", "topics"]


def test_an_update_with_the_secret_is_handled_before_the_response(
    webhook: WebhookBot, fake: FakeTelegram, settings: config.Settings
) -> None:
    status, seconds = webhook.post(message("/start daily"))
    assert status == 200
    assert seconds < 1.0
    assert "subscribed to Morning Digest" in (fake.messages_for(str(CHAT))[-1].text or "")
    sub = subscriber(settings)
    assert sub is not None and sub.status is SubscriberStatus.ACTIVE and sub.lists == ("daily",)

    status, seconds = webhook.post(button("hour:9"))
    assert (status, fake.answers[-1].get("text")) == (200, None)
    assert seconds < 1.0
    sub = subscriber(settings)
    assert sub is not None and sub.send_hour == 9


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
def test_an_update_without_the_right_secret_is_refused_and_ignored(
    webhook: WebhookBot, fake: FakeTelegram, settings: config.Settings, secret: str | None
) -> None:
    add_reader(settings, lists=("daily",))
    status, _ = webhook.post(button("unsubscribe"), secret=secret)
    assert status == 403
    sub = subscriber(settings)
    assert sub is not None and sub.status is SubscriberStatus.ACTIVE
    assert fake.messages == [] and fake.answers == []


@pytest.mark.parametrize("body", [[1, 2], {"not": "an update"}, "text"])
def test_a_body_that_is_not_an_update_gets_400(webhook: WebhookBot, body: object) -> None:
    assert webhook.post(body)[0] == 400


def test_a_chunked_body_over_the_cap_is_refused_with_413_before_it_is_read_whole(
    settings: config.Settings, fake: FakeTelegram
) -> None:
    from digest.bot.webhook import MAX_BODY
    from tests.web.test_body_limit import SLACK, post, serving

    with serving(webhook_app(settings, WEBHOOK_URL)) as server:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        status, _ = post(server, "/telegram/updates", total=50 * 1024 * 1024, chunked=True, headers=headers)
        assert status == 413
        assert server.counter.pulled[-1] < MAX_BODY + SLACK, "the body was read past the cap"


def test_a_failure_is_apologised_for_and_the_token_is_in_no_log_line(
    webhook: WebhookBot, fake: FakeTelegram, settings: config.Settings, caplog: pytest.LogCaptureFixture
) -> None:
    add_reader(settings, lists=("daily",))
    fake.fail_next(status=500)
    # httpx's own level too: logs.configure() (run by other tests) quiets it to WARNING
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        status, seconds = webhook.post(message("/topics"))
    assert status == 200  # handled: Telegram must not send it again
    assert seconds < 1.0
    assert fake.messages_for(str(CHAT))[-1].text == (
        "Sorry, something went wrong on our side. Please try again in a minute."
    )
    assert "an update failed" in caplog.text
    assert "HTTP Request" in caplog.text  # httpx logged the request URLs, scrubbed
    assert fake.token not in caplog.text


def test_the_webhook_needs_its_secret(db_url: str, tmp_path: Path, fake: FakeTelegram) -> None:
    settings = make_settings(db_url, tmp_path, TELEGRAM_BOT_TOKEN=fake.token)
    with pytest.raises(ConfigError, match="DIGEST_TELEGRAM_WEBHOOK_SECRET"):
        webhook_app(settings, WEBHOOK_URL)


def test_a_bad_webhook_secret_stops_start_up_with_the_variable_named(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DIGEST_TELEGRAM_WEBHOOK_SECRET"):
        make_settings(db_url, tmp_path, DIGEST_TELEGRAM_WEBHOOK_SECRET="has spaces")


@pytest.fixture
def cli_context() -> Iterator[None]:
    """The command's set-up (logging levels, migrations, Celery) is done: it would outlive the test."""
    was, context._ready = context._ready, True
    yield
    context._ready = was


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        (
            {"DIGEST_TELEGRAM_WEBHOOK_SECRET": ""},
            ["--webhook-url", WEBHOOK_URL],
            "DIGEST_TELEGRAM_WEBHOOK_SECRET",
        ),
        ({}, ["--webhook-url", "http://bot.example.org/hook"], "https://"),
        ({"TELEGRAM_BOT_TOKEN": ""}, [], "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_digest_bot_refuses_to_start_without_what_it_needs(
    db_url: str,
    tmp_path: Path,
    fake: FakeTelegram,
    cli_context: None,
    env: dict[str, str],
    args: list[str],
    says: str,
) -> None:
    base = {"TELEGRAM_BOT_TOKEN": fake.token, "DIGEST_TELEGRAM_WEBHOOK_SECRET": SECRET}
    config.override(make_settings(db_url, tmp_path, **{**base, **env}))
    try:
        result = CliRunner().invoke(app, ["bot", *args])
    finally:
        config.override(None)
    assert result.exit_code == 2
    assert says in result.output
