"""Sign-up with double opt-in: a confirmation email, nothing else until confirmed, rate limits."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

from sqlalchemy import select

from digest import pipeline
from digest.models import SubscriberStatus
from digest.pipeline import confirming, signup, subscriptions
from digest.store.db import transaction
from digest.store.tables import lists
from tests.web.conftest import add_news, add_subscriber, csrf_token, find, planned_subscribers


def sign_up(client, address: str, **fields: object):
    token = csrf_token(client.get("/subscribe").text)
    data = {
        "csrf_token": token,
        "email": address,
        "name": "Reader",
        "timezone": "Europe/Kyiv",
        "lists": ["daily"],
    }
    return client.post("/subscribe", data={**data, **fields})


def outbox_mail(settings, sub_id: int) -> email.message.EmailMessage:
    path = Path(settings.outbox_dir) / "email" / "0" / f"{sub_id}.eml"
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]


def confirm_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https://news\.example\.org(/confirm/\S+)", text)
    assert found, text
    return found.group(1)


def press_confirm(client, link: str):
    """Follow the link (a page with one button), then press the button."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    return client.post(link, data={"csrf_token": csrf_token(page.text)})


def with_daily_list(settings) -> None:
    add_subscriber(settings, "editor@example.org")  # creates the "daily" list


def test_the_form_offers_the_existing_lists(client, settings):
    with_daily_list(settings)
    response = client.get("/subscribe")
    assert response.status_code == 200
    assert 'value="daily"' in response.text


def test_sign_up_emails_a_link_that_confirms(client, settings):
    with_daily_list(settings)
    response = sign_up(client, "New.Reader@Example.org")
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    sub = find(settings, "new.reader@example.org")
    assert sub.status is SubscriberStatus.UNCONFIRMED
    assert sub.timezone == "Europe/Kyiv"

    message = outbox_mail(settings, sub.id)
    assert message["To"].addresses[0].addr_spec == "new.reader@example.org"
    assert "Confirm" in message["Subject"]
    html = message.get_body(preferencelist=("html",)).get_content()
    link = confirm_link(message)
    assert link in html

    confirmed = press_confirm(client, link)
    assert confirmed.status_code == 200
    sub = find(settings, "new.reader@example.org")
    assert sub.status is SubscriberStatus.ACTIVE
    assert sub.lists == ("daily",)


def test_an_unconfirmed_subscriber_gets_no_edition(client, settings):
    with_daily_list(settings)
    add_news(settings)
    sign_up(client, "pending@example.org")
    pending = find(settings, "pending@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True)
    planned = planned_subscribers(settings, plan.edition_id)
    assert planned  # the editor is active and gets it
    assert pending.id not in planned


def test_a_confirmation_link_expires_after_48_hours(client, settings):
    with_daily_list(settings)
    sign_up(client, "late@example.org")
    sub = find(settings, "late@example.org")
    link = confirm_link(outbox_mail(settings, sub.id))
    later = datetime.now(UTC) + timedelta(hours=49)
    try:
        confirming.confirm(settings, link.rsplit("/", 1)[1], now=later)
    except subscriptions.InvalidLink as exc:
        assert exc.expired
    else:
        raise AssertionError("an old confirmation link was accepted")
    assert client.get("/confirm/forged.token").status_code == 400
    assert find(settings, "late@example.org").status is SubscriberStatus.UNCONFIRMED


def test_an_active_subscriber_signing_up_again_sees_the_same_page_and_gets_no_email(client, settings):
    sub_id = add_subscriber(settings, "known@example.org")
    response = sign_up(client, "known@example.org", name="Someone Else", timezone="Asia/Tokyo")
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert not (Path(settings.outbox_dir) / "email" / "0" / f"{sub_id}.eml").exists()
    sub = find(settings, "known@example.org")
    assert (sub.status, sub.timezone, sub.name) == (SubscriberStatus.ACTIVE, "UTC", "")


def test_a_past_subscriber_is_resubscribed_only_by_the_link(client, settings):
    sub_id = add_subscriber(settings, "back@example.org", lists=(), status=SubscriberStatus.UNSUBSCRIBED)
    with_daily_list(settings)
    sign_up(client, "back@example.org")
    assert find(settings, "back@example.org").status is SubscriberStatus.UNSUBSCRIBED
    press_confirm(client, confirm_link(outbox_mail(settings, sub_id)))
    sub = find(settings, "back@example.org")
    assert (sub.status, sub.lists) == (SubscriberStatus.ACTIVE, ("daily",))


def test_unconfirmed_sign_ups_expire_after_a_week(client, settings):
    with_daily_list(settings)
    sign_up(client, "forgot@example.org")
    now = datetime.now(UTC)
    assert signup.expire_unconfirmed(settings, now + timedelta(days=6)) == 0
    assert signup.expire_unconfirmed(settings, now + timedelta(days=8)) == 1
    assert find(settings, "forgot@example.org") is None
    assert find(settings, "editor@example.org") is not None


def test_the_fourth_sign_up_for_one_address_in_a_day_is_refused(client, settings):
    with_daily_list(settings)
    for _ in range(3):
        assert sign_up(client, "eager@example.org").status_code == 200
    refused = sign_up(client, "eager@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_the_sixth_sign_up_from_one_client_in_an_hour_is_refused(client, settings):
    with_daily_list(settings)
    for n in range(5):
        assert sign_up(client, f"reader{n}@example.org").status_code == 200
    assert sign_up(client, "reader5@example.org").status_code == 429
    assert find(settings, "reader5@example.org") is None


def test_a_bad_address_or_no_list_is_shown_on_the_form(client, settings):
    with_daily_list(settings)
    bad = sign_up(client, "not-an-address")
    assert bad.status_code == 400
    assert "enter an email address" in bad.text
    none = sign_up(client, "ok@example.org", lists=["made-up"])
    assert none.status_code == 400
    assert find(settings, "ok@example.org") is None
    with transaction(settings.database_url) as conn:
        assert "made-up" not in set(conn.execute(select(lists.c.name)).scalars())


def test_a_sign_up_without_a_csrf_token_is_refused(client, settings):
    with_daily_list(settings)
    client.get("/subscribe")
    response = client.post("/subscribe", data={"email": "x@example.org", "lists": ["daily"]})
    assert response.status_code == 403
    wrong = client.post(
        "/subscribe", data={"csrf_token": "abc", "email": "x@example.org", "lists": ["daily"]}
    )
    assert wrong.status_code == 403
    assert find(settings, "x@example.org") is None


def test_a_suppressed_address_gets_no_confirmation(client, settings):
    with_daily_list(settings)
    subscriptions.record_provider_event(settings, subscriptions.ProviderEvent("gone@example.org", "bounce"))
    assert sign_up(client, "gone@example.org").status_code == 200
    assert find(settings, "gone@example.org") is None
