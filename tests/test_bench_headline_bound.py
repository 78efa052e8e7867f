"""The headline bound: how far splitting stories by an in-window headline classifier could go."""

from __future__ import annotations

import pytest

from bench.headline_bound import GRID, MIN_CLUSTER, bound, own_threshold
from digest.bcubed import bcubed
from digest.cluster import ClusterOptions, cluster_texts
from digest.cluster.core import labels_at_thresholds

GLASS = [f"Google Glass goes on sale to the public for one day, model {n}" for n in range(12)]
TITAN = [f"Google buys drone maker Titan Aerospace in deal number {n}" for n in range(12)]


def test_a_story_holding_two_events_worded_apart_is_split_back_into_them() -> None:
    titles = GLASS + TITAN + ["Fed holds rates", "Storm hits coast"]
    truth = ["glass"] * 12 + ["titan"] * 12 + ["fed", "storm"]
    merged = [0] * 24 + [24, 25]
    found = bound(titles, merged, truth)
    assert found.eligible == 1
    assert found.ours[0] < 0.6 and found.ours[1] == 1.0
    assert found.split_all == pytest.approx((1.0, 1.0, 1.0))
    assert found.best == pytest.approx((1.0, 1.0, 1.0))


def test_labels_that_split_the_same_headlines_are_not_recovered() -> None:
    """Two labelled stories carrying the very same headlines: no headline reader can part them."""
    headlines = [f"Josh Kaufman wins The Voice, fans react {n // 2 % 6}" for n in range(24)]
    truth = ["voice-a" if n % 2 else "voice-b" for n in range(24)]
    found = bound(headlines, [0] * 24, truth)
    assert found.eligible == 1
    assert found.best == found.ours  # splitting would only cost recall: it is not chosen
    assert found.split_all[2] <= found.ours[2]


def test_small_stories_and_single_event_stories_are_left_as_they_are() -> None:
    small = GLASS[: MIN_CLUSTER // 2 - 1] + TITAN[: MIN_CLUSTER // 2 - 1]
    truth = ["glass"] * (len(small) // 2) + ["titan"] * (len(small) // 2)
    assert bound(small, [0] * len(small), truth).eligible == 0
    one = GLASS + GLASS
    found = bound(one, [0] * len(one), ["glass"] * len(one))
    assert found.eligible == 0 and found.best == found.ours == (1.0, 1.0, 1.0)


def test_pieces_that_one_labelled_story_leads_are_joined_and_no_others() -> None:
    titles = GLASS + TITAN + ["Fed holds rates", "Fed keeps rates on hold"]
    truth = ["glass"] * 12 + ["titan"] * 12 + ["fed", "fed"]
    pieces = [0] * 6 + [1] * 6 + [2] * 12 + [3, 4]  # Glass and the Fed each in two, Titan whole
    found = bound(titles, pieces, truth)
    assert found.ours[0] == 1.0 and found.ours[1] < 0.8
    assert found.best == found.ours  # no piece holds two stories
    assert found.merged == pytest.approx((1.0, 1.0, 1.0))  # Titan stays its own


def test_a_days_own_best_threshold_is_the_grid_threshold_that_scores_it_best() -> None:
    """Two wordings of one event, labelled one story, join only below some thresholds: the
    day's own threshold is one of those, and its scores are the clustering's at it."""
    titles = [
        "Fed holds interest rates steady",
        "Federal Reserve keeps rates on hold",
        "Fed leaves benchmark rate unchanged",
        "Storm hits the coast",
        "Earthquake shakes the capital",
        "Apple unveils a new iPhone",
    ]
    truth = ["fed", "fed", "fed", "storm", "quake", "apple"]
    times = [0.0] * len(titles)
    threshold, scores = own_threshold(labels_at_thresholds(titles, times, GRID, ClusterOptions()), truth)
    at = {
        t: bcubed(cluster_texts(titles, times, [""] * len(titles), ClusterOptions(threshold=t)), truth)
        for t in GRID
    }
    assert scores == pytest.approx(at[threshold])
    assert scores[2] == pytest.approx(max(f for _, _, f in at.values()))
    assert at[max(GRID)][1] < 1.0 and scores[1] > at[max(GRID)][1]  # the Fed's wordings join below the top
