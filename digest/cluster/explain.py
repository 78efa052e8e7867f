"""Why an item joined its story: its similarity to the story's other items, and the parts
that made it, as data for ``digest stories --explain`` and the web preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

if TYPE_CHECKING:
    from digest.cluster.vectors import Parts

__all__ = ["JoinReason", "Part", "join_reasons"]


@dataclass(frozen=True)
class Part:
    """One feature's mean cosine to the story's other items, and its weight in the mix."""

    name: str
    similarity: float
    weight: float


@dataclass(frozen=True)
class JoinReason:
    """``similarity``: mean cosine to the story's other items in the space the clusterer merges
    in (the mixed parts, sharpened by the item's neighbours); ``parts``: what it is made of."""

    story: int  # index of the story's first item
    similarity: float
    parts: tuple[Part, ...]
    threshold: float  # the average similarity at which clusters merge

    @property
    def mixed(self) -> float:
        """The weighted sum of the parts, before the neighbour expansion."""
        return sum(part.similarity * part.weight for part in self.parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "similarity": round(self.similarity, 3),
            "threshold": round(self.threshold, 3),
            "mixed": round(self.mixed, 3),
            "parts": {
                p.name: {"similarity": round(p.similarity, 3), "weight": round(p.weight, 3)}
                for p in self.parts
            },
        }


def join_reasons(
    labels: list[int],
    vectors: Parts,
    dense: npt.NDArray[np.floating[Any]],
    weights: tuple[float, float],
    threshold: float,
    every_member: bool = False,
) -> list[JoinReason | None]:
    """Per item, why it joined; None for an item that starts its story (with ``every_member``,
    only for an item alone in it). ``weights``: the n-gram share and the meaning share."""
    char_weight, embed_weight = weights
    members = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (np.asarray(labels), np.arange(len(labels)))),
        shape=(len(labels), len(labels)),
    )
    sizes = np.asarray(members.sum(axis=1)).ravel()
    lexical = 1 - embed_weight
    named = {
        "title and summary words": (vectors.words, lexical * (1 - char_weight)),
        "character n-grams": (vectors.grams, lexical * char_weight),
    }
    if embed_weight > 0:
        named["meaning (word embeddings)"] = (sp.csr_matrix(vectors.meaning), embed_weight)
    overall = _mean_to_others(labels, members, sizes, sp.csr_matrix(dense))
    by_part = {name: _mean_to_others(labels, members, sizes, matrix) for name, (matrix, _) in named.items()}
    return [
        None
        if (label == index and not every_member) or sizes[label] < 2
        else JoinReason(
            story=label,
            similarity=float(overall[index]),
            parts=tuple(
                Part(name, float(by_part[name][index]), weight) for name, (_, weight) in named.items()
            ),
            threshold=threshold,
        )
        for index, label in enumerate(labels)
    ]


def _mean_to_others(
    labels: list[int], members: sp.csr_matrix, sizes: npt.NDArray[np.floating[Any]], matrix: sp.csr_matrix
) -> npt.NDArray[np.floating[Any]]:
    """Each row's mean dot product with the other rows of its story (0 alone)."""
    sums = members @ matrix  # a story's summed rows, at its first item's index
    own = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    story_sums = sums[np.asarray(labels)]
    with_story = np.asarray(matrix.multiply(story_sums).sum(axis=1)).ravel()
    others = sizes[np.asarray(labels)] - 1
    return np.where(others > 0, (with_story - own) / np.maximum(others, 1), 0.0)
