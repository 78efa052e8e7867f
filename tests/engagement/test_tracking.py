"""Signed click links (digest.tracking): the redirect leads only where an edition linked."""

from __future__ import annotations

from digest import tracking

KEY = b"test-secret-key"
URL = "https://news.example/story?id=7&utm_source=digest"


def link(reader: str = "", url: str = URL, item: int = 42) -> str:
    full = tracking.tracked_url(
        "https://digest.example", KEY, edition_id=9, channel="email", url=url, item_id=item, reader=reader
    )
    return full.rsplit("/r/", 1)[1]


def test_a_token_leads_to_its_link_and_names_its_reader():
    token = link(tracking.reader_key(KEY, 5, 9, "email"))
    assert tracking.read_token(KEY, token) == tracking.LinkTarget(9, "email", 42, URL, 5)


def test_a_changed_destination_breaks_the_signature():
    genuine = link()
    other = link(url="https://evil.example/")
    forged = other.split(".")[0] + "." + genuine.split("~")[0].split(".")[1] + "~"
    assert tracking.read_token(KEY, forged) is None
    assert tracking.read_token(b"another key", genuine) is None
    assert tracking.read_token(KEY, "garbage") is None


def test_a_reader_half_from_another_edition_or_channel_counts_for_nobody():
    for half in (tracking.reader_key(KEY, 5, 10, "email"), tracking.reader_key(KEY, 5, 9, "telegram"), "x.y"):
        target = tracking.read_token(KEY, link(half))
        assert target is not None and target.url == URL and target.subscriber_id is None


def test_a_link_without_its_reader_half_still_redirects():
    target = tracking.read_token(KEY, link(""))
    assert target is not None and target.subscriber_id is None
