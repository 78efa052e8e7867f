"""Story clustering: tables of headlines, invariants, and a dev-set quality floor."""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.bcubed import bcubed
from digest.cluster import (
    ClusterOptions,
    cluster_items,
    cluster_items_explained,
    cluster_texts,
    same_story,
    similarity,
)
from digest.cluster.core import labels_at_thresholds
from digest.cluster.model import shipped_model
from digest.models import Item

# The parts an explanation names: the meaning's only when the shipped model gives it a share.
PART_NAMES = ["title and summary words", "character n-grams"] + (
    ["meaning (word embeddings)"] if shipped_model().embed_weight > 0 else []
)

NOW = datetime(2025, 3, 5, 7, 0, tzinfo=UTC)
DEV_SET = (
    Path(__file__).resolve().parents[1].parent
    / "shared/corpora/uci-news-sample/uci-news-aggregator.first6365rows.csv"
)
# Days the shipped model never saw (bench/train_cluster.py leaves them out). Measured with the
# defaults, each UTC day shuffled: F1 0.783 / 0.868 / 0.951 (the batch-idf clusterer before:
# 0.798 / 0.851 / 0.917); small random batches of them: precision 0.91-1.00.
DEV_SET_FLOOR = {"2014-03-10": 0.77, "2014-03-11": 0.85, "2014-03-12": 0.93}
SMALL_BATCH_PRECISION = 0.88


def item(key: str, title: str, *, source: str = "", hours_ago: float = 1.0, summary: str = "") -> Item:
    return Item(
        key=key,
        feed_id=1,
        source=source or f"Source {key}",
        url=f"https://example.com/{key}",
        title=title,
        summary_text=summary,
        published=NOW - timedelta(hours=hours_ago),
    )


QUAKE = [
    item(
        "r", "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued", source="Reuters"
    ),
    item("b", "Japan earthquake: tsunami warning after 7.1 magnitude quake off coast", source="BBC"),
    item("a", "Strong earthquakes strike Japan's coast, tsunami warnings", source="AP"),
]
MERGER = [
    item("m1", "Chiquita and Fyffes agree merger to create world's largest banana company", source="FT"),
    item("m2", "Fyffes, Chiquita to merge in $526 million deal creating top banana", source="Reuters"),
]
BANKRUPTCY = [
    item("g1", "Bitcoin exchange Mt. Gox files for US bankruptcy protection", source="Reuters"),
    item("g2", "Mt. Gox seeks bankruptcy protection in United States", source="WSJ"),
]
FED = [
    item("f1", "Fed official says weak data caused by weather, should not slow taper", source="LA Times"),
    item("f2", "Fed's Plosser: taper pace may be too slow", source="MarketWatch"),
]
ECB = [
    item("e1", "ECB unlikely to end sterilisation of SMP purchases", source="Reuters"),
    item("e2", "ECB keeps rates on hold, signals no end to bond sterilisation", source="FT"),
]
SBARRO = [
    item("s1", "Pizza chain Sbarro files for bankruptcy for the second time", source="AP"),
    item("s2", "Sbarro files Chapter 11 bankruptcy, plans to close restaurants", source="CNBC"),
]


UNRELATED = [
    "Parliament approves winter energy budget",
    "Drone factory opens near Lviv",
    "Grain corridor ships reach Istanbul",
    "Opera premiere lit by generators",
    "Football club wins cup final in Kharkiv",
]


def keys(groups: list[list[Item]]) -> list[set[str]]:
    return sorted(({i.key for i in group} for group in groups), key=sorted)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param(QUAKE, [{"r", "b", "a"}], id="the same event from three outlets is one story"),
        pytest.param(
            [*QUAKE, *MERGER], [{"a", "b", "r"}, {"m1", "m2"}], id="two unrelated events stay apart"
        ),
        pytest.param(
            [*FED, *ECB], [{"e1", "e2"}, {"f1", "f2"}], id="two central-bank stories sharing words stay apart"
        ),
        pytest.param(
            [*BANKRUPTCY, *SBARRO],
            [{"g1", "g2"}, {"s1", "s2"}],
            id="two bankruptcies in a tiny batch stay apart",
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    "known limit: 'files for bankruptcy protection' shares words and n-grams enough"
                    " (cosine 0.32 against a threshold of 0.30) that two bankruptcies look like one"
                ),
            ),
        ),
        pytest.param([QUAKE[0]], [{"r"}], id="a single item is its own story"),
        pytest.param([], [], id="no items make no stories"),
    ],
)
def test_it_groups_items_into_stories(items, expected):
    assert keys(cluster_items(items)) == expected


