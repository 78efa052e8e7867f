"""Texts to vectors: TF-IDF of words and of character n-grams, weighted by the trained model.

Texts become a text-by-word matrix of token weights (title 1, summary lower); words map to
terms and to n-grams once per distinct word, by sparse products, so no Python loop runs
over tokens twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from digest.cluster.linkage import unit
from digest.cluster.meaning import embed
from digest.cluster.model import Model
from digest.cluster.text import grams, terms, words

__all__ = ["Parts", "combine", "mix", "parts", "project"]

Floats = npt.NDArray[np.floating[Any]]
SMALL_BATCH = 300  # at most this many items: a newsroom's own batch
BATCH_COMMON = 0.1  # share of a small batch's rows that makes a term common in it
BATCH_COMMON_MIN = 5  # ... and at least this many rows
STORY_COHESION = 0.15  # mean cosine, without the word, of the rows that share a story's word
POWER_ITERATIONS = 1  # 0 loses 0.1 F1: the SVD must see the data twice


@dataclass(frozen=True)
class Parts:
    """Unit rows per text: word TF-IDF, character n-gram TF-IDF and the meaning embedding
    (``meaning``), in the same row order."""

    words: sp.csr_matrix
    grams: sp.csr_matrix
    meaning: Floats
    # A small batch's common words that are no story's own: taken at the batch's idf, and
    # left out of the meaning once a first pass has been given (``parts``). A word that a
    # first-pass story owns is left out of every other item's text as well.
    furniture: tuple[str, ...] = ()


def parts(
    texts: Sequence[str], model: Model, summary_weight: float, first_pass: Sequence[int] | None = None
) -> Parts:
    """Each text's word and n-gram vectors and meaning; a text's first line is its title.

    In a small batch, common terms that are no story's own (``_story_terms``) take the
    batch's idf. Without ``first_pass`` their words stay in the meaning; that clustering is
    the first pass, whose stories, given back as ``first_pass``, tell which common words a
    story owns (kept for its items, left out of the others' texts); the rest
    (``Parts.furniture``) then leave the meaning.
    """
    titles, summaries = zip(*(_split(text) for text in texts), strict=True) if texts else ((), ())
    tokens, distinct = _tokens(titles, summaries, summary_weight)
    term_matrix, term_names = _mapping([[t] if t else [] for t in terms(distinct)])
    gram_matrix, gram_names = _mapping([grams(word) for word in distinct])
    term_counts, term_idf = tokens @ term_matrix, np.asarray(model.term_idf(term_names))
    story_terms, owners = _story_terms(term_counts, term_idf, first_pass)
    # A word a first-pass story owns is furniture to every other item: gone from their texts.
    elsewhere = _elsewhere(tokens, term_matrix, term_counts, owners, first_pass)
    if elsewhere.nnz:
        tokens = sp.csr_matrix(tokens - tokens.multiply(elsewhere))
        tokens.eliminate_zeros()
        term_counts = tokens @ term_matrix
    # A story word's n-grams keep their trained idf with it.
    story_words = np.asarray(term_matrix @ story_terms.astype(np.float32)).ravel() > 0
    story_grams = np.asarray(gram_matrix.T @ story_words.astype(np.float32)).ravel() > 0
    furniture = _batch_words(distinct, term_matrix, term_counts, story_terms)
    left_out = [
        [*furniture, *(distinct[word] for word in elsewhere.getrow(row).indices)]
        if first_pass is not None
        else []
        for row in range(len(texts))
    ]
    return Parts(
        words=_tfidf(term_counts, term_idf, story_terms),
        grams=_tfidf(tokens @ gram_matrix, np.asarray(model.gram_idf(gram_names)), story_grams),
        meaning=_meaning(titles, summaries, summary_weight, left_out),
        furniture=tuple(furniture),
    )


def _split(text: str) -> tuple[str, str]:
    title, _, summary = text.partition("\n")
    return title, summary


def _tokens(
    titles: Sequence[str], summaries: Sequence[str], summary_weight: float
) -> tuple[sp.csr_matrix, list[str]]:
    """The text-by-word matrix of token weights (title 1, summary ``summary_weight``), and the words."""
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for row, (title, summary) in enumerate(zip(titles, summaries, strict=True)):
        for part, weight in ((title, 1.0), (summary, summary_weight)):
            ids = [vocabulary.setdefault(word, len(vocabulary)) for word in words(part)]
            rows += [row] * len(ids)
            cols += ids
            weights += [weight] * len(ids)
    shape = (len(titles), len(vocabulary))
    return sp.csr_matrix((np.asarray(weights, dtype=np.float32), (rows, cols)), shape=shape), list(vocabulary)


def _elsewhere(
    tokens: sp.csr_matrix,
    term_matrix: sp.csr_matrix,
    counts: sp.csr_matrix,
    owners: dict[int, int],
    first_pass: Sequence[int] | None,
) -> sp.csr_matrix:
    """The tokens (rows x words, 1) of owned terms in items outside their owning story."""
    pairs: list[tuple[int, int]] = []
    columns = sp.csc_matrix(counts)
    for column, owner in owners.items():
        assert first_pass is not None  # only a first pass makes owners
        outside = [r for r in columns[:, column].nonzero()[0] if first_pass[r] != owner]
        its_words = set(term_matrix[:, column].nonzero()[0])
        pairs += [(r, w) for r in outside for w in tokens.getrow(r).indices if w in its_words]
    index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    data = np.ones(len(index), dtype=np.float32)
    return sp.csr_matrix((data, (index[:, 0], index[:, 1])), shape=tokens.shape)


def _batch_words(
    distinct: list[str], term_matrix: sp.csr_matrix, counts: sp.csr_matrix, story_terms: npt.NDArray[np.bool_]
) -> list[str]:
    """The words of a small batch's common terms that are no story's own ("Kyiv" in every feed)."""
    noise = _batch_common(counts) & ~story_terms
    if not noise.any():
        return []
    hits = np.asarray(term_matrix @ noise.astype(np.float32)).ravel() > 0
    return [word for word, hit in zip(distinct, hits, strict=True) if hit]


def _meaning(
    titles: Sequence[str], summaries: Sequence[str], summary_weight: float, left_out: list[list[str]]
) -> Floats:
    """The title's embedding plus the summary's at ``summary_weight``, unit rows.

    Each text's ``left_out`` words (the batch's furniture) go first, as their idf leaves them
    out of the word vectors: a word in every item would otherwise pull every meaning together.
    """
    patterns: dict[frozenset[str], re.Pattern[str]] = {}

    def without(text: str, out: list[str]) -> str:
        if not out:
            return text
        key = frozenset(out)
        if key not in patterns:
            patterns[key] = re.compile(
                r"\b(?:" + "|".join(map(re.escape, sorted(key))) + r")\b", re.IGNORECASE
            )
        return patterns[key].sub(" ", text)

    meaning = embed([without(title, out) for title, out in zip(titles, left_out, strict=True)])
    summaries = [without(summary, out) for summary, out in zip(summaries, left_out, strict=True)]
    if any(summaries) and summary_weight > 0:
        meaning += summary_weight * embed(summaries)
    return unit(meaning)


def mix(vectors: Parts, char_weight: float) -> sp.csr_matrix:
    """Unit rows whose dot products are ``(1 - w) * word cosine + w * n-gram cosine``."""
    blocks = [vectors.words * math.sqrt(1 - char_weight), vectors.grams * math.sqrt(char_weight)]
    return _normalize(sp.hstack(blocks, format="csr"))


def combine(lexical: Floats, meaning: Floats, embed_weight: float) -> Floats:
    """Rows whose dot products are ``(1 - e) * lexical cosine + e * meaning cosine``.

    ``lexical``: the mixed TF-IDF rows (projected or not); both are made unit first.
    """
    if embed_weight <= 0:
        return unit(lexical)
    blocks = [math.sqrt(1 - embed_weight) * unit(lexical), math.sqrt(embed_weight) * unit(meaning)]
    return np.asarray(np.hstack(blocks), dtype=np.float32)


def _mapping(features: list[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    """A word-by-feature count matrix from each word's features, and the features' names."""
    ids: dict[str, int] = {}
    pairs = [(row, ids.setdefault(name, len(ids))) for row, names in enumerate(features) for name in names]
    index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    data = np.ones(len(index), dtype=np.float32)
    matrix = sp.csr_matrix((data, (index[:, 0], index[:, 1])), shape=(len(features), len(ids)))
    matrix.sum_duplicates()
    return matrix, list(ids)


def _batch_common(counts: sp.csr_matrix) -> npt.NDArray[np.bool_]:
    """Columns in ``BATCH_COMMON`` or more of a small batch's rows (none in a large one)."""
    n = counts.shape[0]
    if not BATCH_COMMON_MIN <= n <= SMALL_BATCH:
        return np.zeros(counts.shape[1], dtype=bool)
    df = np.bincount(sp.csr_matrix(counts).indices, minlength=counts.shape[1])
    return np.asarray(df >= max(BATCH_COMMON_MIN, BATCH_COMMON * n))


