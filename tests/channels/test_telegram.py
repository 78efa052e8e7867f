"""The Telegram channel, with the real python-telegram-bot talking to a local fake Bot API."""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from digest import config
from digest.channels.base import Envelope
from digest.channels.telegram import TelegramChannel
from digest.errors import ChannelConfigError, ChatMigrated, ChatRefused, DeliveryError, RecipientGone
from digest.models import Recipient, RenderedEdition
from digest.ratelimit import InProcessRateLimiter, RedisRateLimiter
from tests.fakes.telegram_server import ApiError, FakeTelegram, parse_entities

REDIS_URL = "redis://127.0.0.1:6379/14"
LEAD = "https://news.example.org/lead"


def envelope(*messages: str, lead_url: str | None = LEAD, edition_id: int = 7) -> Envelope:
    content = RenderedEdition("Subject", "", "", "", telegram=messages, lead_url=lead_url)
    return Envelope(edition_id, "daily", content, "digest@example.org", "Daily <daily.example.org>")


def to(chat: str) -> list[Recipient]:
    return [Recipient(subscriber_id=1, address=chat)]


@pytest.fixture
def channel(fake: FakeTelegram) -> Iterator[TelegramChannel]:
    sender = TelegramChannel(fake.token, api_url=fake.base_url, limiter=InProcessRateLimiter(), timeout=2)
    yield sender
    sender.close()


