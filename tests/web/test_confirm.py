"""Confirmation happens on the button, not the link, and each link works once: a mail
scanner that follows the link confirms nothing, and an old link cannot bring back a reader
who has since left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.models import SubscriberStatus
from digest.pipeline import signup
from digest.ratelimit import InProcessRateLimiter
from tests.web.conftest import add_subscriber, csrf_token, find, unsubscribe_path
from tests.web.test_signup import confirm_link, outbox_mail, press_confirm, sign_up, with_daily_list


def signed_up(client, settings, address: str = "new@example.org") -> tuple[int, str]:
    with_daily_list(settings)
    sign_up(client, address)
    sub = find(settings, address)
    assert sub is not None and sub.id is not None
    return sub.id, confirm_link(outbox_mail(settings, sub.id))


def test_following_the_link_shows_one_button_and_confirms_nothing(client, settings):
    _, link = signed_up(client, settings)
    for _ in range(3):  # a scanner, a preview pane, the reader
        page = client.get(link)
        assert page.status_code == 200
        assert page.text.count("<form") == 1 and page.text.count("<button") == 1
        assert 'method="post"' in page.text
    assert find(settings, "new@example.org").status is SubscriberStatus.UNCONFIRMED


def test_the_button_confirms(client, settings):
    _, link = signed_up(client, settings)
    answer = press_confirm(client, link)
    assert answer.status_code == 200 and "You are subscribed" in answer.text
    sub = find(settings, "new@example.org")
    assert (sub.status, sub.lists) == (SubscriberStatus.ACTIVE, ("daily",))


def test_the_button_needs_the_forms_csrf_token(client, settings):
    _, link = signed_up(client, settings)
    client.get(link)
    assert client.post(link, data={}).status_code == 403
    assert client.post(link, data={"csrf_token": "0" * 64}).status_code == 403
    assert find(settings, "new@example.org").status is SubscriberStatus.UNCONFIRMED


def test_a_forged_link_is_refused_on_the_page_and_on_the_button(client, settings):
    signed_up(client, settings)
    assert client.get("/confirm/forged.token").status_code == 400
    assert client.post("/confirm/forged.token", data={"csrf_token": "x"}).status_code == 400


def test_a_confirmation_link_works_once(client, settings):
    _, link = signed_up(client, settings)
    token = csrf_token(client.get(link).text)
    assert client.post(link, data={"csrf_token": token}).status_code == 200
    again = client.post(link, data={"csrf_token": token})
    assert again.status_code == 410 and "has been used" in again.text
    page = client.get(link)
    assert page.status_code == 410 and "<button" not in page.text


def test_a_used_link_does_not_bring_back_a_reader_who_unsubscribed(client, settings):
    sub_id, link = signed_up(client, settings)
    token = csrf_token(client.get(link).text)
    client.post(link, data={"csrf_token": token})
    page = client.get(unsubscribe_path(settings, sub_id))
    client.post(unsubscribe_path(settings, sub_id), data={"csrf_token": csrf_token(page.text)})
    assert find(settings, "new@example.org").status is SubscriberStatus.UNSUBSCRIBED

    answer = client.post(link, data={"csrf_token": token})
    assert answer.status_code == 410
    sub = find(settings, "new@example.org")
    assert (sub.status, sub.lists) == (SubscriberStatus.UNSUBSCRIBED, ())


def test_an_unused_link_dies_when_the_reader_unsubscribes_meanwhile(client, settings):
    sub_id = add_subscriber(settings, "back@example.org", lists=(), status=SubscriberStatus.UNSUBSCRIBED)
    with_daily_list(settings)
    sign_up(client, "back@example.org")
    link = confirm_link(outbox_mail(settings, sub_id))
    # The reader uses the one-click unsubscribe of an old email before confirming.
    client.post(unsubscribe_path(settings, sub_id), content=b"List-Unsubscribe=One-Click")
    page = client.get(link)
    assert page.status_code == 410 and "You unsubscribed after it was sent" in page.text
    assert find(settings, "back@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_of_two_links_sent_only_one_confirms(client, settings):
    with_daily_list(settings)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    request = signup.SignUp(email="new@example.org", lists=("daily",))
    signup.sign_up(settings, request, client="192.0.2.1", limiter=InProcessRateLimiter(), now=earlier)
    sub = find(settings, "new@example.org")
    first = confirm_link(outbox_mail(settings, sub.id))
    (Path(settings.outbox_dir) / "email" / "0" / f"{sub.id}.eml").unlink()
    sign_up(client, "new@example.org")  # asked for the email again
    second = confirm_link(outbox_mail(settings, sub.id))
    assert first != second
    assert press_confirm(client, second).status_code == 200
    assert client.get(first).status_code == 410
