"""Cities named in headlines: two reports whose titles name different cities are two events.

In a newsroom's own day the look-alikes are the same event in another place ("Russian drones
hit Kharkiv energy sites overnight" against "Russia strikes Kyiv's energy sites in overnight
attack"): every word but the city agrees. A title names a city when a word capitalised
inside a sentence-case title is in the gazetteer (``places.txt.gz``, GeoNames' cities of
15,000 people or more, written by ``bench/make_places.py``); in a Title Case headline
capitals say nothing, so it names none. Two items are kept apart only when both titles name
a city and neither item mentions, anywhere in its text, a city the other's title names: a
report of the Izmail strike titled by its oblast still mentions Izmail below. Nothing here
is tuned.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

__all__ = ["apart", "title_cities"]

_WORD = re.compile(r"\w+")
_CLAUSE = re.compile(r"[:—–|]\s*")  # "Kyiv: six killed", "Explainer — …": each part starts anew


@cache
def _gazetteer() -> frozenset[str]:
    raw = resources.files("digest.cluster").joinpath("places.txt.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def title_cities(title: str) -> frozenset[str]:
    """The gazetteer cities a sentence-case title names (casefolded); none in Title Case."""
    words = _WORD.findall(title)
    inner = [w for part in _CLAUSE.split(title) for w in _WORD.findall(part)[1:]]
    if sum(w[:1].isupper() for w in words) * 2 > len(words):
        return frozenset()
    gazetteer = _gazetteer()
    named = {w.casefold() for w in inner if w[:1].isupper()}
    # A title's first word counts too when it is a city ("Kyiv: six killed …").
    named |= {w.casefold() for part in _CLAUSE.split(title) for w in _WORD.findall(part)[:1]}
    return frozenset(name for name in named if name in gazetteer)


def apart(titles: Sequence[str], texts: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Pairs whose titles name cities and whose texts share none of them (symmetric, n×n)."""
    cities = [title_cities(title) for title in titles]
    mentioned = [frozenset(w.casefold() for w in _WORD.findall(text)) for text in texts]
    n = len(titles)
    result = np.zeros((n, n), dtype=bool)
    named = [i for i in range(n) if cities[i]]
    for a in named:
        for b in named:
            if a < b and not (cities[a] & mentioned[b] or cities[b] & mentioned[a]):
                result[a, b] = result[b, a] = True
    return result
