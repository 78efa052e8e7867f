"""The welcome email: sent right after confirming, once, saying what comes and when, with the
reader's own preferences link and the latest edition — through the outbox and through the
fake SendGrid."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.config import Settings
from digest.models import RenderedEdition, Subscriber
from digest.pipeline import archive, confirming, signup, subscriptions
from digest.pipeline.welcome import first_send
from digest.ratelimit import InProcessRateLimiter
from digest.store import editions as edition_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store import subscriptions as subscription_store
from digest.store.db import transaction
from tests.conftest import make_settings
from tests.fakes import FakeSendGrid

# A Tuesday, 10:00 in Kyiv: a reader who wants 07:00 gets the first digest on Wednesday.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def a_list(settings: Settings, name: str = "daily", title: str = "Morning Briefing", **kw: str) -> None:
    with transaction(settings.database_url) as conn:
        subscriber_store.ensure_list(conn, name, NOW, title=title, **kw)
    archive.describe(settings, name, kw.get("description", "") or "The day's news before breakfast.")


def signed_up(settings: Settings, name: str = "Olena Kovalenko", lists: tuple[str, ...] = ("daily",)) -> str:
    """Sign up as a reader in Kyiv; the confirmation token from the email."""
    form = signup.SignUp("olena@example.org", name, "Europe/Kyiv", lists, send_hour=7)
    signup.sign_up(settings, form, client="test", limiter=InProcessRateLimiter(), now=NOW)
    found = re.search(r"/confirm/(\S+)", outbox_text(outbox(settings)))
    assert found
    return found.group(1)


def reader_id(settings: Settings) -> int:
    with transaction(settings.database_url) as conn:
        sub = subscriber_store.find(conn, email="olena@example.org")
    assert sub is not None and sub.id is not None
    return sub.id


def outbox(settings: Settings) -> EmailMessage:
    """The reader's latest one-off email (the outbox keeps one per reader for edition 0)."""
    path = Path(settings.outbox_dir) / "email" / "0"
    (only,) = path.glob("*.eml")
    return email.message_from_bytes(only.read_bytes(), policy=policy.default)  # type: ignore[return-value]


def outbox_text(message: EmailMessage) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]


def outbox_html(message: EmailMessage) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]


def published_edition(settings: Settings, list_name: str = "daily") -> int:
    with transaction(settings.database_url) as conn:
        list_pk = subscriber_store.list_id(conn, list_name)
        assert list_pk is not None
        edition_id, _ = edition_store.get_or_create(conn, list_pk, "2026-11-30T07", "Morning Briefing", NOW)
        rendered = RenderedEdition("Subject", "Preheader", "<p>web view</p>", "web view", ())
        edition_store.save_variant(conn, edition_id, "|after=0", rendered)
    return edition_id


def test_confirming_sends_a_welcome_that_says_what_comes_and_when(settings):
    a_list(settings)
    edition_id = published_edition(settings)
    token = signed_up(settings)

    confirming.confirm(settings, token, now=NOW)

    welcome = outbox(settings)
    assert welcome["Subject"] == f"Welcome to {settings.newsroom_name}"
    text, html = outbox_text(welcome), outbox_html(welcome)
    assert f"Welcome to {settings.newsroom_name}, Olena" in text  # the first name, not the full one
    assert "Kovalenko" not in text
    assert "Morning Briefing" in html and "The day's news before breakfast." in html
    assert "daily" not in text.replace("daily@", "")  # the title, never the machine name
    assert "Your first digest comes on Wednesday, 2 December 2026, 07:00 (Kyiv)." in text
    assert f"https://news.example.org/editions/{edition_id}" in html


def test_the_welcomes_preferences_link_is_the_readers_own_bound_link(settings):
    a_list(settings)
    confirming.confirm(settings, signed_up(settings), now=NOW)

    found = re.search(r"https://news\.example\.org/preferences/(\S+)", outbox_text(outbox(settings)))
    assert found
    claim = subscriptions.read_link(settings, found.group(1), "preferences", NOW)
    assert claim.subscriber_id == reader_id(settings)
    with transaction(settings.database_url) as conn:
        binding = subscription_store.link_binding(conn, claim.subscriber_id)
    assert binding is not None and claim.binding == binding[0]  # dies with the reader's other links


def test_the_welcome_is_sent_once_even_when_the_confirmation_is_retried(settings):
    a_list(settings)
    token = signed_up(settings)
    confirming.confirm(settings, token, now=NOW)
    first = Path(settings.outbox_dir) / "email" / "0" / f"{reader_id(settings)}.eml"
    assert "Welcome" in first.read_text()
    first.unlink()

    with pytest.raises(confirming.ConfirmationClosed):
        confirming.confirm(settings, token, now=NOW)

    assert not first.exists()


