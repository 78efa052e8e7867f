"""What of an item the clusterer reads: its title, its summary's own words, and their tokens.

Training (``bench/train_cluster.py``) and clustering tokenize through these same functions,
so the shipped document frequencies describe exactly the terms and n-grams counted here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources

from digest.models import Item

__all__ = ["GRAM_SIZES", "grams", "item_texts", "terms", "words"]

GRAM_SIZES = (2, 3, 4)  # character n-grams inside words: inflections, compounds, any language
BOILERPLATE_SHARE = 0.6  # a summary word in this share of summaries (batch or source) is boilerplate
BOILERPLATE_MIN = 3  # ... and in at least this many

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
# Feed furniture that says nothing about the event: WordPress's "The post … appeared first
# on …", "Read more", "Continue reading", a trailing "[…]".
_FURNITURE = re.compile(
    r"the post\b.*\bappeared first on\b.*|(read|continue reading|click here|see) more\b.*"
    r"|continue reading\b.*|\[(…|\.\.\.)\]|\(more…?\)",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The casefolded words of a text."""
    return _WORD.findall(text.casefold())


def _stopwords() -> frozenset[str]:
    """The ``[stop]`` section of ``digest/cluster_words.txt``."""
    sections: dict[str, set[str]] = {}
    current: set[str] = set()
    text = resources.files("digest").joinpath("cluster_words.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("["):
            current = sections.setdefault(line.strip("[] \n"), set())
        elif not line.startswith("#"):
            current.update(line.split())
    return frozenset(sections["stop"])


STOPWORDS = _stopwords()


def _stem(word: str) -> str:
    """Strip an English plural; anything subtler is left to the character n-grams."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(word_list: Iterable[str]) -> list[str | None]:
    """Each word's term (plural stripped), or None for stopwords and single letters."""
    return [_stem(word) if len(word) > 1 and word not in STOPWORDS else None for word in word_list]


def grams(word: str) -> list[str]:
    """The character n-grams of a word padded with spaces."""
    padded = f" {word} "
    return [padded[i : i + size] for size in GRAM_SIZES for i in range(len(padded) - size + 1)]


def item_texts(items: Sequence[Item]) -> list[str]:
    """``"title\\nsummary words"`` per item, the summary stripped of what the batch repeats.

    Boilerplate in a summary would join unrelated items, so a summary sentence keeps only
    the words that say something about its item: a sentence found verbatim in another
    item's summary is dropped whole (boilerplate, or syndicated copy whose title already
    says it), and so are words found in most summaries of the batch or of the item's source.
    Sources are used for this only: the same outlet may cover an event twice.
    """
    leads = [_lead(item.summary_text) for item in items]
    repeated = Counter(" ".join(lead) for lead in leads)
    leads = [[] if repeated[" ".join(lead)] > 1 else lead for lead in leads]
    common = _frequent_words(leads)
    by_source: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_source.setdefault(item.source, []).append(index)
    for members in by_source.values():
        boilerplate = common | _frequent_words([leads[i] for i in members])
        for i in members:
            leads[i] = [word for word in leads[i] if word not in boilerplate]
    return [f"{item.title}\n{' '.join(lead)}" for item, lead in zip(items, leads, strict=True)]


def _lead(summary: str) -> list[str]:
    """The casefolded words of a summary's lead, feed furniture removed.

    The lead ends at the first full stop (or ! ? …) before a space, an abbreviation's too:
    "on Nov. 25" ends it there. A sentence splitter that reads past abbreviations was tried
    twice and measured worse on the labelled sample day: the longer leads share the day's
    context (the date, "attack", "generators") across its look-alike stories
    (``bench/README.md``, "Each idea below").
    """
    sentence = _SENTENCE_END.split(summary.strip(), maxsplit=1)[0][:300]
    return words(_FURNITURE.sub(" ", sentence))


def _frequent_words(documents: list[list[str]]) -> set[str]:
    """Words in at least ``BOILERPLATE_SHARE`` of the documents (and in three or more)."""
    counts = Counter(word for lead in documents for word in set(lead))
    floor = max(BOILERPLATE_MIN, BOILERPLATE_SHARE * len(documents))
    return {word for word, count in counts.items() if count >= floor}
