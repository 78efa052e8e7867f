"""Reader pages speak the language of the list their link came from; without one, the browser's."""

from __future__ import annotations

import pytest

from digest.pipeline import languages
from tests.web.conftest import add_subscriber, csrf_token, preferences_path, unsubscribe_path

UKRAINIAN = {"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}


def test_the_unsubscribe_page_of_a_ukrainian_list_is_in_ukrainian(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")

    page = client.get(unsubscribe_path(settings, sub_id))

    assert page.status_code == 200
    assert '<html lang="uk">' in page.text
    assert "Відписатися від «" in page.text
    assert "Ви більше не отримуватимете" in page.text and "olena@example.org" in page.text
    assert "Unsubscribe" not in page.text and "You will no longer" not in page.text


def test_after_unsubscribing_the_page_and_its_choices_stay_in_ukrainian(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")
    path = unsubscribe_path(settings, sub_id)
    token = csrf_token(client.get(path).text)

    done = client.post(path, data={"csrf_token": token})

    assert done.status_code == 200
    for words in ("Ви відписалися", "Знову підписатися на", "Краще раз на тиждень", "Забагато листів"):
        assert words in done.text, words
    assert "You are unsubscribed" not in done.text and "Too many emails" not in done.text


def test_the_preferences_page_of_a_ukrainian_list_is_in_ukrainian_with_ukrainian_weekdays(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")

    page = client.get(preferences_path(settings, sub_id))

    assert page.status_code == 200
    for words in ("Ваші налаштування", "Щодня", "Щотижня, понеділок", "Зберегти", "Відписатися від усього"):
        assert words in page.text, words
    for english in ("Your preferences", "Every day", "Monday", "Save<", "How often"):
        assert english not in page.text, english
    assert 'value="news"> Новини</label>' in page.text and 'value="culture"> Культура</label>' in page.text


def test_an_english_list_keeps_english_pages_whatever_the_browser_asks(client, settings):
    sub_id = add_subscriber(settings, "reader@example.org")

    page = client.get(unsubscribe_path(settings, sub_id), headers=UKRAINIAN)

    assert '<html lang="en">' in page.text and "Unsubscribe" in page.text
    assert "Відписатися" not in page.text


def test_the_sign_up_page_follows_the_browsers_language(client, settings):
    add_subscriber(settings, "reader@example.org")

    ukrainian = client.get("/subscribe", headers=UKRAINIAN)
    english = client.get("/subscribe", headers={"Accept-Language": "de-DE,de;q=0.9"})
    unspecified = client.get("/subscribe")

    assert '<html lang="uk">' in ukrainian.text and "Підписатися" in ukrainian.text
    assert "Ранковий лист о" in ukrainian.text and "Morning email at" not in ukrainian.text
    assert '<html lang="en">' in english.text and "Morning email at" in english.text
    assert '<html lang="en">' in unspecified.text and "Subscribe" in unspecified.text


def test_error_pages_speak_the_browsers_language(client, settings):
    ukrainian = client.get("/unsubscribe/forged-token", headers=UKRAINIAN)
    english = client.get("/unsubscribe/forged-token")

    assert ukrainian.status_code == english.status_code == 400
    assert "Посилання недійсне" in ukrainian.text and "This link is not valid" not in ukrainian.text
    assert "This link is not valid" in english.text
    assert client.get("/no/such/page", headers=UKRAINIAN).text.count("Тут нічого немає.") == 1


def test_a_tracked_link_we_did_not_sign_is_refused_in_the_readers_language(client, settings):
    for token in ("forged", "x" * 5000):  # not ours; longer than any token we sign
        ukrainian = client.get(f"/r/{token}", headers=UKRAINIAN, follow_redirects=False)
        english = client.get(f"/r/{token}", follow_redirects=False)
        assert ukrainian.status_code == english.status_code == 404
        assert "Посилання недійсне. Скористайтеся посиланням" in ukrainian.text
        assert "<title>Не знайдено" in ukrainian.text and "Please use" not in ukrainian.text
        assert "This link is not valid. Please use the link exactly as it came in the email." in english.text


def test_a_form_posted_without_its_token_is_refused_in_the_readers_language(client, settings):
    sub_id = add_subscriber(settings, "olena@example.org")
    answer = client.post(unsubscribe_path(settings, sub_id), data={"csrf_token": "forged"}, headers=UKRAINIAN)
    assert answer.status_code == 403
    assert "Форма застаріла" in answer.text and "The form has expired" not in answer.text


def test_a_malformed_accept_language_is_just_no_preference(client, settings):
    page = client.get("/subscribe", headers={"Accept-Language": ";;q=x,,@@"})
    assert page.status_code == 200 and '<html lang="en">' in page.text


def test_a_list_refuses_a_language_digest_does_not_ship(settings):
    add_subscriber(settings, "reader@example.org")
    with pytest.raises(languages.UnsupportedLanguage, match=r"'xx' is not one of en, uk"):
        languages.set_language(settings, "daily", "xx")


def test_the_archive_of_a_ukrainian_list_is_in_ukrainian_with_ukrainian_dates(client, settings):
    from tests.web.test_archive import a_daily_edition

    add_subscriber(settings, "olena@example.org")
    languages.set_language(settings, "daily", "uk")
    a_daily_edition(settings)

    page = client.get("/archive/daily")

    assert page.status_code == 200
    assert "попередні випуски" in page.text and "\u202fр., " in page.text
    assert "past editions" not in page.text and "Subscribe<" not in page.text