@pytest.mark.parametrize(
    "summary",
    [
        pytest.param(lambda title: "A summary.", id="the same placeholder summary"),
        pytest.param(lambda title: "Read more on our website.", id="a read-more line"),
        pytest.param(
            lambda title: f"The post {title} appeared first on Kyiv Independent.",
            id="WordPress's 'the post ... appeared first on'",
        ),
        pytest.param(
            lambda title: f"Kyiv Independent journalists report from across Ukraine. {title}.",
            id="the same standfirst before each summary",
        ),
        pytest.param(
            lambda title: f"Our correspondents in Kyiv followed {title.lower()} closely for subscribers",
            id="boilerplate words around the item's own",
        ),
        pytest.param(
            lambda title: f"{title} [...] Continue reading", id="a truncation mark and continue reading"
        ),
    ],
)
@pytest.mark.parametrize("source", ["", "Kyiv Independent"], ids=["from five sources", "from one source"])
def test_it_keeps_unrelated_items_with_boilerplate_summaries_apart(summary, source):
    items = [item(str(n), title, source=source, summary=summary(title)) for n, title in enumerate(UNRELATED)]
    assert keys(cluster_items(items)) == [{str(n)} for n in range(len(UNRELATED))]


def test_it_still_uses_the_summarys_own_words():
    resigned = item(
        "x1", "Minister resigns", summary="Energy minister Galushchenko resigned over the Energoatom probe."
    )
    reshuffle = item(
        "x2", "Cabinet reshuffle after scandal", summary="Galushchenko quits as Energoatom probe widens."
    )
    factory = item("x3", UNRELATED[1], summary="A new plant will build 1,000 drones a month.")
    assert keys(cluster_items([resigned, reshuffle, factory])) == [{"x1", "x2"}, {"x3"}]


def test_it_never_joins_items_further_apart_than_the_window():
    late = [item("late", QUAKE[1].title, source="BBC", hours_ago=40)]
    groups = cluster_items([*QUAKE, *late], ClusterOptions(window_hours=24))
    assert keys(groups) == [{"a", "b", "r"}, {"late"}]


def test_it_lets_undated_items_join_any_story():
    undated = item("u", QUAKE[1].title)
    undated.published = None
    assert keys(cluster_items([*QUAKE, undated])) == [{"a", "b", "r", "u"}]


def test_it_keeps_input_order_inside_and_between_stories():
    mixed = [MERGER[0], QUAKE[0], MERGER[1], QUAKE[1], QUAKE[2]]
    assert [[i.key for i in g] for g in cluster_items(mixed)] == [["m1", "m2"], ["r", "b", "a"]]


def test_it_labels_each_story_by_its_first_index():
    texts = [i.title for i in [MERGER[0], QUAKE[0], MERGER[1]]]
    assert cluster_texts(texts, [0.0] * 3, ["x"] * 3) == [0, 1, 0]


def test_it_leaves_texts_without_words_alone():
    assert cluster_texts(["", "", "the of"], [0.0] * 3, ["x"] * 3) == [0, 1, 2]


def test_it_refuses_sequences_of_different_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        cluster_texts(["a", "b"], [0.0], ["x", "y"])


def _uci_day(day: str) -> list[dict[str, str]]:
    rows = [
        r
        for r in _uci_rows()
        if datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC).date().isoformat() == day
    ]
    random.Random(day).shuffle(rows)  # the file lists each story's rows together
    return rows


def _uci_rows() -> list[dict[str, str]]:
    if not DEV_SET.exists():
        pytest.skip("no ../shared dev set")
    with DEV_SET.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_it_places_every_item_once_and_is_deterministic_on_real_headlines():
    rows = _uci_rows()[:600]
    items = [item(str(n), r["TITLE"], source=r["PUBLISHER"], hours_ago=n / 100) for n, r in enumerate(rows)]
    first = cluster_items(items)
    assert sorted(i.key for g in first for i in g) == sorted(i.key for i in items)
    assert keys(cluster_items(items)) == keys(first)


@pytest.mark.slow
@pytest.mark.parametrize("day", sorted(DEV_SET_FLOOR))
def test_it_keeps_its_quality_on_days_it_was_not_trained_on(day):
    rows = _uci_day(day)
    labels = cluster_texts(
        [r["TITLE"] for r in rows],
        [int(r["TIMESTAMP"]) / 1000 for r in rows],
        [r["PUBLISHER"] for r in rows],
    )
    _, _, f1 = bcubed(labels, [r["STORY"] for r in rows])
    assert f1 >= DEV_SET_FLOOR[day]


