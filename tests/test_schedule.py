from datetime import UTC, datetime

import pytest

from digest import schedule
from digest.models import Subscriber


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "hour", "now", "expected"),
    [
        ("Europe/Kyiv", 7, "2026-11-26T04:30", None),  # 06:30 in Kyiv
        ("Europe/Kyiv", 7, "2026-11-26T05:00", "daily:2026-11-26"),  # 07:00 in Kyiv
        ("Europe/Kyiv", 7, "2026-11-26T15:00", "daily:2026-11-26"),  # missed tick catches up
        ("Europe/Kyiv", 7, "2026-11-26T22:30", None),  # 00:30 next day in Kyiv: not yet
        ("America/New_York", 6, "2026-11-26T11:00", "daily:2026-11-26"),
        ("America/New_York", 6, "2026-11-26T10:59", None),
        ("Asia/Tokyo", 7, "2026-11-25T22:00", "daily:2026-11-26"),  # 07:00 the next local day
    ],
)
def test_a_subscriber_is_due_from_their_local_send_hour_to_the_end_of_their_day(zone, hour, now, expected):
    sub = Subscriber(email="a@example.org", timezone=zone, send_hour=hour)
    assert schedule.period(sub, at(now)) == expected


def test_summer_time_moves_the_utc_send_time_with_the_local_clock():
    sub = Subscriber(email="a@example.org", timezone="Europe/Kyiv", send_hour=7)
    assert schedule.period(sub, at("2026-07-01T04:00")) == "daily:2026-07-01"  # UTC+3 in summer
    assert schedule.period(sub, at("2026-12-01T04:00")) is None  # UTC+2 in winter: 06:00


def test_a_send_hour_skipped_by_spring_forward_is_reached_an_hour_later():
    # 2026-03-29: Kyiv clocks jump from 03:00 to 04:00.
    sub = Subscriber(email="a@example.org", timezone="Europe/Kyiv", send_hour=3)
    assert schedule.period(sub, at("2026-03-29T00:30")) is None  # 02:30 local
    assert schedule.period(sub, at("2026-03-29T01:00")) == "daily:2026-03-29"  # 04:00 local


def test_the_repeated_hour_of_fall_back_belongs_to_the_same_period():
    # 2026-10-25: New York… no, Kyiv clocks go from 04:00 back to 03:00.
    sub = Subscriber(email="a@example.org", timezone="Europe/Kyiv", send_hour=3)
    first = schedule.period(sub, at("2026-10-25T00:30"))  # 03:30 summer time
    second = schedule.period(sub, at("2026-10-25T01:30"))  # 03:30 again, winter time
    assert first == second == "daily:2026-10-25"


def test_weekly_subscribers_are_due_only_on_their_weekday():
    sub = Subscriber(email="a@example.org", timezone="UTC", send_hour=8, frequency="weekly:thursday")
    assert schedule.period(sub, at("2026-11-26T09:00")) == "weekly:2026-11-26"  # a Thursday
    assert schedule.period(sub, at("2026-11-27T09:00")) is None


def test_ignore_hour_makes_everyone_due_for_their_local_day():
    sub = Subscriber(email="a@example.org", timezone="Asia/Tokyo", send_hour=23)
    assert schedule.period(sub, at("2026-11-26T00:00"), ignore_hour=True) == "daily:2026-11-26"


@pytest.mark.parametrize("bad", ["hourly", "weekly", "weekly:someday", "weekly:9", "daily:1"])
def test_a_bad_frequency_is_named(bad):
    with pytest.raises(ValueError, match=bad):
        schedule.parse_frequency(bad)
