"""Stories from vectors: neighbour expansion, then exact group-average agglomeration.

Time spans keep a story within the editorial window; they are never a similarity (UCI's
timestamps are crawl times, contiguous per story: a window of minutes would "solve" it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = [
    "agglomerate",
    "agglomerate_apart",
    "cut",
    "expand",
    "first_index_labels",
    "merge_tree",
    "time_spans",
    "unit",
]

Floats = npt.NDArray[np.floating[Any]]
Ints = npt.NDArray[np.int64]


def time_spans(times: Sequence[float]) -> tuple[Floats, Floats]:
    """Each item's earliest and latest time, in float32 seconds after the first dated item.

    An undated item spans nothing (+inf..-inf), so it widens no story it joins.
    """
    stamps = np.asarray(times, dtype=np.float64)
    dated = ~np.isnan(stamps)
    start = stamps[dated].min() if dated.any() else 0.0
    relative = (stamps - start).astype(np.float32)
    return np.where(dated, relative, np.inf), np.where(dated, relative, -np.inf)


def expand(
    vectors: Floats, spans: tuple[Floats, Floats], window: float, neighbours: int, weight: float
) -> Floats:
    """Add ``weight`` times each row's neighbours' similarity-weighted sum over k, then normalize.

    A headline is short; its neighbours supply the words it did not use.
    """
    if neighbours <= 0 or weight <= 0 or len(vectors) < 2:
        return unit(vectors)
    sizes = np.ones(vectors.shape[0], dtype=np.float32)
    near, sims = _nearest(vectors, sizes, spans, window, neighbours)
    # Dividing by k, not by the weights' sum: an item with few or weak neighbours (a small
    # batch, an unusual event) must not take on the words of whatever happens to be nearest.
    weights = np.clip(sims, 0.0, None) / neighbours
    mean = np.einsum("ik,ikd->id", weights, vectors[near])
    return unit(vectors + weight * mean)


def unit(vectors: Floats) -> Floats:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(vectors / norms, dtype=np.float32)


def _nearest(
    sums: Floats, sizes: Floats, spans: tuple[Floats, Floats], window: float, k: int
) -> tuple[Ints, Floats]:
    """Each row's ``k`` best partners by average similarity, blocked to bound memory.

    Rows are summed vectors of clusters of ``sizes`` items spanning ``low``..``high``
    seconds; partners whose union would span more than ``window`` score -1.
    """
    low, high = spans
    n = sums.shape[0]
    k = min(k, n - 1)
    near = np.zeros((n, k), dtype=np.int64)
    sims = np.zeros((n, k), dtype=np.float32)
    timed = bool(high.max() - low.min() > window)
    scale = (1.0 / sizes).astype(np.float32)
    transposed = np.ascontiguousarray(sums.T, dtype=np.float32)
    block = max(1, 2_000_000 // n)
    for start in range(0, n, block):
        stop = min(start + block, n)
        scores = sums[start:stop] @ transposed
        scores *= scale[start:stop, None]
        scores *= scale[None, :]
        if timed:
            # The union spans more than the window iff one ends a window after the other starts.
            apart = high[start:stop, None] - window > low[None, :]
            apart |= high[None, :] - window > low[start:stop, None]
            scores[apart] = -1.0
        rows = np.arange(stop - start)
        scores[rows, rows + start] = -1.0
        best = scores.argmax(axis=1)[:, None] if k == 1 else np.argpartition(-scores, k - 1, axis=1)[:, :k]
        near[start:stop] = best
        sims[start:stop] = np.take_along_axis(scores, best, axis=1)
    return near, sims


# ---- agglomeration -------------------------------------------------------------------------


def agglomerate(vectors: Floats, spans: tuple[Floats, Floats], window: float, threshold: float) -> Ints:
    """Group-average linkage, exact, stopped where no two clusters average ``threshold``."""
    return cut(len(vectors), *merge_tree(vectors, spans, window, threshold), threshold)


def merge_tree(
    vectors: Floats, spans: tuple[Floats, Floats], window: float, floor: float
) -> tuple[Ints, Floats]:
    """Every merge down to ``floor``: pairs of item indices (one per side) and their similarity.

    Group-average linkage, exact, by rounds of merging reciprocal nearest neighbours. A
    cluster is its summed vector, so the average similarity of two clusters is one dot
    product over their sizes. Average linkage is reducible: a pair of clusters that are
    each other's nearest stays so when other pairs merge, so merging every such pair above
    ``floor`` at once gives the same tree as merging the best pair one at a time, and the
    merges at or above any threshold are the clustering at that threshold (``cut``).
    """
    sums = np.array(vectors, dtype=np.float32)
    sizes = np.ones(len(sums), dtype=np.float32)
    members = np.arange(len(sums), dtype=np.int64)  # one item of each cluster
    low, high = (np.array(part) for part in spans)
    joined: list[Ints] = []
    heights: list[Floats] = []
    while len(sums) > 1:
        near, sims = _nearest(sums, sizes, (low, high), window, 1)
        best, index = near[:, 0], np.arange(len(sums))
        pairs = (best[best] == index) & (index < best) & (sims[:, 0] >= floor)
        if not pairs.any():
            break
        a, b = index[pairs], best[pairs]
        joined.append(np.stack([members[a], members[b]], axis=1))
        heights.append(sims[pairs, 0])
        sums[a] += sums[b]
        sizes[a] += sizes[b]
        low[a], high[a] = np.minimum(low[a], low[b]), np.maximum(high[a], high[b])
        keep = np.ones(len(sums), dtype=bool)
        keep[b] = False
        sums, sizes, members, low, high = sums[keep], sizes[keep], members[keep], low[keep], high[keep]
    if not joined:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(joined), np.concatenate(heights)


def agglomerate_apart(
    vectors: Floats,
    spans: tuple[Floats, Floats],
    window: float,
    threshold: float,
    apart: npt.NDArray[np.bool_],
) -> Ints:
    """``agglomerate`` in a small batch where the ``apart`` pairs count as unrelated (similarity 0).

    The same group-average linkage, on the batch's similarity matrix: a pair kept apart cannot
    be a sum of vectors, so clusters carry their summed similarities to every item instead
    (n at most a few hundred: n² floats, one merge at a time).
    """
    n = len(vectors)
    sums = np.asarray(vectors @ vectors.T, dtype=np.float64)
    sums[apart] = 0.0
    sizes = np.ones(n)
    low, high = (np.array(part, dtype=np.float64) for part in spans)
    alive = np.ones(n, dtype=bool)
    labels = np.arange(n, dtype=np.int64)
    while True:
        average = sums / np.outer(sizes, sizes)
        average[~alive, :] = average[:, ~alive] = -np.inf
        np.fill_diagonal(average, -np.inf)
        too_long = np.maximum(high[:, None], high[None, :]) - np.minimum(low[:, None], low[None, :]) > window
        average[too_long] = -np.inf
        a, b = np.unravel_index(int(np.argmax(average)), average.shape)
        if average[a, b] < threshold:
            return labels
        sums[a] += sums[b]
        sums[:, a] += sums[:, b]
        sizes[a] += sizes[b]
        low[a], high[a] = min(low[a], low[b]), max(high[a], high[b])
        alive[b] = False
        labels[labels == b] = a


def cut(n: int, pairs: Ints, heights: Floats, threshold: float) -> Ints:
    """The clusters of ``merge_tree``'s merges at or above ``threshold``: a label per item."""
    chosen = pairs[heights >= threshold]
    graph = sp.csr_matrix((np.ones(len(chosen), dtype=np.int8), (chosen[:, 0], chosen[:, 1])), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def first_index_labels(labels: Ints) -> list[int]:
    """Relabel so that each story is named by the index of its first item."""
    first: dict[int, int] = {}
    return [first.setdefault(label, index) for index, label in enumerate(labels.tolist())]