@pytest.mark.slow
@pytest.mark.parametrize("day", sorted(DEV_SET_FLOOR))
def test_it_does_not_over_merge_small_batches_of_real_headlines(day):
    rows = _uci_day(day)
    precisions = []
    for seed in range(10):
        batch = random.Random(f"{day} {seed}").sample(rows, 60)
        labels = cluster_texts([r["TITLE"] for r in batch], [0.0] * len(batch), [""] * len(batch))
        precisions.append(bcubed(labels, [r["STORY"] for r in batch])[0])
    assert sum(precisions) / len(precisions) >= SMALL_BATCH_PRECISION


# Look-alikes: the same kind of event in another place, or another prize, another court.
LOOK_ALIKES = [
    item("k1", "Russian missile strike on Kharkiv kills three, injures 20", source="Kyiv Ledger"),
    item("k2", "Three killed as Russian missiles hit Kharkiv apartment block", source="Reuters"),
    item("o1", "Russian drone attack on Odesa port damages grain terminal", source="AP"),
    item("o2", "Drones hit Odesa port overnight, grain terminal on fire", source="BBC"),
    item("p1", "Steppe Song wins top prize at IDFA documentary festival", source="Variety"),
    item("p2", "Ukrainian novelist Kurkov wins Booker International Prize", source="Guardian"),
    item("c1", "Supreme Court upholds ban on Moscow-linked church", source="Kyiv Ledger"),
    item("c2", "Constitutional Court strikes down mobilisation age law", source="Reuters"),
]


def test_look_alike_events_in_a_small_batch_stay_apart_while_each_event_joins():
    assert keys(cluster_items(LOOK_ALIKES)) == [{"c1"}, {"c2"}, {"k1", "k2"}, {"o1", "o2"}, {"p1"}, {"p2"}]


def test_it_says_why_each_item_joined_its_story():
    _, why = cluster_items_explained([*QUAKE, *MERGER])
    assert set(why) == {"b", "a", "m2"}  # each story's first item starts it: no reason
    assert why["b"].story == 0 and why["m2"].story == 3
    for reason in why.values():
        assert {part.name for part in reason.parts} == set(PART_NAMES)
        assert sum(part.weight for part in reason.parts) == pytest.approx(1.0)
        assert 0 < reason.mixed <= 1 and reason.similarity > 0
        assert reason.as_dict()["threshold"] == pytest.approx(shipped_model().threshold, abs=1e-3)


def test_explaining_changes_no_story():
    assert keys(cluster_items_explained(LOOK_ALIKES)[0]) == keys(cluster_items(LOOK_ALIKES))


def test_a_pairs_similarity_needs_no_batch_and_is_symmetric():
    quake, quake_again, merger = QUAKE[0], QUAKE[1], MERGER[0]
    assert similarity(quake, quake_again) == pytest.approx(similarity(quake_again, quake))
    assert similarity(quake, quake_again) > similarity(quake, merger)
    assert similarity(quake, quake) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("k1", "k2", True, id="two reports of one strike"),
        pytest.param("k1", "o1", False, id="strikes on two cities"),
        pytest.param("p1", "p2", False, id="two prizes"),
        pytest.param("c1", "c2", False, id="two court rulings"),
    ],
)
def test_same_story_tells_one_event_from_a_look_alike(a, b, same):
    found = {i.key: i for i in LOOK_ALIKES}
    assert same_story(found[a], found[b]) is same


def test_unset_options_take_the_trained_settings():
    settings = ClusterOptions().resolved()
    assert settings.threshold == shipped_model().threshold
    assert settings.char_weight == shipped_model().char_weight
    assert ClusterOptions(threshold=0.5).resolved().threshold == 0.5


def test_a_word_in_every_item_of_the_batch_joins_nothing_though_training_never_saw_it():
    # "Zorvania" is in no training headline, so its trained idf is the highest there is;
    # in this batch it is in every item, so it says nothing about which event an item is.
    titles = [*UNRELATED, *(i.title for i in [*QUAKE[:1], *MERGER[:1], *BANKRUPTCY[:1], *FED[:1], *ECB[:1]])]
    items = [item(str(n), f"Zorvania: {title}") for n, title in enumerate(titles)]
    assert keys(cluster_items(items)) == keys([[i] for i in items])