def test_a_ukrainian_list_welcomes_in_ukrainian_with_the_date_in_ukrainian(settings):
    a_list(settings, title="Ранковий огляд")
    with transaction(settings.database_url) as conn:
        language_store.set_language(conn, "daily", "uk")
    confirming.confirm(settings, signed_up(settings, name="Олена Коваленко"), now=NOW)

    welcome = outbox(settings)
    text = outbox_text(welcome)
    assert welcome["Subject"] == f"Вітаємо в {settings.newsroom_name}"
    assert "Олена" in text and "Коваленко" not in text
    assert "Ранковий огляд" in text
    assert "середа, 2 грудня 2026\u202fр., 07:00 (Київ)" in text
    assert '<html lang="uk"' in outbox_html(welcome)


def test_a_private_list_or_one_without_editions_gets_no_archive_link(settings):
    a_list(settings)
    published_edition(settings)
    archive.set_public(settings, "daily", False)
    confirming.confirm(settings, signed_up(settings), now=NOW)
    assert "/editions/" not in outbox_html(outbox(settings))


def test_no_name_means_no_name_in_the_welcome(settings):
    a_list(settings)
    confirming.confirm(settings, signed_up(settings, name=""), now=NOW)
    text = outbox_text(outbox(settings))
    assert text.splitlines()[0] == f"Welcome to {settings.newsroom_name}"


def test_a_breaking_news_list_says_it_comes_when_news_breaks(settings):
    a_list(settings, name="breaking", title="Breaking news")
    confirming.confirm(settings, signed_up(settings, lists=("breaking",)), now=NOW)
    text = outbox_text(outbox(settings))
    assert "Sent when news breaks." in text and "first digest" not in text


def test_the_welcome_goes_out_through_sendgrid_once(db_url, tmp_path):
    with FakeSendGrid() as fake:
        settings = make_settings(
            db_url,
            tmp_path,
            DIGEST_EMAIL_CHANNEL="sendgrid",
            SENDGRID_API_KEY=fake.api_key,
            DIGEST_SENDGRID_API_URL=fake.url,
        )
        a_list(settings)
        form = signup.SignUp("olena@example.org", "Olena Kovalenko", "Europe/Kyiv", ("daily",))
        signup.sign_up(settings, form, client="test", limiter=InProcessRateLimiter(), now=NOW)
        confirmation = fake.last_body
        text = next(c["value"] for c in confirmation["content"] if c["type"] == "text/plain")
        token = re.search(r"/confirm/(\S+)", text).group(1)  # type: ignore[union-attr]

        confirming.confirm(settings, token, now=NOW)
        with pytest.raises(confirming.ConfirmationClosed):
            confirming.confirm(settings, token, now=NOW)

        assert fake.recipient_counts()["olena@example.org"] == 2  # the confirmation, one welcome
        welcome = fake.last_body
        assert welcome["categories"] == ["welcome"]
        assert welcome["subject"] == f"Welcome to {settings.newsroom_name}"
        html = next(c["value"] for c in welcome["content"] if c["type"] == "text/html")
        assert "Morning Briefing" in html and "07:00 (Kyiv)" in html
        assert fake.delivered_to("olena@example.org").name == "Olena Kovalenko"


@pytest.mark.parametrize(
    ("frequency", "zone", "hour", "expected"),
    [
        ("daily", "Europe/Kyiv", 7, datetime(2026, 12, 2, 5, 0, tzinfo=UTC)),  # 07:00 passed today
        ("daily", "Europe/Kyiv", 18, datetime(2026, 12, 1, 16, 0, tzinfo=UTC)),  # later today
        ("weekly:4", "America/New_York", 7, datetime(2026, 12, 4, 12, 0, tzinfo=UTC)),  # Friday
        ("daily", "Not/AZone", 9, datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),  # read as UTC
    ],
)
def test_the_first_send_is_the_next_send_hour_in_the_readers_zone(frequency, zone, hour, expected):
    sub = Subscriber(email="r@example.org", timezone=zone, send_hour=hour, frequency=frequency)
    assert first_send(sub, NOW) == expected


def test_the_welcome_carries_the_readers_unsubscribe_link_and_headers(settings):
    a_list(settings)
    confirming.confirm(settings, signed_up(settings), now=NOW)
    welcome = outbox(settings)
    found = re.search(
        r"Unsubscribe from Morning Briefing: https://news\.example\.org/unsubscribe/(\S+)",
        outbox_text(welcome),
    )
    assert found
    claim = subscriptions.read_link(settings, found.group(1), "unsubscribe", NOW)
    assert (claim.subscriber_id, claim.list_name) == (reader_id(settings), "daily")
    assert welcome["List-Unsubscribe"].startswith("<https://news.example.org/unsubscribe/")