def _story_terms(
    counts: sp.csr_matrix, idf: Floats, first_pass: Sequence[int] | None
) -> tuple[npt.NDArray[np.bool_], dict[int, int]]:
    """Batch-common terms that are a story's own, which keep their trained idf and their
    place in the meaning; and of those, the ones a first-pass story owns (column: story).

    A newsroom's feeds share "Kyiv" across many stories; a story worded twenty ways (a
    market sell-off: "Nasdaq" in 31 of 240 headlines) shares its word as much but agrees
    little word for word. The first pass, with such words kept in the meaning, tells them
    apart: most of the items that carry "Nasdaq" were one story, Kyiv's were spread over
    many. A word that one first-pass story holds most of is that story's alone: to the
    batch's other items it stays furniture (``_elsewhere``), so that on a day whose biggest
    story is in Kyiv, "Kyiv" does not pull the rest of the day into it. Failing that, a
    word is every item's story word when its items also agree without it ("Mother's Day"
    in 61 of a Sunday's headlines), as it was before any first pass.
    """
    story = np.zeros(counts.shape[1], dtype=bool)
    owners: dict[int, int] = {}
    common = np.flatnonzero(_batch_common(counts))
    if not len(common):
        return story, owners
    weighted = _tfidf(counts, idf, np.ones(counts.shape[1], dtype=bool)).tocsc()
    for column in common:
        rows = weighted[:, column].nonzero()[0]
        owner = None if first_pass is None else _owning_story(rows, first_pass)
        if owner is not None:
            story[column], owners[int(column)] = True, owner
        elif _cohesion(weighted, rows, int(column)) >= STORY_COHESION:
            story[column] = True
    return story, owners


