"""The preferences page: signed, expiring links; topics, frequency, hour, zone and lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest import links
from digest.models import SubscriberStatus
from tests.web.conftest import add_subscriber, csrf_token, find, preferences_path, unsubscribe_path


def form(token: str, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "csrf_token": token,
        "name": "Olena",
        "lists": ["daily"],
        "topics": ["analysis", "culture"],
        "more_topics": "Energy, local politics",
        "frequency": "weekly:4",
        "send_hour": "18",
        "timezone": "Europe/Kyiv",
    }
    return {**values, **overrides}


def test_the_page_shows_the_subscribers_choices(client, settings):
    sub_id = add_subscriber(settings, "r@example.org", lists=("daily", "breaking"))
    response = client.get(preferences_path(settings, sub_id))
    assert response.status_code == 200
    for topic in ("news", "analysis", "video", "culture"):
        assert f'value="{topic}"' in response.text
    assert 'value="breaking" checked' in response.text
    assert 'value="UTC (Coordinated Universal Time)"' in response.text


def test_a_valid_change_is_saved(client, settings):
    sub_id = add_subscriber(settings, "r@example.org", lists=("daily", "breaking"))
    path = preferences_path(settings, sub_id)
    response = client.post(path, data=form(csrf_token(client.get(path).text)))
    assert response.status_code == 200
    assert "saved" in response.text
    sub = find(settings, "r@example.org")
    assert sub.name == "Olena"
    assert sub.topics == ("analysis", "culture", "energy", "local politics")
    assert sub.frequency == "weekly:4"
    assert sub.send_hour == 18
    assert sub.timezone == "Europe/Kyiv"
    assert sub.lists == ("daily",)
    assert sub.status is SubscriberStatus.ACTIVE


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id)
    response = client.post(path, data=form(csrf_token(client.get(path).text), timezone="Mars/Olympus"))
    assert response.status_code == 400
    assert "unknown time zone" in response.text
    assert find(settings, "r@example.org").timezone == "UTC"


def test_a_bad_hour_or_frequency_is_refused(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id)
    token = csrf_token(client.get(path).text)
    assert client.post(path, data=form(token, send_hour="24")).status_code == 400
    assert client.post(path, data=form(token, frequency="hourly")).status_code == 400
    assert find(settings, "r@example.org").frequency == "daily"


def test_choosing_no_list_unsubscribes_and_choosing_one_again_resubscribes(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id)
    token = csrf_token(client.get(path).text)
    client.post(path, data=form(token, lists=[]))
    assert find(settings, "r@example.org").status is SubscriberStatus.UNSUBSCRIBED
    client.post(path, data=form(token, lists=["daily"]))
    assert find(settings, "r@example.org").status is SubscriberStatus.ACTIVE


def test_a_list_that_does_not_exist_is_not_created(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id)
    client.post(path, data=form(csrf_token(client.get(path).text), lists=["daily", "made-up"]))
    assert find(settings, "r@example.org").lists == ("daily",)


def test_an_expired_link_is_refused_with_a_clear_page(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id, now=datetime.now(UTC) - timedelta(days=31))
    response = client.get(path)
    assert response.status_code == 403
    assert "expired" in response.text
    assert client.post(path, data=form("x")).status_code == 403


def test_a_forged_link_is_refused(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    forged = links.sign(b"not-our-key", links.LinkClaim(sub_id, "daily", "preferences", 0))
    response = client.get(f"/preferences/{forged}")
    assert response.status_code == 400
    assert "not valid" in response.text


def test_an_unsubscribe_token_does_not_open_preferences(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    token = unsubscribe_path(settings, sub_id).rsplit("/", 1)[1]
    assert client.get(f"/preferences/{token}").status_code == 400


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client, settings):
    sub_id = add_subscriber(settings, "r@example.org")
    path = preferences_path(settings, sub_id)
    client.get(path)
    assert client.post(path, data={k: v for k, v in form("").items() if k != "csrf_token"}).status_code == 403
    assert client.post(path, data=form("0" * 64)).status_code == 403
    assert find(settings, "r@example.org").timezone == "UTC"
