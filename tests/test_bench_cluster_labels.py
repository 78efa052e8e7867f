"""The clustering benchmark's diagnostics of the UCI labels: split headlines and linked stories."""

from __future__ import annotations

import pytest

from bench.bench_cluster import linked_stories, split_titles
from bench.uci import Row


def rows(pairs: list[tuple[str, str]]) -> list[Row]:
    return [Row(title, "publisher", 0.0, story) for title, story in pairs]


def test_a_headline_in_two_stories_counts_for_every_item_that_carries_it() -> None:
    found = rows(
        [("Josh Kaufman wins 'The Voice'", "a"), ("josh kaufman wins the voice!", "b"), ("Other", "a")]
    )
    assert split_titles(found) == pytest.approx(2 / 3)
    assert split_titles(rows([("Same", "a"), ("Same", "a")])) == 0.0


def test_stories_sharing_three_identical_headlines_become_one_and_two_do_not() -> None:
    three = [(t, s) for t in ("Kaufman wins", "Usher's first win", "The Voice crowns") for s in ("a", "b")]
    two = [
        ("GM recalls more cars", "c"),
        ("gm recalls more cars", "d"),
        ("GM adds 2.4m", "c"),
        ("GM adds 2.4M", "d"),
    ]
    linked = linked_stories(rows([*three, *two, ("Alone", "e")]))
    assert linked[:6] == [linked[0]] * 6  # a and b: one story
    assert linked[6] != linked[7] and linked[6:10] == [linked[6], linked[7], linked[6], linked[7]]
    assert linked[10] == "e" and linked[0] != linked[6]
