"""B-cubed precision, recall and F1 against hand-computed tables."""

from __future__ import annotations

import pytest

from digest.bcubed import bcubed


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        pytest.param("aabb", "xxyy", (1.0, 1.0, 1.0), id="a perfect clustering scores one"),
        pytest.param("abcd", "xxxx", (1.0, 0.25, 0.4), id="all singletons have full precision, low recall"),
        pytest.param("aaaa", "xxyy", (0.5, 1.0, 2 / 3), id="one big cluster has full recall, low precision"),
        # items 1-2: P=2/3 R=1; item 3: P=1/3 R=1/2; item 4: P=1 R=1/2
        pytest.param(
            "aaab", "xxyy", (2 / 3, 0.75, 12 / 17), id="a cluster that spills over is hand computed"
        ),
        pytest.param(
            [1, 1, 2], ["g", "h", "h"], (2 / 3, 2 / 3, 2 / 3), id="labels are compared only within a side"
        ),
        pytest.param([], [], (1.0, 1.0, 1.0), id="an empty clustering has nothing wrong"),
    ],
)
def test_it_matches_hand_computed_scores(predicted, gold, expected):
    assert bcubed(list(predicted), list(gold)) == pytest.approx(expected)


def test_it_is_symmetric_in_precision_and_recall():
    p, r, _ = bcubed("aabbc", "xxxyy")
    r2, p2, _ = bcubed("xxxyy", "aabbc")
    assert (p, r) == pytest.approx((p2, r2))


def test_it_refuses_sequences_of_different_lengths():
    with pytest.raises(ValueError, match="3 predicted labels for 2 gold"):
        bcubed("aab", "xx")
