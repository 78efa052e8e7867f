"""Unsubscribing: RFC 8058 one-click, the page with one button, and links that cannot be bent."""

from __future__ import annotations

import base64

from digest import pipeline
from digest.models import SubscriberStatus
from tests.web.conftest import (
    add_news,
    add_subscriber,
    csrf_token,
    find,
    planned_subscribers,
    preferences_path,
    unsubscribe_path,
)

ONE_CLICK = {
    "content": b"List-Unsubscribe=One-Click",
    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
}


def test_one_click_post_unsubscribes_and_the_next_plan_leaves_them_out(client, settings):
    add_news(settings)
    leaving = add_subscriber(settings, "leaving@example.org")
    staying = add_subscriber(settings, "staying@example.org")

    response = client.post(unsubscribe_path(settings, leaving), **ONE_CLICK)

    assert response.status_code == 200
    assert len(response.content) < 100
    assert find(settings, "leaving@example.org").status is SubscriberStatus.UNSUBSCRIBED
    after = pipeline.plan_send("daily", settings, ignore_hour=True)
    planned = planned_subscribers(settings, after.edition_id)
    assert staying in planned
    assert leaving not in planned


def test_one_click_needs_no_cookie_or_csrf_token(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    client.cookies.clear()
    assert client.post(unsubscribe_path(settings, sub_id), **ONE_CLICK).status_code == 200
    assert find(settings, "r@example.org").lists == ()


def test_one_click_accepts_a_multipart_body_too(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    response = client.post(
        unsubscribe_path(settings, sub_id), files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert find(settings, "r@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_leaving_one_list_keeps_the_others_and_the_status(client, settings):
    sub_id = add_subscriber(settings, "r@example.org", lists=("daily", "breaking"))
    client.post(unsubscribe_path(settings, sub_id, "breaking"), **ONE_CLICK)
    sub = find(settings, "r@example.org")
    assert sub.lists == ("daily",)
    assert sub.status is SubscriberStatus.ACTIVE


def test_get_shows_a_page_with_one_button_and_unsubscribes_nobody(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    response = client.get(unsubscribe_path(settings, sub_id))
    assert response.status_code == 200
    assert response.text.count("<button") == 1
    assert response.text.count("<form") == 1
    assert 'method="post"' in response.text
    assert find(settings, "r@example.org").status is SubscriberStatus.ACTIVE


def test_the_page_button_unsubscribes(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    token = csrf_token(client.get(path).text)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 200
    assert "unsubscribed" in response.text.lower()
    assert find(settings, "r@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_the_page_form_without_a_valid_csrf_token_is_refused(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    client.get(path)
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 403
    assert client.post(path, data={"other": "x"}).status_code == 403
    assert find(settings, "r@example.org").status is SubscriberStatus.ACTIVE


def test_a_tampered_token_is_a_400_page(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for response in (client.get(tampered), client.post(tampered, **ONE_CLICK)):
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
    assert client.get("/unsubscribe/garbage").status_code == 400
    assert find(settings, "r@example.org").status is SubscriberStatus.ACTIVE


def test_a_token_cannot_be_moved_to_another_subscriber(client, settings):
    mine = add_subscriber(settings, "me@example.org")
    theirs = add_subscriber(settings, "them@example.org")
    token = unsubscribe_path(settings, mine).rsplit("/", 1)[1]
    _, mac = token.split(".")
    payload = base64.urlsafe_b64encode(f"{theirs}:daily:unsubscribe:0".encode()).rstrip(b"=").decode()
    assert client.post(f"/unsubscribe/{payload}.{mac}", **ONE_CLICK).status_code == 400
    assert find(settings, "them@example.org").status is SubscriberStatus.ACTIVE


def test_a_preferences_token_does_not_unsubscribe(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    token = preferences_path(settings, sub_id).rsplit("/", 1)[1]
    assert client.post(f"/unsubscribe/{token}", **ONE_CLICK).status_code == 400


def test_a_deleted_subscribers_token_is_a_404_page(client, settings):
    path = unsubscribe_path(settings, 999_999)
    assert client.get(path).status_code == 404
    assert client.post(path, **ONE_CLICK).status_code == 404


def test_one_click_is_recognised_by_its_exact_body_whatever_the_content_type(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    response = client.post(
        unsubscribe_path(settings, sub_id),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    assert find(settings, "r@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_a_one_click_body_with_anything_more_is_a_form_post_and_needs_csrf(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    response = client.post(
        unsubscribe_path(settings, sub_id), data={"List-Unsubscribe": "One-Click", "csrf_token": "x"}
    )
    assert response.status_code == 403
    assert find(settings, "r@example.org").status is SubscriberStatus.ACTIVE
