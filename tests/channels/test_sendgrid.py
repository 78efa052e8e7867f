"""The SendGrid channel, through the real ``sendgrid`` library, against the local SendGrid server."""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sendgrid as sendgrid_library
from python_http_client.exceptions import HTTPError

from digest.channels.base import Envelope
from digest.channels.registry import email_channel
from digest.channels.sendgrid import (
    BatchTooLarge,
    MessageRefused,
    PartiallyDelivered,
    SendGridChannel,
    SharedRate,
)
from digest.config import load
from digest.errors import ChannelConfigError, DeliveryError
from digest.models import Channel, Recipient
from digest.ratelimit import InProcessRateLimiter
from tests.fakes import FakeSendGrid, Reply
from tests.fakes.sendgrid_server import load_schema_validator, schema_errors

Readers = Callable[..., list[Recipient]]
SPEC = Path("specs") / "sendgrid-mail-v3.openapi.json"
API_KEY = "SG.test-key-that-must-stay-secret"


@pytest.fixture
def sendgrid_server() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def channel(sendgrid_server: FakeSendGrid) -> Iterator[SendGridChannel]:
    chan = SendGridChannel(API_KEY, host=sendgrid_server.url, timeout=2.0)
    yield chan
    chan.close()


def _raised(call: Callable[[], object]) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        call()
    return caught.value


# --- batching ----------------------------------------------------------------------------------


