"""The public archive of a list, its Atom and JSON feeds, web views, and /manage."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import feedparser

from digest import links, pipeline
from digest.collect.parse import parse
from digest.models import FeedSpec, Item
from digest.pipeline import archive as archive_uc
from digest.pipeline import breaking
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store.db import transaction
from tests.web.conftest import add_news, add_subscriber, csrf_token

HEADLINES = (
    "Council approves the city budget",
    "Tram line reopens after repairs",
    "Local team wins the cup final",
)


def a_daily_edition(settings) -> int:
    add_news(settings, titles=HEADLINES)
    add_subscriber(settings, "reader@example.org")
    plan = pipeline.plan_send("daily", settings, manual=True)
    assert plan.edition_id is not None
    return plan.edition_id


def a_breaking_edition(settings) -> int:
    add_subscriber(settings, "breaking-reader@example.org")
    news = breaking.news_from_text("Dam breached near the city", "https://wire.example.org/dam")
    sent = breaking.send_breaking(
        settings, news, "daily", lambda plan: None, actor="editor", audiences=["email"]
    )
    return sent.edition_id


def test_the_archive_lists_each_edition_with_its_top_stories_and_web_view(client, settings):
    daily = a_daily_edition(settings)
    flash = a_breaking_edition(settings)

    page = client.get("/archive/daily")

    assert page.status_code == 200
    assert page.text.index(f"/editions/{flash}") < page.text.index(f"/editions/{daily}")  # newest first
    for headline in HEADLINES:
        assert headline in page.text
    assert "Breaking news" in page.text
    assert 'type="application/atom+xml"' in page.text


def test_the_archive_pages_newest_first_and_each_page_goes_on_before_the_last(settings, monkeypatch):
    monkeypatch.setattr(archive_uc, "ARCHIVE_PAGE_SIZE", 1)
    daily = a_daily_edition(settings)
    flash = a_breaking_edition(settings)

    first = archive_uc.archive(settings, "daily")
    second = archive_uc.archive(settings, "daily", before=first.next_before)

    assert ([e.id for e in first.editions], first.next_before) == ([flash], flash)
    assert ([e.id for e in second.editions], second.next_before) == ([daily], None)


def test_a_breaking_edition_has_a_web_view(client, settings):
    edition_id = a_breaking_edition(settings)
    response = client.get(f"/editions/{edition_id}")
    assert response.status_code == 200
    assert "Dam breached near the city" in response.text


def test_a_web_view_carries_no_readers_name_or_links(client, settings):
    edition_id = a_daily_edition(settings)
    html = client.get(f"/editions/{edition_id}").text
    assert "/manage" in html
    assert "/unsubscribe/" not in html and "/preferences/" not in html
    for tag in ("-unsubscribe_url-", "-preferences_url-", "-name-"):
        assert tag not in html


def test_the_atom_feed_validates_and_links_every_edition(client, settings):
    daily = a_daily_edition(settings)
    flash = a_breaking_edition(settings)

    response = client.get("/archive/daily/feed.xml")

    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [entry.link for entry in parsed.entries] == [
        f"https://news.example.org/editions/{flash}",
        f"https://news.example.org/editions/{daily}",
    ]
    assert HEADLINES[0] in parsed.entries[1].content[0].value


def test_the_json_feed_is_json_feed_1_1(client, settings):
    daily = a_daily_edition(settings)

    response = client.get("/archive/daily/feed.json")

    assert response.headers["content-type"].startswith("application/feed+json")
    body = response.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["feed_url"] == "https://news.example.org/archive/daily/feed.json"
    assert [item["url"] for item in body["items"]] == [f"https://news.example.org/editions/{daily}"]
    assert all(item["id"] and item["date_published"] for item in body["items"])
    # feedparser reads no JSON Feed: the parser digest collects JSON feeds with reads it back.
    parsed = parse(
        response.content, "https://news.example.org/archive/daily/feed.json", "application/feed+json"
    )
    assert [entry.link for entry in parsed.entries] == [f"https://news.example.org/editions/{daily}"]
    assert parsed.entries[0].published is not None


def test_feed_text_stays_text_in_the_feeds(client, settings):
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://evil.example.org/rss", "Evil"), now)
        title = '<script>alert(1)</script> & "quotes"'
        item_store.save(
            conn,
            [
                Item(
                    key="evil",
                    feed_id=feed.id,
                    source="Evil",
                    url="https://evil.example.org/1",
                    title=title,
                    published=now,
                )
            ],
            now,
        )
    a_daily_edition(settings)

    body = client.get("/archive/daily/feed.json").json()
    assert "<script>" not in body["items"][0]["content_html"]
    assert "&lt;script&gt;" in body["items"][0]["content_html"]
    assert "<script>" not in client.get("/archive/daily").text


def test_a_private_list_has_no_archive_but_its_web_views_still_open(client, settings):
    edition_id = a_daily_edition(settings)
    archive_uc.set_public(settings, "daily", False)

    for path in ("/archive/daily", "/archive/daily/feed.xml", "/archive/daily/feed.json"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/editions/{edition_id}").status_code == 200


def test_an_unknown_list_has_no_archive(client):
    response = client.get("/archive/nothing")
    assert response.status_code == 404
    assert "no public archive" in response.text


def test_a_huge_edition_number_is_a_404(client):
    assert client.get(f"/editions/{2**70}").status_code == 404


def manage(client, address: str):
    token = csrf_token(client.get("/manage").text)
    return client.post("/manage", data={"csrf_token": token, "email": address})


def test_manage_mails_a_subscriber_links_that_are_their_own(client, settings):
    sub_id = add_subscriber(settings, "reader@example.org")

    response = manage(client, "Reader@Example.org")

    assert response.status_code == 200 and "Check your inbox" in response.text
    path = Path(settings.outbox_dir) / "email" / "0" / f"{sub_id}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/unsubscribe/(\S+)", text).group(1)
    claim = links.verify(settings.signing_key(), token, "unsubscribe", datetime.now(UTC))
    assert claim is not None and claim.subscriber_id == sub_id


def test_manage_answers_the_same_for_an_address_nobody_subscribed_and_sends_nothing(client, settings):
    response = manage(client, "stranger@example.org")
    assert response.status_code == 200 and "Check your inbox" in response.text
    assert not (Path(settings.outbox_dir) / "email").exists()


def test_manage_names_a_malformed_address(client):
    response = manage(client, "not an address")
    assert response.status_code == 400
    assert "email address" in response.text
