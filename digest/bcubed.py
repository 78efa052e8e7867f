"""Pure B-cubed precision, recall and F1 of a clustering against a gold clustering.

For each item, precision is the share of its predicted cluster that shares its gold
cluster, and recall the share of its gold cluster that shares its predicted cluster; both
are averaged over items (Bagga & Baldwin 1998; Amigó et al. 2009). Summing per pair of
(predicted, gold) labels instead of per item makes it O(n)::

    P = 1/n * sum over (c, g) of n_cg**2 / n_c
    R = 1/n * sum over (c, g) of n_cg**2 / n_g
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

__all__ = ["bcubed"]


def bcubed(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """Return B-cubed ``(precision, recall, f1)`` of ``predicted`` labels against ``gold`` labels.

    Labels are compared only for equality within each sequence. An empty clustering has
    nothing wrong in it and scores ``(1.0, 1.0, 1.0)``; sequences of different lengths
    raise ``ValueError``.
    """
    if len(predicted) != len(gold):
        raise ValueError(f"bcubed: {len(predicted)} predicted labels for {len(gold)} gold labels")
    n = len(gold)
    if n == 0:
        return 1.0, 1.0, 1.0
    sizes_predicted = Counter(predicted)
    sizes_gold = Counter(gold)
    overlaps = Counter(zip(predicted, gold, strict=True))
    precision = sum(k * k / sizes_predicted[c] for (c, _), k in overlaps.items()) / n
    recall = sum(k * k / sizes_gold[g] for (_, g), k in overlaps.items()) / n
    return precision, recall, 2 * precision * recall / (precision + recall)