def test_one_request_carries_up_to_1000_personalizations(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel.deliver(envelope, readers(1000))

    assert sendgrid_server.requests == 1
    assert sendgrid_server.last_body is not None
    assert len(sendgrid_server.last_body["personalizations"]) == 1000
    assert len(sendgrid_server.accepted_recipients()) == 1000


def test_2500_recipients_split_by_the_caller_take_three_requests(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    everyone = readers(2500)
    for start in range(0, len(everyone), channel.max_batch):
        channel.deliver(envelope, everyone[start : start + channel.max_batch])

    assert sendgrid_server.accepted == 3
    assert set(sendgrid_server.recipient_counts().values()) == {1}
    assert len(sendgrid_server.recipient_counts()) == 2500


def test_deliver_itself_sends_more_than_1000_in_requests_of_1000(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel.deliver(envelope, readers(2500))

    assert sendgrid_server.accepted == 3
    assert sum(sendgrid_server.recipient_counts().values()) == 2500


def test_an_address_given_twice_is_sent_once(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope
) -> None:
    channel.deliver(envelope, [Recipient(1, "ada@example.org"), Recipient(2, "ADA@example.org")])

    assert sendgrid_server.accepted_recipients() == ["ada@example.org"]


# --- what each recipient gets --------------------------------------------------------------------


def test_each_recipient_gets_their_own_substitutions_headers_and_custom_args(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel.deliver(envelope, readers(3))

    second = sendgrid_server.delivered_to("reader2@example.org")
    assert second.name == "Reader 2"
    subs = dict(second.substitutions)
    assert subs["-name-"] == "Reader 2"
    assert subs["-unsubscribe_url-"] == "https://news.example.org/u/2?list=daily&sig=s2"
    assert subs["-preferences_url-"] == "https://news.example.org/p/2"
    assert dict(second.headers) == {
        "List-Unsubscribe": "<https://news.example.org/u/2?list=daily&sig=s2>, "
        "<mailto:unsubscribe@news.example.org?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Digest-Subscriber": "2",
    }
    assert dict(second.custom_args) == {"edition_id": "42", "subscriber_id": "2", "list": "daily"}


def test_the_html_part_gets_escaped_values_and_the_text_part_plain_ones(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel.deliver(envelope, [Recipient(7, "eve@example.org", "<b>Eve</b>", "https://x.org/u?a=1&b=2")])

    body = sendgrid_server.last_body
    assert body is not None
    text, html = (part["value"] for part in body["content"])
    assert "Hello -name-" in text and "Hello -name_html-" in html
    assert 'href="-unsubscribe_url_html-"' in html
    subs = dict(sendgrid_server.delivered_to("eve@example.org").substitutions)
    assert subs["-name-"] == "<b>Eve</b>"
    assert subs["-name_html-"] == "&lt;b&gt;Eve&lt;/b&gt;"
    assert subs["-unsubscribe_url_html-"] == "https://x.org/u?a=1&amp;b=2"


def test_the_message_has_sender_subject_parts_in_order_list_id_and_categories(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel.deliver(envelope, readers(1))

    body = sendgrid_server.last_body
    assert body is not None
    assert body["from"] == {"email": "digest@news.example.org", "name": "The Daily Digest"}
    assert body["subject"] == "Morning digest for -name-"
    assert [part["type"] for part in body["content"]] == ["text/plain", "text/html"]
    assert body["headers"] == {
        "List-Id": "The Daily Digest daily <daily.news.example.org>",
        "X-Digest-Edition": "42",
    }
    assert body["categories"] == ["digest", "daily"]


def test_categories_are_cut_to_what_sendgrid_allows(channel: SendGridChannel, envelope: Envelope) -> None:
    many = (*(f"c{i}" for i in range(15)), "c1", "x" * 300, " ")
    body = channel.request_body(replace(envelope, categories=many), [Recipient(1, "a@b.org")])

    assert body["categories"] == [f"c{i}" for i in range(10)]


def test_every_request_validates_against_sendgrids_openapi_schema(
    shared_dir: Path, channel: SendGridChannel, envelope: Envelope, readers: Readers
) -> None:
    validator = load_schema_validator(shared_dir / SPEC)
    test_send = replace(envelope, test=True)

    for env in (envelope, test_send):
        assert schema_errors(validator, channel.request_body(env, readers(1000))) == []


# --- errors --------------------------------------------------------------------------------------


def test_a_400_naming_one_recipient_refuses_that_recipient_and_sends_the_others(
    channel: SendGridChannel,
    sendgrid_server: FakeSendGrid,
    envelope: Envelope,
    readers: Readers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = _raised(lambda: channel.deliver(envelope, [*readers(2), Recipient(3, "not-an-address")]))

    assert isinstance(error, PartiallyDelivered) and error.permanent
    assert set(error.delivered) == {1, 2}
    assert set(error.refused) == {3} and "Does not contain a valid address." in error.refused[3]
    assert "personalizations.2.to.0.email" in caplog.text
    assert sorted(sendgrid_server.accepted_recipients()) == ["reader1@example.org", "reader2@example.org"]


def test_a_400_about_the_message_itself_is_permanent_for_the_whole_batch(
    channel: SendGridChannel, envelope: Envelope, readers: Readers
) -> None:
    bad_sender = replace(envelope, from_email="nobody")
    error = _raised(lambda: channel.deliver(bad_sender, readers(3)))

    assert error.permanent and not isinstance(error, PartiallyDelivered)
    assert "from" in str(error)


@pytest.mark.parametrize(("key", "status"), [("SG.wrong", "401"), ("SG.no-permission", "403")])
def test_a_refused_api_key_is_a_channel_config_error(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers, key: str, status: str
) -> None:
    channel = SendGridChannel(key, host=sendgrid_server.url)

    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert isinstance(error, ChannelConfigError)
    assert error.permanent
    assert str(error).startswith(f"SendGrid refused the API key: {status}")


def test_a_wrong_api_url_is_a_channel_config_error(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel = SendGridChannel(API_KEY, host=sendgrid_server.url + "/nowhere")

    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert isinstance(error, ChannelConfigError)
    assert "DIGEST_SENDGRID_API_URL" in str(error)


def test_a_413_splits_the_batch_and_everyone_gets_the_email_exactly_once(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    everyone = readers(1000)
    sendgrid_server.max_body_bytes = len(json.dumps(channel.request_body(envelope, everyone[:300])))

    channel.deliver(envelope, everyone)

    assert sendgrid_server.statuses == {413: 3, 202: 4}  # 1000 -> 500 -> 250 each
    counts = sendgrid_server.recipient_counts()
    assert len(counts) == 1000 and set(counts.values()) == {1}


def test_a_message_too_large_even_for_one_recipient_is_permanent(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    sendgrid_server.max_body_bytes = 100

    error = _raised(lambda: channel.deliver(envelope, readers(4)))

    assert error.permanent and not isinstance(error, BatchTooLarge)
    assert sendgrid_server.statuses == {413: 3}  # 4, then 2, then 1: the first single gives up


def test_a_failure_after_a_split_says_who_already_got_the_email(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    sendgrid_server.script(413, Reply(), 500)  # too large; first half accepted; second half fails

    error = _raised(lambda: channel.deliver(envelope, readers(10)))

    assert isinstance(error, PartiallyDelivered)
    assert error.delivered == (1, 2, 3, 4, 5)
    assert not error.permanent
    assert sendgrid_server.accepted_recipients() == [f"reader{i}@example.org" for i in range(1, 6)]


def test_a_429_asks_to_retry_when_the_rate_limit_resets(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel = SendGridChannel(API_KEY, host=sendgrid_server.url, clock=lambda: 1_700_000_000.0)
    sendgrid_server.script(Reply(429, headers={"X-RateLimit-Reset": "1700000030"}))

    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert not error.permanent
    assert error.retry_after == 30


def test_a_429_resetting_now_still_waits_at_least_a_second(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel = SendGridChannel(API_KEY, host=sendgrid_server.url, max_wait=0, clock=lambda: 1_700_000_000.0)
    sendgrid_server.script(Reply(429, headers={"X-RateLimit-Reset": "1699999999"}))

    assert _raised(lambda: channel.deliver(envelope, readers(1))).retry_after == 1


def test_a_short_429_is_waited_out_inside_deliver_once(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    sleeps: list[float] = []
    channel = SendGridChannel(
        API_KEY, host=sendgrid_server.url, sleep=sleeps.append, clock=lambda: 1_700_000_000.0
    )
    reset = {"X-RateLimit-Reset": "1700000002"}
    sendgrid_server.script(Reply(429, headers=reset))

    channel.deliver(envelope, readers(1))
    assert sleeps == [2.0]
    assert sendgrid_server.accepted == 1

    sendgrid_server.script(Reply(429, headers=reset), Reply(429, headers=reset))
    assert _raised(lambda: channel.deliver(envelope, readers(1))).retry_after == 2


def test_the_servers_rate_limit_answers_429_with_its_reset_time(envelope: Envelope, readers: Readers) -> None:
    with FakeSendGrid(api_key=API_KEY, rate_limit=2, rate_window=60) as server:
        channel = SendGridChannel(API_KEY, host=server.url, max_wait=0)
        channel.deliver(envelope, readers(1))
        channel.deliver(envelope, readers(1, start=2))

        error = _raised(lambda: channel.deliver(envelope, readers(1, start=3)))

    assert error.retry_after is not None and 1 <= error.retry_after <= 60
    assert server.statuses == {202: 2, 429: 1}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_transient(
    channel: SendGridChannel, sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers, status: int
) -> None:
    sendgrid_server.script(status)

    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert not error.permanent
    assert error.retry_after is None
    assert str(status) in str(error)


def test_a_timeout_is_transient_and_the_timeout_really_applies(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    channel = SendGridChannel(API_KEY, host=sendgrid_server.url, timeout=0.2)
    sendgrid_server.script(Reply(delay=3.0))

    started = time.monotonic()
    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert time.monotonic() - started < 1.5
    assert not error.permanent
    assert "timed out" in str(error)
    assert error.maybe_delivered, "SendGrid had the request: it may have gone out"


def test_a_refused_connection_is_transient(envelope: Envelope, readers: Readers) -> None:
    with FakeSendGrid() as server:
        url = server.url  # a port nobody listens on once the server stops
    channel = SendGridChannel(API_KEY, host=url, timeout=1)

    error = _raised(lambda: channel.deliver(envelope, readers(1)))

    assert not error.permanent
    assert "request failed" in str(error)
    assert not error.maybe_delivered, "nothing reached SendGrid"


def test_the_throttle_is_called_before_every_request(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    calls: list[int] = []

    class Limiter:
        def wait(self) -> None:
            calls.append(sendgrid_server.requests)

    SendGridChannel(API_KEY, host=sendgrid_server.url, throttle=Limiter()).deliver(envelope, readers(2500))
    SendGridChannel(API_KEY, host=sendgrid_server.url, throttle=lambda: calls.append(-1)).deliver(
        envelope, readers(1)
    )

    assert calls == [0, 1, 2, -1]


def test_the_shared_rate_spaces_requests_and_hands_back_a_long_wait(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    sleeps: list[float] = []
    limiter = InProcessRateLimiter(clock=lambda: 100.0, sleep=sleeps.append)
    channel = SendGridChannel(
        API_KEY, host=sendgrid_server.url, throttle=SharedRate(limiter, 0.5, max_wait=3)
    )

    channel.deliver(envelope, readers(1))
    channel.deliver(envelope, readers(1, start=2))  # the next slot is 2 s away: waited
    error = _raised(lambda: channel.deliver(envelope, readers(1, start=3)))  # 4 s away: handed back

    assert sleeps == [2.0]
    assert not error.permanent and error.retry_after == 4.0
    assert sendgrid_server.requests == 2


def test_from_settings_keeps_to_the_configured_request_rate(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    settings = load(
        {
            "DIGEST_EMAIL_CHANNEL": "sendgrid",
            "SENDGRID_API_KEY": API_KEY,
            "DIGEST_SENDGRID_API_URL": sendgrid_server.url,
            "DIGEST_SENDGRID_RATE": "10",
        },
        dotenv=False,
    )
    channel = email_channel(settings)

    started = time.monotonic()
    for i in range(4):
        channel.deliver(envelope, readers(1, start=i))

    assert isinstance(channel, SendGridChannel)
    assert time.monotonic() - started >= 0.29  # 4 requests at 10/s: 3 gaps of 0.1 s
    assert sendgrid_server.accepted == 4


# --- what errors carry ---------------------------------------------------------------------------


def _every_error(server: FakeSendGrid, envelope: Envelope, readers: Readers) -> list[DeliveryError]:
    """One of each DeliveryError the channel raises, provoked through the server."""
    channel = SendGridChannel(API_KEY, host=server.url, timeout=0.2, max_wait=0)
    errors = [
        _raised(lambda: channel.deliver(envelope, [Recipient(1, "bad address")])),
        _raised(lambda: channel.deliver(replace(envelope, from_email="nobody"), readers(1))),
        _raised(lambda: SendGridChannel(API_KEY + "x", host=server.url).deliver(envelope, readers(1))),
        _raised(lambda: SendGridChannel("SG.no-permission", host=server.url).deliver(envelope, readers(1))),
    ]
    for script in ([429], [500], [Reply(delay=2)], [413, 202, 503]):
        server.script(*script)
        errors.append(_raised(lambda: channel.deliver(envelope, readers(4))))
    server.max_body_bytes = 10
    errors.append(_raised(lambda: channel.deliver(envelope, readers(1))))
    return errors


def test_no_error_or_log_record_contains_the_api_key(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sendgrid_server.script(Reply(status=None))
    SendGridChannel(API_KEY, host=sendgrid_server.url).deliver(envelope, readers(1))

    errors = _every_error(sendgrid_server, envelope, readers)

    assert "Bearer ***" in caplog.text  # the library's own DEBUG record of the request headers
    for error in errors:
        text = "".join([str(error), repr(error), repr(error.__cause__), repr(error.__context__)])
        assert API_KEY not in text
    assert API_KEY not in caplog.text


def test_every_delivery_error_survives_pickling(
    sendgrid_server: FakeSendGrid, envelope: Envelope, readers: Readers
) -> None:
    errors = [*_every_error(sendgrid_server, envelope, readers), BatchTooLarge("sendgrid: too large")]

    assert {type(error) for error in errors} == {
        DeliveryError,
        ChannelConfigError,
        PartiallyDelivered,
        BatchTooLarge,
        MessageRefused,
    }
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (str(copy), copy.permanent, copy.retry_after) == (
            str(error),
            error.permanent,
            error.retry_after,
        )
        assert not isinstance(error.__cause__, HTTPError)
        if isinstance(copy, PartiallyDelivered) and isinstance(error, PartiallyDelivered):
            assert (copy.delivered, copy.refused) == (error.delivered, error.refused)
            assert copy.delivered == (1, 2) or set(copy.refused) == {1}


def test_the_channel_declares_its_medium_and_batch() -> None:
    assert (SendGridChannel.medium, SendGridChannel.max_batch, SendGridChannel.name) == (
        Channel.EMAIL,
        1000,
        "sendgrid",
    )


# --- the fake server refuses what SendGrid refuses ---------------------------------------------------


def _valid_body(channel: SendGridChannel, envelope: Envelope, readers: Readers) -> dict[str, object]:
    return channel.request_body(envelope, readers(2))


def _post(server: FakeSendGrid, body: object) -> tuple[int, list[dict[str, str]]]:
    client = sendgrid_library.SendGridAPIClient(api_key=server.api_key, host=server.url)
    try:
        return client.send(body).status_code, []
    except HTTPError as exc:
        return exc.status_code, json.loads(exc.body)["errors"]


def test_the_fake_refuses_a_body_that_breaks_the_openapi_schema(
    shared_dir: Path, channel: SendGridChannel, envelope: Envelope, readers: Readers
) -> None:
    with FakeSendGrid(spec_path=shared_dir / SPEC) as server:
        assert server.schema_validation
        body = {**_valid_body(channel, envelope, readers), "send_at": "tomorrow", "ip_pool_name": "x"}

        status, errors = _post(server, body)

    assert status == 400
    assert {error["field"] for error in errors} == {"send_at", "ip_pool_name"}
    assert server.accepted == 0


def _reserved_header(body: dict[str, object]) -> None:
    body["headers"] = {"List-Id": "x", "Reply-To": "a@b.org"}


def _html_first(body: dict[str, object]) -> None:
    body["content"] = list(reversed(body["content"]))  # type: ignore[call-overload]


def _too_many_recipients(body: dict[str, object]) -> None:
    body["personalizations"] = [
        {"to": [{"email": f"r{i}@example.org"}], "cc": [{"email": f"c{i}@example.org"}]} for i in range(501)
    ]


def _same_address_twice(body: dict[str, object]) -> None:
    body["personalizations"] = [{"to": [{"email": "a@example.org"}]}, {"to": [{"email": "A@example.org"}]}]


def _no_to(body: dict[str, object]) -> None:
    body["personalizations"] = [{"substitutions": {"-name-": "x"}}]


def _eleven_categories(body: dict[str, object]) -> None:
    body["categories"] = [str(i) for i in range(11)]


@pytest.mark.parametrize("spec", ["with the spec", "built-in rules only"])
@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (_reserved_header, "headers"),
        (_html_first, "content"),
        (_too_many_recipients, "personalizations"),
        (_same_address_twice, "personalizations.1.to"),
        (_no_to, "personalizations.0.to"),
        (_eleven_categories, "categories"),
    ],
)
def test_the_fake_refuses_what_sendgrid_documents_as_invalid(
    channel: SendGridChannel,
    envelope: Envelope,
    readers: Readers,
    breakage: Callable[[dict[str, object]], None],
    field: str,
    spec: str,
) -> None:
    body = _valid_body(channel, envelope, readers)
    breakage(body)

    with FakeSendGrid(spec_path=None if spec == "with the spec" else False) as server:
        status, errors = _post(server, body)

    assert status == 400
    assert field in {error["field"] for error in errors}
    assert all(set(error) == {"message", "field", "help"} for error in errors)


def test_the_fake_accepts_with_202_an_empty_body_and_a_message_id(sendgrid_server: FakeSendGrid) -> None:
    client = sendgrid_library.SendGridAPIClient(api_key=API_KEY, host=sendgrid_server.url)
    body = {
        "personalizations": [{"to": [{"email": "a@example.org"}]}],
        "from": {"email": "d@example.org"},
        "subject": "s",
        "content": [{"type": "text/plain", "value": "v"}],
    }

    response = client.send(body)

    assert response.status_code == 202
    assert response.body == b""
    assert len(response.headers["X-Message-Id"]) == 22


def test_random_faults_are_seeded_and_repeatable(envelope: Envelope, readers: Readers) -> None:
    outcomes = []
    for _ in range(2):
        with FakeSendGrid(api_key=API_KEY, record="counts") as server:
            server.faults(error_rate=0.2, rate_limited_rate=0.1, seed=7)
            channel = SendGridChannel(API_KEY, host=server.url, max_wait=0)
            for i in range(50):
                with contextlib.suppress(DeliveryError):
                    channel.deliver(envelope, readers(1, start=i))
            outcomes.append(dict(server.statuses))
            assert server.deliveries() == []  # counts mode keeps no per-recipient records
            assert sum(server.recipient_counts().values()) == server.statuses[202]

    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {202, 429, 500, 503}


def test_the_fake_keeps_up_with_many_concurrent_clients(envelope: Envelope, readers: Readers) -> None:
    with FakeSendGrid(api_key=API_KEY, record="counts") as server:
        channel = SendGridChannel(API_KEY, host=server.url)

        def send(offset: int) -> None:
            for i in range(100):
                channel.deliver(envelope, readers(1, start=offset + i))

        threads = [threading.Thread(target=send, args=(n * 100,)) for n in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

    assert server.accepted == 800 and len(server.recipient_counts()) == 800
    assert elapsed < 10
