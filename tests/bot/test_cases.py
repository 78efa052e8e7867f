"""The bot's use cases on their own: no Telegram, only the database."""

from __future__ import annotations

import pytest

from digest import config
from digest.models import SubscriberStatus
from digest.pipeline import bot as cases
from digest.pipeline.planning import UnknownList
from digest.pipeline.subscriptions import InvalidInput
from tests.bot.conftest import add_reader, subscriber


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/warsaw", "Europe/Warsaw"),
        ("  America/New York ", "America/New_York"),
        ("kyiv", "Europe/Kyiv"),
        ("utc", "UTC"),
    ],
)
def test_a_typed_zone_is_read_leniently(typed: str, zone: str) -> None:
    assert cases.resolve_zone(typed) == zone


@pytest.mark.parametrize("typed", ["Mars/Olympus", "", "../etc/passwd", "Europe"])
def test_an_unknown_zone_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        cases.resolve_zone(typed)


def test_the_lists_on_offer_put_digests_before_breaking_news(settings: config.Settings) -> None:
    assert [(c.name, c.kind) for c in cases.list_choices(settings)] == [
        ("daily", "digest"),
        ("breaking", "breaking"),
    ]


def test_start_again_after_stop_brings_the_same_row_back(settings: config.Settings) -> None:
    first = cases.subscribe(settings, "77", "Taras", "daily").subscriber
    assert cases.stop(settings, "77") is True
    assert cases.stop(settings, "77") is False
    again = cases.subscribe(settings, "77", "Taras", None)
    assert again.joined is not None and again.joined.name == "daily"
    assert again.subscriber.id == first.id
    assert again.subscriber.status is SubscriberStatus.ACTIVE


def test_start_without_a_list_keeps_an_active_subscriber_as_they_are(settings: config.Settings) -> None:
    add_reader(settings, chat=78, lists=("breaking",), timezone="Asia/Tbilisi")
    done = cases.subscribe(settings, "78", "Nino")
    assert done.joined is None
    sub = subscriber(settings, 78)
    assert sub is not None and (sub.lists, sub.timezone) == (("breaking",), "Asia/Tbilisi")


def test_a_list_that_does_not_exist_is_never_created(settings: config.Settings) -> None:
    with pytest.raises(UnknownList):
        cases.subscribe(settings, "79", "Ivan", "sneaky")
    assert [c.name for c in cases.list_choices(settings)] == ["daily", "breaking"]
    assert subscriber(settings, 79) is None


def test_preferences_need_a_subscriber(settings: config.Settings) -> None:
    with pytest.raises(cases.NotSubscribed):
        cases.set_send_hour(settings, "80", 8)
    add_reader(settings, chat=80, lists=("daily",))
    with pytest.raises(InvalidInput):
        cases.set_send_hour(settings, "80", 24)
