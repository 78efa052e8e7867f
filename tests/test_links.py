from datetime import UTC, datetime, timedelta

from digest import links

KEY = b"k" * 32
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_an_unsubscribe_link_verifies_for_its_subscriber_and_list():
    url = links.unsubscribe_url("https://n.example", KEY, 42, "daily")
    claim = links.verify(KEY, token_of(url), "unsubscribe", NOW + timedelta(days=3650))
    assert claim is not None and (claim.subscriber_id, claim.list_name) == (42, "daily")


def test_a_tampered_token_is_refused():
    token = token_of(links.unsubscribe_url("https://n.example", KEY, 42, "daily"))
    forged_payload = links._b64(b"43:daily:unsubscribe:0")
    assert links.verify(KEY, forged_payload + "." + token.split(".")[1], "unsubscribe", NOW) is None
    assert links.verify(b"other-key", token, "unsubscribe", NOW) is None
    assert links.verify(KEY, token[:-2], "unsubscribe", NOW) is None


def test_a_token_is_only_good_for_its_purpose():
    token = token_of(links.unsubscribe_url("https://n.example", KEY, 42, "daily"))
    assert links.verify(KEY, token, "preferences", NOW) is None


def test_preference_links_expire():
    token = token_of(links.preferences_url("https://n.example", KEY, 42, "daily", NOW))
    assert links.verify(KEY, token, "preferences", NOW + timedelta(days=29)) is not None
    assert links.verify(KEY, token, "preferences", NOW + timedelta(days=31)) is None
