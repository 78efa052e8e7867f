"""The clusterer's trained part: document frequencies of headline terms and n-grams, and the
settings chosen with them, learned from days of news other than the ones being clustered.

An idf computed from the batch being clustered calls the words of the day's biggest story
common exactly when they matter most, and knows nothing in a batch of fifty; frequencies
counted over a hundred days of headlines know that "says" is common and "Plosser" is not.
``bench/train_cluster.py`` writes ``model.json.gz``; it is read once, on first use.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from digest.cluster.text import grams, terms, words

__all__ = ["MODEL_FILE", "REFERENCE_SIZE", "Model", "count", "shipped_model"]

MODEL_FILE = "model.json.gz"
REFERENCE_SIZE = 1_500  # the batch size at which the threshold is ``Model.threshold``
MIN_COUNT = 2  # terms seen once in training are stored as unseen: that halves the file


@dataclass(frozen=True)
class Model:
    """Document frequencies over ``documents`` training headlines, and the chosen settings."""

    documents: int
    term_df: dict[str, int] = field(repr=False)
    gram_df: dict[str, int] = field(repr=False)
    threshold: float  # average similarity two clusters need to merge, in a batch of REFERENCE_SIZE
    char_weight: float  # share of character n-grams in each item's vector
    trained_on: str = ""
    threshold_slope: float = 0.0  # the threshold's change per natural log of the batch size
    embed_weight: float = 0.0  # share of the meaning embedding (``meaning``) in each similarity

    def term_idf(self, names: Iterable[str]) -> list[float]:
        return [self._idf(self.term_df.get(name, 0)) for name in names]

    def gram_idf(self, names: Iterable[str]) -> list[float]:
        return [self._idf(self.gram_df.get(name, 0)) for name in names]

    def _idf(self, df: int) -> float:
        return math.log((1 + self.documents) / (1 + df)) + 1.0

    def to_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "threshold": self.threshold,
            "char_weight": self.char_weight,
            "threshold_slope": self.threshold_slope,
            "embed_weight": self.embed_weight,
            "trained_on": self.trained_on,
            "term_df": {k: v for k, v in sorted(self.term_df.items()) if v >= MIN_COUNT},
            "gram_df": {k: v for k, v in sorted(self.gram_df.items()) if v >= MIN_COUNT},
        }

    def save(self, path: Path) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def count(titles: Iterable[str]) -> tuple[int, Counter[str], Counter[str]]:
    """How many titles, and in how many of them each term and each n-gram occurs."""
    documents = 0
    term_df: Counter[str] = Counter()
    gram_df: Counter[str] = Counter()
    for title in titles:
        documents += 1
        title_words = words(title)
        term_df.update({term for term in terms(title_words) if term})
        gram_df.update({gram for word in set(title_words) for gram in grams(word)})
    return documents, term_df, gram_df


@cache
def shipped_model() -> Model:
    """The model in the package (``digest/cluster/model.json.gz``), read once."""
    raw = resources.files("digest.cluster").joinpath(MODEL_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    return Model(
        documents=int(data["documents"]),
        term_df=dict(data["term_df"]),
        gram_df=dict(data["gram_df"]),
        threshold=float(data["threshold"]),
        char_weight=float(data["char_weight"]),
        trained_on=str(data.get("trained_on", "")),
        threshold_slope=float(data.get("threshold_slope", 0.0)),
        embed_weight=float(data.get("embed_weight", 0.0)),
    )
