"""Time zones by city and country, as readers type them."""

from __future__ import annotations

import pytest

from digest.zones import resolve_zone, zone_choices


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Kyiv", "Europe/Kyiv"),
        ("  kyiv,   UKRAINE ", "Europe/Kyiv"),
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("europe/kiev", "Europe/Kiev"),
        ("New York", "America/New_York"),
        ("Finland", "Europe/Helsinki"),
        ("utc", "UTC"),
        ("Київ", "Europe/Kyiv"),
    ],
)
def test_a_city_a_label_a_country_or_a_zone_name_finds_the_zone(typed: str, zone: str) -> None:
    assert resolve_zone(typed) == zone or resolve_zone(typed, "uk") == zone


@pytest.mark.parametrize("typed", ["Atlantis", "United States", "", "Europe/Kyiv; DROP TABLE"])
def test_an_unknown_or_ambiguous_place_finds_nothing(typed: str) -> None:
    assert resolve_zone(typed) is None


def test_every_choice_is_labelled_city_and_country_and_kyiv_is_there() -> None:
    choices = zone_choices()
    assert len(choices) > 300
    assert any(c.name == "Europe/Kyiv" and c.label == "Kyiv, Ukraine" for c in choices)
    assert len({c.label for c in choices}) == len(choices)


def test_labels_are_in_the_readers_language() -> None:
    assert any(c.name == "Europe/Kyiv" and c.label == "Київ, Україна" for c in zone_choices("uk"))