# One event worded many ways: "Nasdaq" is in a third of the batch, and the headlines share
# little else, word for word.
SELL_OFF = [
    "Nasdaq closes below 4,000 for the first time since February",
    "Tech sell-off deepens as Nasdaq slides 3%",
    "Investors dump biotech shares, dragging the Nasdaq lower",
    "Nasdaq suffers its worst day since 2011",
    "Wall Street ends down with Nasdaq under 4,000",
    "Is the Nasdaq heading for a correction?",
    "Nasdaq rout spreads to Europe's technology shares",
    "Momentum stocks crushed again; Nasdaq sheds 1.3%",
]


def test_a_small_batchs_common_word_stays_its_storys_own_when_the_story_is_worded_many_ways():
    # Without their shared word these headlines agree too little to count as one story by
    # their words alone, yet clustered with it they are one story: the word is the story's,
    # not the batch's furniture ("Zorvania" above), and keeps its weight and its meaning.
    sell_off = [item(f"n{k}", title) for k, title in enumerate(SELL_OFF)]
    unrelated = [item(f"u{k}", title) for k, title in enumerate(UNRELATED)]
    stories = cluster_items([*sell_off, *QUAKE, *MERGER, *FED, *ECB, *SBARRO, *unrelated])
    assert keys(stories) == keys([sell_off, QUAKE, MERGER, FED, ECB, SBARRO, *([i] for i in unrelated)])


# A newsroom's own word ("Zorvania", as "Kyiv" in a Ukrainian newsroom's feeds) on a day whose
# biggest story happens there: most of the items that carry it are that story.
ZORVANIA_QUAKE = [
    "Zorvania: magnitude 6.8 earthquake shakes the capital",
    "Zorvania earthquake: buildings collapse in the north",
    "Rescuers search the rubble after the Zorvania quake",
    "Zorvania quake death toll rises to 40",
    "Aftershocks rattle Zorvania a day after the deadly earthquake",
    "Zorvania: thousands sleep outdoors after the quake",
    "International aid arrives in quake-hit Zorvania",
]


@pytest.mark.xfail(
    strict=True,
    reason="known limit: the quake's items agree without the word, so in the first pass it keeps its weight"
    " and joins three of the five others to the quake; the word is then that story's, those three included"
    " (before the first pass: all five joined)",
)
def test_a_common_word_its_biggest_story_owns_still_joins_nothing_else():
    quake = [item(f"q{k}", title) for k, title in enumerate(ZORVANIA_QUAKE)]
    unrelated = [item(f"u{k}", f"Zorvania: {title}") for k, title in enumerate(UNRELATED)]
    stories = cluster_items([*quake, *unrelated, *MERGER, *FED, *ECB, *SBARRO])
    assert keys(stories) == keys([quake, *([i] for i in unrelated), MERGER, FED, ECB, SBARRO])


def test_the_trained_threshold_rises_with_the_log_of_a_large_batch_and_stays_put_below():
    settings = ClusterOptions(threshold=0.26, threshold_slope=0.02).resolved()
    assert settings.threshold_for(8) == settings.threshold_for(1_500) == pytest.approx(0.26)
    assert settings.threshold_for(1_500 * 4) == pytest.approx(0.26 + 0.02 * math.log(4))
    assert ClusterOptions(threshold=0.3).resolved().threshold_for(10_000) == 0.3  # a given threshold is kept


@pytest.mark.parametrize("size", [400, 120], ids=["a large batch", "a small batch, clustered twice"])
def test_a_merge_tree_cut_at_a_threshold_is_the_clustering_at_that_threshold(size):
    rows = _uci_rows()[:size]
    texts, times = [r["TITLE"] for r in rows], [0.0] * len(rows)
    thresholds = (0.15, 0.26, 0.4)
    cut = labels_at_thresholds(texts, times, thresholds, ClusterOptions())
    for threshold in thresholds:
        assert cut[threshold] == cluster_texts(
            texts, times, [""] * len(texts), ClusterOptions(threshold=threshold)
        )


def test_a_small_batch_of_one_story_stays_together_though_its_words_are_common_in_it():
    # A quiet Sunday's window can be one story: its words are in most of the batch, like
    # "Zorvania" above, but its items also agree without them, so they keep their weight.
    rows = _uci_rows()
    biggest = Counter(r["STORY"] for r in rows).most_common(1)[0][0]
    batch = [r for r in rows if r["STORY"] == biggest][:60]
    labels = cluster_texts([r["TITLE"] for r in batch], [0.0] * len(batch), [""] * len(batch))
    _, recall, _ = bcubed(labels, [biggest] * len(batch))
    assert recall >= 0.5
