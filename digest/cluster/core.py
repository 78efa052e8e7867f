"""Clustering items into stories: the entry points over text, vectors, model and linkage."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from digest.cluster.explain import JoinReason, join_reasons
from digest.cluster.linkage import (
    Floats,
    agglomerate,
    agglomerate_apart,
    cut,
    expand,
    first_index_labels,
    merge_tree,
    time_spans,
)
from digest.cluster.model import REFERENCE_SIZE, Model, shipped_model
from digest.cluster.places import apart
from digest.cluster.text import item_texts
from digest.cluster.vectors import SMALL_BATCH, Parts, combine, mix, parts, project
from digest.models import Item

__all__ = [
    "ClusterOptions",
    "cluster_items",
    "cluster_items_explained",
    "cluster_texts",
    "cluster_texts_explained",
    "labels_at_thresholds",
    "same_story",
    "similarity",
]


MIN_THRESHOLD, MAX_THRESHOLD = 0.05, 0.95  # a size-dependent threshold stays inside these


@dataclass(frozen=True)
class ClusterOptions:
    """How eagerly items merge into stories; None means the trained value (``model``'s)."""

    threshold: float | None = None  # average similarity two clusters need to merge (at REFERENCE_SIZE)
    # Its change per natural log of the batch size; None: the model's when the threshold is
    # the model's too, else 0 (a threshold given is taken as it is, whatever the batch).
    threshold_slope: float | None = None
    window_hours: float = 24.0  # no story holds items further apart than this (editorial, not tuned)
    char_weight: float | None = None  # share of character n-grams in each vector
    embed_weight: float | None = None  # share of the meaning embedding in each similarity
    neighbours: int = 20  # k of the neighbour expansion
    expansion: float = 2.0  # weight of the neighbours' similarity-weighted sum (over k) against the item
    dimensions: int = 256  # rank of the LSA projection that makes products dense and fast
    summary_weight: float = 0.5  # a summary word's weight against a title word's
    model: Model | None = None  # document frequencies and trained settings; None: the shipped one

    def resolved(self) -> ClusterOptions:
        """These options with the model and every None setting filled in from it."""
        model = self.model or shipped_model()
        slope = self.threshold_slope
        if slope is None:
            slope = model.threshold_slope if self.threshold is None else 0.0
        return replace(
            self,
            model=model,
            threshold=model.threshold if self.threshold is None else self.threshold,
            threshold_slope=slope,
            char_weight=model.char_weight if self.char_weight is None else self.char_weight,
            embed_weight=model.embed_weight if self.embed_weight is None else self.embed_weight,
        )

    def threshold_for(self, n: int) -> float:
        """The merge threshold in a batch of ``n`` items (resolved options).

        It rises with the log of the size above ``REFERENCE_SIZE``: one threshold for every
        size over-merges the largest windows, where more unrelated items sit near any story
        (the slope is trained with the level, ``bench/train_cluster``). Below that it stays
        put: a smaller batch is a newsroom's own day, full of look-alike events, and random
        subsets of a world-news day, which would pull it down, are no model of one.
        """
        assert self.threshold is not None and self.threshold_slope is not None
        shift = self.threshold_slope * math.log(max(n, REFERENCE_SIZE) / REFERENCE_SIZE)
        return min(MAX_THRESHOLD, max(MIN_THRESHOLD, self.threshold + shift))


def cluster_items(items: Sequence[Item], options: ClusterOptions = ClusterOptions()) -> list[list[Item]]:
    """Group items into stories; each story keeps input order, stories come by first item.

    The text is the title and, weighted lower, the summary's lead (up to its first full stop)
    less its boilerplate (see ``digest.cluster.text.item_texts``); undated items may join any
    story.
    """
    return cluster_items_explained(items, options)[0]


def cluster_items_explained(
    items: Sequence[Item], options: ClusterOptions = ClusterOptions(), *, every_member: bool = False
) -> tuple[list[list[Item]], dict[str, JoinReason]]:
    """The stories of ``cluster_items``, and why each item after a story's first joined it (by key).

    ``every_member``: a story's first item too, when the story has others (an editor's view
    may lead the story with another item, and then the first is one that joined it).
    """
    times = [item.published.timestamp() if item.published else math.nan for item in items]
    texts, sources = item_texts(items), [i.source for i in items]
    labels, reasons = _cluster(texts, times, sources, options, explain=True, every_member=every_member)
    stories: dict[int, list[Item]] = {}
    for label, item in zip(labels, items, strict=True):
        stories.setdefault(label, []).append(item)
    why = {item.key: reason for item, reason in zip(items, reasons, strict=True) if reason is not None}
    return list(stories.values()), why


def cluster_texts(
    texts: Sequence[str],
    times: Sequence[float],
    sources: Sequence[str],
    options: ClusterOptions = ClusterOptions(),
) -> list[int]:
    """One label per text: the index of the first text of its story (NaN time: undated).

    A text's first line is its title; any further lines count ``options.summary_weight``
    as much. ``sources`` is accepted for the interface's sake and deliberately unused: the
    same outlet may cover an event twice, and an update belongs with its first report.
    Deterministic for a given input order.
    """
    return _cluster(texts, times, sources, options, explain=False)[0]


def cluster_texts_explained(
    texts: Sequence[str],
    times: Sequence[float],
    sources: Sequence[str],
    options: ClusterOptions = ClusterOptions(),
) -> tuple[list[int], list[JoinReason | None]]:
    """``cluster_texts``'s labels, and per text why it joined its story (None: it starts one)."""
    return _cluster(texts, times, sources, options, explain=True)


def labels_at_thresholds(
    texts: Sequence[str], times: Sequence[float], thresholds: Sequence[float], options: ClusterOptions
) -> dict[float, list[int]]:
    """``cluster_texts``'s labels at each threshold, the vectors built once (for training)."""
    settings = options.resolved()
    if len(texts) < 2:
        return {t: list(range(len(texts))) for t in thresholds}
    if len(texts) <= SMALL_BATCH:  # its vectors and city rule depend on the threshold
        fixed, sources = replace(options, threshold_slope=0.0), [""] * len(texts)
        return {t: cluster_texts(texts, times, sources, replace(fixed, threshold=t)) for t in thresholds}
    dense, spans, window, _ = _dense(texts, times, settings, settings.threshold_for(len(texts)))
    with threadpool_limits(1, user_api="blas"):
        tree = merge_tree(dense, spans, window, min(thresholds))
    return {t: first_index_labels(cut(len(texts), *tree, t)) for t in thresholds}


def similarity(a: Item, b: Item, options: ClusterOptions = ClusterOptions()) -> float:
    """Two items' mixed cosine: word and n-gram TF-IDF (trained idf) and meaning, -1..1.

    Needs no batch: the document frequencies are the trained ones, so a pair scores the
    same alone as among a thousand items.
    """
    settings = options.resolved()
    assert settings.model is not None and settings.char_weight is not None
    assert settings.embed_weight is not None
    both = parts(item_texts([a, b]), settings.model, settings.summary_weight)
    vectors = combine(mix(both, settings.char_weight).toarray(), both.meaning, settings.embed_weight)
    return float(vectors[0] @ vectors[1])


def same_story(a: Item, b: Item, options: ClusterOptions = ClusterOptions()) -> bool:
    """Whether the clusterer puts these two items, alone, into one story."""
    return len(cluster_items([a, b], options)) == 1


def _cluster(
    texts: Sequence[str],
    times: Sequence[float],
    sources: Sequence[str],
    options: ClusterOptions,
    explain: bool,
    every_member: bool = False,
) -> tuple[list[int], list[JoinReason | None]]:
    if not len(texts) == len(times) == len(sources):
        raise ValueError("cluster_texts: texts, times and sources differ in length")
    n = len(texts)
    if n < 2:
        return list(range(n)), [None] * n
    settings = options.resolved()
    assert settings.char_weight is not None and settings.embed_weight is not None
    threshold = settings.threshold_for(n)
    dense, spans, window, vectors = _dense(texts, times, settings, threshold)
    with threadpool_limits(1, user_api="blas"):
        labels = first_index_labels(_agglomerate(texts, dense, spans, window, threshold))
        if not explain:
            return labels, [None] * n
        return labels, join_reasons(
            labels, vectors, dense, (settings.char_weight, settings.embed_weight), threshold, every_member
        )


def _agglomerate(
    texts: Sequence[str], dense: Floats, spans: tuple[Floats, Floats], window: float, threshold: float
) -> npt.NDArray[np.int64]:
    """The batch's stories; in a newsroom's own batch, reports of two cities kept apart.

    Only a small batch (``SMALL_BATCH``) looks for cities: there, look-alikes are the same
    event elsewhere (``places``); a large window's pairs are mostly Title Case headlines,
    which name none, and its linkage must stay on summed vectors for speed.
    """
    if len(texts) <= SMALL_BATCH:
        kept_apart = apart([text.partition("\n")[0] for text in texts], texts)
        if kept_apart.any():
            return agglomerate_apart(dense, spans, window, threshold, kept_apart)
    return agglomerate(dense, spans, window, threshold)


def _dense(
    texts: Sequence[str], times: Sequence[float], settings: ClusterOptions, threshold: float
) -> tuple[Floats, tuple[Floats, Floats], float, Parts]:
    """The expanded LSA vectors of resolved settings, the items' time spans, the window, the parts.

    A small batch with common words is clustered twice (at ``threshold``): first with them in
    the meaning, to see which are a story's own (``vectors.parts``), then without the others.
    """
    spans = time_spans(times)
    window = settings.window_hours * 3600.0
    # One BLAS thread: on a busy host OpenBLAS's spinning threads cost up to ten times the CPU.
    with threadpool_limits(1, user_api="blas"):
        dense, vectors = _vectors(texts, spans, window, settings, None)
        if len(texts) <= SMALL_BATCH and vectors.furniture:
            first_pass = first_index_labels(_agglomerate(texts, dense, spans, window, threshold))
            dense, vectors = _vectors(texts, spans, window, settings, first_pass)
    return dense, spans, window, vectors


def _vectors(
    texts: Sequence[str],
    spans: tuple[Floats, Floats],
    window: float,
    settings: ClusterOptions,
    first_pass: Sequence[int] | None,
) -> tuple[Floats, Parts]:
    assert settings.model is not None and settings.char_weight is not None
    assert settings.embed_weight is not None
    vectors = parts(texts, settings.model, settings.summary_weight, first_pass)
    lexical = project(mix(vectors, settings.char_weight), settings.dimensions)
    dense = combine(lexical, vectors.meaning, settings.embed_weight)
    return expand(dense, spans, window, settings.neighbours, settings.expansion), vectors
