"""Cities in headlines: two reports of the same kind of event in two cities stay two stories."""

from __future__ import annotations

import numpy as np
import pytest

from digest.cluster import cluster_texts
from digest.cluster.linkage import agglomerate, agglomerate_apart, time_spans
from digest.cluster.places import apart, title_cities

KYIV = [
    "Kyiv: six killed, dozens injured as Russia strikes energy sites in overnight attack\n"
    "six people were killed and dozens injured in kyiv as russia struck energy sites",
    "Russian drones and missiles hit Kyiv's energy sites overnight\n"
    "russian forces launched one of the largest attacks of the war overnight on kyiv",
]
KHARKIV = (
    "Russian drones hit Kharkiv energy sites overnight, 14 injured\n"
    "russia attacked energy facilities in kharkiv"
)
NO_TIMES = [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("title", "cities"),
    [
        ("Russian drones hit Kharkiv energy sites overnight, 14 injured", {"kharkiv"}),
        ("Kyiv: six killed as Russia strikes energy sites", {"kyiv"}),
        ("Video: Damage at the port of Izmail after drone attack", set()),  # GeoNames spells it Izmayil
        ("Drone attack damages grain terminal in Odesa Oblast", {"odesa"}),
        ("Apple Unveils New iPhone At Event In Cupertino", set()),  # Title Case: capitals say nothing
        ("Opinion: Ukraine's partners must close the air defense gap", set()),  # a country is no city
        ("Heating season starts early as frost sets in", set()),
    ],
)
def test_a_sentence_case_title_names_the_gazetteer_cities_it_capitalises(title, cities):
    assert title_cities(title) == cities


def test_reports_of_the_same_kind_of_event_in_two_cities_are_two_stories():
    texts = [*KYIV, KHARKIV]
    assert cluster_texts(texts, NO_TIMES, [""] * 3) == [0, 0, 2]


def test_a_report_titled_by_its_oblast_still_joins_the_city_it_mentions():
    texts = [
        "Strike on Izmail port damages grain terminal overnight\nrussian drones hit the port of izmail",
        "Drone attack damages grain terminal in Odesa Oblast\ndrones damaged a grain terminal in izmail",
    ]
    assert apart([t.partition("\n")[0] for t in texts], texts).sum() == 0
    assert cluster_texts(texts, [0.0, 0.0], ["", ""]) == [0, 0]


def test_without_a_pair_kept_apart_the_matrix_linkage_is_the_vector_linkage():
    generator = np.random.default_rng(1)
    centres = generator.standard_normal((6, 16))
    vectors = np.repeat(centres, 5, axis=0) + 0.6 * generator.standard_normal((30, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    spans = time_spans([3600.0 * (i % 7) for i in range(30)])
    nobody = np.zeros((30, 30), dtype=bool)
    by_vectors = agglomerate(vectors, spans, 4 * 3600.0, 0.3)
    by_matrix = agglomerate_apart(vectors, spans, 4 * 3600.0, 0.3, nobody)
    same = by_vectors[:, None] == by_vectors[None, :]
    assert (same == (by_matrix[:, None] == by_matrix[None, :])).all()
    assert 1 < len(set(by_vectors.tolist())) < 30