def test_it_sends_every_message_as_html_with_the_lead_preview_only_on_the_first(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    channel.deliver(envelope("<b>Morning</b> &amp; news", "<i>Part two</i>", "Part three"), to("42"))

    sent = fake.messages_for("42")
    assert [m.text for m in sent] == ["<b>Morning</b> &amp; news", "<i>Part two</i>", "Part three"]
    assert {m.parse_mode for m in sent} == {"HTML"}
    assert sent[0].link_preview == {"url": LEAD}
    assert [m.link_preview for m in sent[1:]] == [{"is_disabled": True}] * 2


def test_it_shows_no_preview_when_the_edition_has_no_lead_link(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    channel.deliver(envelope("Quiet day", lead_url=None), to("42"))
    assert fake.messages_for("42")[0].link_preview == {"is_disabled": True}


def test_it_sends_to_groups_by_id_and_to_channels_by_username(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    channel.deliver(envelope("Hello"), to("-1001234567890"))
    channel.deliver(envelope("Hello"), to("@newsroom"))
    assert len(fake.messages_for("-1001234567890")) == 1
    assert len(fake.messages_for("@newsroom")) == 1


def test_it_raises_recipient_gone_when_the_user_blocked_the_bot(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.block("42")
    with pytest.raises(RecipientGone) as caught:
        channel.deliver(envelope("Hello"), to("42"))
    assert caught.value.permanent
    assert "blocked" in str(caught.value)


@pytest.mark.parametrize(
    ("chat", "description", "kind"),
    [
        ("42", "Forbidden: user is deactivated", RecipientGone),
        ("42", "Forbidden: bot can't initiate conversation with a user", DeliveryError),
        ("-1001234", "Forbidden: bot was kicked from the supergroup chat", ChatRefused),
        ("@newsroom", "Forbidden: bot is not a member of the channel chat", ChatRefused),
        ("@newsroom", "Forbidden: bot was blocked by the user", ChatRefused),
    ],
)
def test_only_known_descriptions_of_a_private_chat_mean_gone_and_a_channel_is_never_gone(
    fake: FakeTelegram, channel: TelegramChannel, chat: str, description: str, kind: type[DeliveryError]
) -> None:
    fake.block(chat, description)
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(envelope("Hello"), to(chat))
    assert type(caught.value) is kind and caught.value.permanent
    assert description.removeprefix("Forbidden: ") in str(caught.value)


def test_it_raises_chat_migrated_with_the_new_id_and_sends_nothing_there(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.migrate("-4242", "-1009999")
    with pytest.raises(ChatMigrated) as caught:
        channel.deliver(envelope("Hello", "Again"), to("-4242"))
    assert caught.value.new_chat_id == "-1009999"
    assert not caught.value.permanent
    assert caught.value.sent_count == 0
    assert fake.messages == []

    channel.deliver(envelope("Hello", "Again"), to(caught.value.new_chat_id))  # what the caller does
    assert len(fake.messages_for("-1009999")) == 2


def test_it_falls_back_to_plain_text_when_telegram_cannot_parse_the_html(
    fake: FakeTelegram, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        channel.deliver(envelope("<b>Fish &amp; chips<br></b>", "<i>fine</i>", edition_id=31), to("42"))

    sent = fake.messages_for("42")
    assert [(m.text, m.parse_mode) for m in sent] == [("Fish & chips", None), ("<i>fine</i>", "HTML")]
    assert sent[0].link_preview == {"url": LEAD}
    assert "edition 31, chat 42" in caplog.text
    assert "plain text" in caplog.text


def test_it_raises_a_permanent_error_when_the_chat_does_not_exist(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.forget("404")
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(envelope("Hello"), to("404"))
    assert caught.value.permanent
    assert "chat not found" in str(caught.value).lower()


def test_it_raises_channel_config_error_when_the_token_is_refused(fake: FakeTelegram) -> None:
    wrong = TelegramChannel("999:wrong-token-xyz", api_url=fake.base_url, limiter=InProcessRateLimiter())
    with pytest.raises(ChannelConfigError):
        wrong.deliver(envelope("Hello"), to("42"))
    wrong.close()


@pytest.mark.parametrize("fault", ["server error", "timeout", "connection refused"])
def test_it_raises_a_transient_error_when_telegram_is_unwell(fake: FakeTelegram, fault: str) -> None:
    url = fake.base_url
    if fault == "server error":
        fake.fail_next(status=502, description="Bad Gateway")
    elif fault == "timeout":
        fake.slow(0.6)
    else:
        fake.stop()
    sender = TelegramChannel(fake.token, api_url=url, limiter=InProcessRateLimiter(), timeout=0.3)
    with pytest.raises(DeliveryError) as caught:
        sender.deliver(envelope("Hello"), to("42"))
    assert not caught.value.permanent
    assert type(caught.value) is DeliveryError
    # Only a request Telegram had whole, whose answer did not come, may have gone out.
    assert caught.value.maybe_delivered is (fault == "timeout")
    sender.close()


def test_a_429_raises_retry_after_and_no_worker_sends_to_that_chat_inside_the_window(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.force_flood(retry_after=30, chat_id="42")
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(envelope("Hello"), to("42"))
    assert caught.value.retry_after == 30
    assert not caught.value.permanent

    with pytest.raises(DeliveryError) as again:
        channel.deliver(envelope("Hello"), to("42"))  # the limiter answers; Telegram is not asked
    assert again.value.retry_after == pytest.approx(30, abs=1)
    assert len(fake.requests_for("42")) == 1
    assert fake.flood_violations == 0

    channel.deliver(envelope("Hello"), to("43"))  # other chats go on after a short pause
    assert len(fake.messages_for("43")) == 1


def test_a_retry_resumes_after_the_messages_already_sent(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    fake.fail_next(after=1, status=500)
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(envelope("one", "two", "three"), to("42"))
    assert [m.text for m in fake.messages_for("42")] == ["one"]
    assert caught.value.sent_count == 1  # what the pipeline stores on the delivery row

    channel.deliver(envelope("one", "two", "three"), [Recipient(1, "42", parts_sent=caught.value.sent_count)])
    sent = fake.messages_for("42")
    assert [m.text for m in sent] == ["one", "two", "three"]
    assert sent[1].link_preview == {"is_disabled": True}  # the preview belongs to message one only


def test_five_messages_to_one_chat_keep_to_one_per_second_after_a_burst_of_three(
    fake: FakeTelegram, channel: TelegramChannel
) -> None:
    channel.deliver(envelope(*(f"part {n}" for n in range(1, 6))), to("42"))
    at = [m.at for m in fake.messages_for("42")]
    assert len(at) == 5
    assert at[2] - at[0] < 0.5
    assert at[3] - at[2] >= 0.9
    assert at[4] - at[3] >= 0.9
    assert fake.flood_violations == 0


def test_a_long_wait_for_a_slot_is_handed_back_as_retry_after(fake: FakeTelegram) -> None:
    limiter = InProcessRateLimiter()
    sender = TelegramChannel(fake.token, api_url=fake.base_url, limiter=limiter)
    limiter.back_off("tg:123456:chat:42", 60, 1.0, 3)
    with pytest.raises(DeliveryError) as caught:
        sender.deliver(envelope("one", "two"), [Recipient(1, "42", parts_sent=1)])
    assert caught.value.retry_after == pytest.approx(60, abs=1)
    assert caught.value.sent_count == 1
    assert fake.requests == []
    sender.close()


def _send_to_chats(
    base_url: str, token: str, prefix: str, chats: list[str], errors: multiprocessing.Queue[str]
) -> None:
    limiter = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), prefix)
    sender = TelegramChannel(token, api_url=base_url, limiter=limiter, rate=28)
    try:
        for chat in chats:
            sender.deliver(envelope("Breaking: <b>news</b>"), to(chat))
    except Exception as exc:
        errors.put(repr(exc))
    finally:
        sender.close()
        errors.put("done")


def test_two_processes_send_sixty_chats_within_the_global_rate_without_a_single_429(
    fake: FakeTelegram,
) -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    prefix = f"digest:test:tg:{uuid.uuid4().hex}:"
    context = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue[str] = context.Queue()
    chats = [str(1000 + n) for n in range(60)]
    processes = [
        context.Process(target=_send_to_chats, args=(fake.base_url, fake.token, prefix, chats[n::2], errors))
        for n in range(2)
    ]
    start = time.monotonic()
    try:
        for process in processes:
            process.start()
        reports = [errors.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=10)
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
    elapsed = time.monotonic() - start

    assert reports == ["done", "done"]
    assert len(fake.messages) == 60
    assert fake.flood_violations == 0
    assert fake.rate_over(1.0) <= 30
    assert elapsed >= 59 / 28 - 0.1  # the limit was shared, not per process


def test_the_token_appears_in_no_log_line_and_no_error_message(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "999:another-secret-token"
    sender = TelegramChannel(fake.token, api_url=fake.base_url, limiter=InProcessRateLimiter(), timeout=1)
    refused = TelegramChannel(wrong, api_url=fake.base_url, limiter=InProcessRateLimiter())
    fake.block("13")
    errors: list[BaseException] = []
    # httpx's own level too: logs.configure() (run by other tests) quiets it to WARNING
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        sender.deliver(envelope("<b>ok</b>", "x<br>y"), to("42"))
        for chan, chat in [(sender, "13"), (refused, "42")]:
            try:
                chan.deliver(envelope("Hello"), to(chat))
            except DeliveryError as exc:
                errors.append(exc)
    sender.close()
    refused.close()

    assert "HTTP Request" in caplog.text  # httpx did log the request URLs, scrubbed
    assert len(errors) == 2
    for token in (fake.token, wrong, "another-secret"):
        assert token not in caplog.text
        assert all(token not in str(err) and token not in repr(err) for err in errors)


def test_errors_survive_pickling_for_the_result_backend(fake: FakeTelegram, channel: TelegramChannel) -> None:
    fake.block("1")
    fake.migrate("-2", "-1002")
    fake.force_flood(retry_after=12, chat_id="3")
    fake.forget("4")
    errors: list[DeliveryError] = []
    for chat in ["1", "-2", "3", "4"]:
        with pytest.raises(DeliveryError) as caught:
            channel.deliver(envelope("Hello"), to(chat))
        errors.append(caught.value)

    for err in errors:
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err)
        assert (str(copy), copy.permanent, copy.retry_after) == (str(err), err.permanent, err.retry_after)
    assert pickle.loads(pickle.dumps(errors[1])).new_chat_id == "-1002"
    assert pickle.loads(pickle.dumps(errors[2])).retry_after == 12


def test_from_settings_uses_the_configured_api_url_and_token(fake: FakeTelegram) -> None:
    settings = config.load(
        {
            "DIGEST_TELEGRAM_CHANNEL": "telegram",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "DIGEST_TELEGRAM_API_URL": fake.base_url,
        },
        dotenv=False,
    )
    sender = TelegramChannel.from_settings(settings)
    sender.deliver(envelope("Hello"), to("42"))
    sender.close()
    assert len(fake.messages_for("42")) == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>bold<i>both</b></i>", "Can't find end tag"),
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("line<br/>break", 'Unsupported start tag "br"'),
        ("<span>plain span</span>", 'Unsupported start tag "span"'),
        ("<b>never closed", "Can't find end tag"),
        ("<a>no href</a>", "URL of the link"),
    ],
)
def test_the_fake_refuses_html_that_telegram_refuses(text: str, problem: str) -> None:
    with pytest.raises(ApiError, match=problem):
        parse_entities(text)


def test_the_fake_counts_length_in_utf16_units_after_entity_parsing(fake: FakeTelegram) -> None:
    assert parse_entities('<span class="tg-spoiler">a</span>&amp;<tg-spoiler>b</tg-spoiler>') == "a&b"
    status, _ = fake.handle(
        fake.token, "sendMessage", {"chat_id": "5", "text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"}
    )
    assert status == 200
    status, body = fake.handle(fake.token, "sendMessage", {"chat_id": "6", "text": "😀" * 2049})
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