def _owning_story(rows: npt.NDArray[np.int64], first_pass: Sequence[int]) -> int | None:
    """The first-pass story that holds more than half of ``rows``, if one does."""
    labels, sizes = np.unique(np.asarray(first_pass)[rows], return_counts=True)
    top = int(np.argmax(sizes))
    return int(labels[top]) if int(sizes[top]) * 2 > len(rows) else None


def _cohesion(weighted: sp.csc_matrix, rows: npt.NDArray[np.int64], column: int) -> float:
    """The mean cosine of ``rows`` with ``column``'s term left out."""
    others = sp.csr_matrix(weighted[rows].tolil())
    others[:, column] = 0
    others = _normalize(others)
    gram = np.asarray((others @ others.T).todense())
    pairs = len(rows) * (len(rows) - 1)
    return float((gram.sum() - np.trace(gram)) / max(pairs, 1))


def _tfidf(counts: sp.csr_matrix, idf: Floats, trained: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    """Sublinear tf times the trained idf, rows L2-normalized.

    In a small batch (a newsroom's day of feeds, not a day of the world's news), a term in
    ``BATCH_COMMON`` or more of its rows is common there whatever training said ("Kyiv" in
    a Ukrainian newsroom's feeds, rare in 2014's headlines) and takes the batch's lower idf,
    unless ``trained`` (a story's own word, ``_story_terms``) says to keep the trained one.
    Large windows keep the trained idf: there, a term that common is one big story's.
    """
    counts = sp.csr_matrix(counts, dtype=np.float32)
    counts.sum_duplicates()
    counts.eliminate_zeros()
    n = counts.shape[0]
    common = _batch_common(counts) & ~trained
    if common.any():
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.where(common, np.minimum(idf, np.log((1 + n) / (1 + df)) + 1.0), idf)
    # 1 + log(tf) for whole counts; a summary-only word (weight below one) keeps its weight.
    data = counts.data
    counts.data = (np.where(data >= 1, 1.0 + np.log(np.maximum(data, 1)), data) * idf[counts.indices]).astype(
        np.float32
    )
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ counts, dtype=np.float32)


def _normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)


def project(matrix: sp.csr_matrix, dimensions: int) -> Floats:
    """Rows in the top ``dimensions`` singular directions (randomized SVD, fixed seed).

    Dot products between rows are kept as well as the rank allows (exactly when there
    are no more rows than dimensions); products in the dense space are BLAS-fast. Bases
    are made orthonormal through their small Gram matrices: LAPACK's QR of a tall matrix
    burns ten times the CPU when its threads meet a busy machine.
    """
    matrix = sp.csr_matrix(matrix[:, np.unique(matrix.indices)])  # dropped terms cost nothing
    n, width = matrix.shape
    if min(n, width) <= dimensions:
        left, values, _ = np.linalg.svd(matrix.toarray().astype(np.float64), full_matrices=False)
        return np.asarray(left * values, dtype=np.float32)
    generator = np.random.default_rng(0)
    basis = np.asarray(matrix @ generator.standard_normal((width, dimensions + 10), dtype=np.float32))
    for _ in range(POWER_ITERATIONS):
        basis = np.asarray(matrix @ np.asarray(matrix.T @ _orthonormal(basis)))
    basis = _orthonormal(basis)
    small = np.asarray(matrix.T @ basis)
    # The small factor's left singular vectors, from its Gram matrix: cheaper than its SVD.
    energy, left = np.linalg.eigh(small.T.astype(np.float64) @ small)
    order = np.argsort(energy)[::-1][:dimensions]
    return np.asarray(basis @ (left[:, order] * np.sqrt(np.clip(energy[order], 0.0, None))), dtype=np.float32)


def _orthonormal(basis: Floats) -> Floats:
    """An orthonormal basis of the columns' span, from the eigenvectors of their Gram matrix."""
    energy, vectors = np.linalg.eigh(basis.T.astype(np.float64) @ basis)
    keep = energy > energy.max() * 1e-10
    return np.asarray(basis @ (vectors[:, keep] / np.sqrt(energy[keep])), dtype=np.float32)
