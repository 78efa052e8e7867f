"""After unsubscribing: undo, weekly instead, a reason kept without the reader's identity;
the link opened again says so; 'unsubscribe from everything' on the preferences page."""

from __future__ import annotations

from sqlalchemy import select

from digest.models import SubscriberStatus
from digest.store.db import transaction
from digest.store.tables import lists, unsubscribe_reasons
from tests.web.conftest import add_subscriber, csrf_token, find, preferences_path, unsubscribe_path


def unsubscribe(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client.get(path).text)})


def test_the_page_after_unsubscribing_names_the_lists_by_title_and_offers_undo(client, settings):
    sub_id = add_subscriber(settings, "r@example.org", lists=("daily", "culture"))
    with transaction(settings.database_url) as conn:
        conn.execute(lists.update().where(lists.c.name == "culture").values(title="Culture Weekly"))

    page = unsubscribe(client, unsubscribe_path(settings, sub_id))

    assert "You still receive Culture Weekly" in page.text and "culture," not in page.text
    assert "Resubscribe to Daily" in page.text and "Once a week instead" in page.text


def test_undo_puts_the_reader_back_on_the_list(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    page = unsubscribe(client, path)
    assert find(settings, "r@example.org").status is SubscriberStatus.UNSUBSCRIBED

    back = client.post(f"{path}/undo", data={"csrf_token": csrf_token(page.text)})

    assert back.status_code == 200 and "Welcome back" in back.text
    sub = find(settings, "r@example.org")
    assert sub.status is SubscriberStatus.ACTIVE and sub.lists == ("daily",) and sub.frequency == "daily"


def test_weekly_instead_keeps_the_reader_once_a_week(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    page = unsubscribe(client, path)

    back = client.post(f"{path}/undo", data={"csrf_token": csrf_token(page.text), "weekly": "1"})

    assert "once a week" in back.text
    sub = find(settings, "r@example.org")
    assert sub.status is SubscriberStatus.ACTIVE and sub.frequency.startswith("weekly:")


def test_opening_the_link_again_says_already_unsubscribed_and_asks_nothing(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    unsubscribe(client, path)

    again = client.get(path)

    assert again.status_code == 200 and "already unsubscribed" in again.text
    assert 'action="' + path + '"' not in again.text  # no second "Unsubscribe" button


def test_a_reason_is_kept_without_who_gave_it(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    page = unsubscribe(client, path)

    thanks = client.post(
        f"{path}/reason",
        data={"csrf_token": csrf_token(page.text), "reason": "too_many", "detail": "  daily is a lot  "},
    )

    assert "Thank you for telling us" in thanks.text
    with transaction(settings.database_url) as conn:
        rows = conn.execute(select(unsubscribe_reasons)).mappings().all()
    assert [(r["reason"], r["detail"]) for r in rows] == [("too_many", "daily is a lot")]
    assert "subscriber_id" not in rows[0] and "r@example.org" not in str(dict(rows[0]))


def test_an_unknown_reason_is_a_400_naming_it(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = unsubscribe_path(settings, sub_id)
    page = unsubscribe(client, path)
    response = client.post(f"{path}/reason", data={"csrf_token": csrf_token(page.text), "reason": "<b>"})
    assert response.status_code == 400 and "choose one of the reasons" in response.text


def test_unsubscribe_from_everything_on_the_preferences_page(client, settings):
    sub_id = add_subscriber(settings, "r@example.org", lists=("daily", "culture"))
    path = preferences_path(settings, sub_id)
    page = client.get(path)
    assert "For <strong>r@example.org</strong>" in page.text and f'action="{path}/everything"' in page.text

    gone = client.post(f"{path}/everything", data={"csrf_token": csrf_token(page.text)})

    assert gone.status_code == 200 and "You are unsubscribed" in gone.text
    sub = find(settings, "r@example.org")
    assert sub.status is SubscriberStatus.UNSUBSCRIBED and sub.lists == ()


def test_error_pages_lead_somewhere_useful(client):
    page = client.get("/unsubscribe/not-a-token")
    assert page.status_code == 400
    assert 'href="/subscribe"' in page.text and 'href="/manage"' in page.text


def test_other_topics_use_the_csv_separator(client, settings):
    from digest.pipeline.subscriptions import clean_topics

    assert clean_topics(["chess; local politics, sport"]) == ("chess", "local politics", "sport")
