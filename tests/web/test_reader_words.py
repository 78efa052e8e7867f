"""Reader pages name lists by their titles, and say what was wrong with a form in the
reader's language (the list's, or the browser's before there is a list)."""

from __future__ import annotations

from sqlalchemy import update

from digest.pipeline import languages
from digest.store.db import transaction
from digest.store.tables import lists
from tests.web.conftest import add_subscriber, csrf_token, find, preferences_path, unsubscribe_path
from tests.web.test_preferences import form
from tests.web.test_signup import confirm_link, outbox_mail, press_confirm, sign_up, with_daily_list

UKRAINIAN = {"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}


def titled(settings, name: str = "daily", title: str = "Morning Briefing") -> None:
    with transaction(settings.database_url) as conn:
        conn.execute(update(lists).where(lists.c.name == name).values(title=title))


def test_the_confirm_pages_name_the_lists_title(client, settings):
    with_daily_list(settings)
    titled(settings)
    sign_up(client, "new@example.org")
    sub = find(settings, "new@example.org")
    link = confirm_link(outbox_mail(settings, sub.id))

    page = client.get(link)
    assert "Morning Briefing" in page.text and "receiving daily" not in page.text
    done = press_confirm(client, link)
    assert done.status_code == 200
    assert "You will receive: Morning Briefing." in done.text


def test_a_bad_time_zone_on_a_ukrainian_lists_preferences_is_refused_in_ukrainian(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")
    path = preferences_path(settings, sub_id)
    response = client.post(path, data=form(csrf_token(client.get(path).text), timezone="Mars/Olympus"))
    assert response.status_code == 400
    assert "невідомий часовий пояс «Mars/Olympus»" in response.text
    assert "unknown time zone" not in response.text


def test_a_sign_up_form_error_is_in_the_browsers_language(client, settings):
    with_daily_list(settings)
    token = csrf_token(client.get("/subscribe", headers=UKRAINIAN).text)
    data = {"csrf_token": token, "email": "not an address", "lists": ["daily"], "timezone": "Europe/Kyiv"}
    response = client.post("/subscribe", data=data, headers=UKRAINIAN)
    assert response.status_code == 400
    assert "введіть адресу електронної пошти" in response.text
    assert "enter an email address" not in response.text


def test_an_unsubscribe_reason_error_is_in_the_lists_language(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")
    path = unsubscribe_path(settings, sub_id)
    client.post(path, data={"csrf_token": csrf_token(client.get(path).text)})
    page = client.get(path)
    response = client.post(f"{path}/reason", data={"csrf_token": csrf_token(page.text), "reason": "made-up"})
    assert response.status_code == 400
    assert "оберіть одну із запропонованих причин" in response.text
