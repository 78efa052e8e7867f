"""``digest stories FILE``: JSON lines in, {"id", "story"} lines out, bad lines named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from digest.cli.stories import stories
from digest.cluster.model import shipped_model

# The parts an explanation names: the meaning's only when the shipped model gives it a share.
PART_NAMES = ["title and summary words", "character n-grams"] + (
    ["meaning (word embeddings)"] if shipped_model().embed_weight > 0 else []
)

app = typer.Typer()
app.command()(stories)
runner = CliRunner()

QUAKE = [
    "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued",
    "Japan earthquake: tsunami warning after 7.1 magnitude quake off coast",
    "Strong earthquakes strike Japan's coast, tsunami warnings",
]
MERGER = [
    "Chiquita and Fyffes agree merger to create world's largest banana company",
    "Fyffes, Chiquita to merge in $526 million deal creating top banana",
]


def line(id_: object, title: str, published: object = "2025-03-05T06:00:00Z", **extra: object) -> str:
    record = {"id": id_, "title": title, "url": f"https://example.com/{id_}", "source": "Wire"}
    return json.dumps({**record, "published": published, **extra})


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def output_of(text: str) -> list[dict[str, object]]:
    return [json.loads(row) for row in text.splitlines()]


def test_it_prints_each_id_with_the_id_of_its_storys_first_item(tmp_path):
    lines = [line("m1", MERGER[0]), line("q1", QUAKE[0]), line("q2", QUAKE[1]), line("m2", MERGER[1])]
    result = runner.invoke(app, [str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert output_of(result.stdout) == [
        {"id": "m1", "story": "m1"},
        {"id": "q1", "story": "q1"},
        {"id": "q2", "story": "q1"},
        {"id": "m2", "story": "m1"},
    ]


@pytest.mark.parametrize(
    "published",
    [
        pytest.param("2025-03-05T06:00:00+00:00", id="ISO 8601 with offset"),
        pytest.param("2025-03-05 06:00:00", id="naive ISO 8601 is UTC"),
        pytest.param(1741154400, id="Unix seconds as an integer"),
        pytest.param(1741154400.5, id="Unix seconds as a float"),
        pytest.param("1741154400", id="Unix seconds as a numeric string"),
    ],
)
def test_it_accepts_iso_and_unix_timestamps(tmp_path, published):
    lines = [line(1, QUAKE[0], published), line(2, QUAKE[1], published)]
    result = runner.invoke(app, [str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert output_of(result.stdout) == [{"id": 1, "story": 1}, {"id": 2, "story": 1}]


def test_it_writes_to_the_output_file_when_given(tmp_path):
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, [str(write(tmp_path, [line("a", QUAKE[0])])), "--output", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert output_of(target.read_text()) == [{"id": "a", "story": "a"}]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param("{not json", "not JSON", id="broken JSON"),
        pytest.param(line("x", QUAKE[1], "yesterday"), "neither ISO 8601 nor Unix", id="bad timestamp"),
        pytest.param(
            json.dumps({"id": "x", "title": "t", "url": "u", "source": "s"}),
            "'published' missing",
            id="missing timestamp",
        ),
        pytest.param(line("x", QUAKE[1]).replace('"title"', '"headline"'), "'title'", id="missing title"),
        pytest.param(line("q1", QUAKE[1]), "duplicate id 'q1' (first on line 1)", id="duplicate id"),
        pytest.param("[1, 2]", "not a JSON object", id="not an object"),
    ],
)
def test_it_names_the_bad_line_and_writes_nothing(tmp_path, bad, reason):
    target = tmp_path / "out.jsonl"
    path = write(tmp_path, [line("q1", QUAKE[0]), bad, line("q3", QUAKE[2])])
    result = runner.invoke(app, [str(path), "--output", str(target)])
    assert result.exit_code != 0
    assert "items.jsonl:2: " in result.stderr
    assert reason in " ".join(result.stderr.split())
    assert not target.exists()


def test_it_skips_blank_lines(tmp_path):
    result = runner.invoke(app, [str(write(tmp_path, [line("a", QUAKE[0]), "", line("b", QUAKE[1])]))])
    assert result.exit_code == 0
    assert [row["id"] for row in output_of(result.stdout)] == ["a", "b"]


def test_explain_says_why_each_joined_item_joined_its_story(tmp_path):
    lines = [line("q1", QUAKE[0]), line("m1", MERGER[0]), line("q2", QUAKE[1]), line("m2", MERGER[1])]
    result = runner.invoke(app, [str(write(tmp_path, lines)), "--explain"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in output_of(result.stdout)}
    assert [rows[k]["story"] for k in ("q1", "m1", "q2", "m2")] == ["q1", "m1", "q1", "m1"]
    assert "why" not in rows["q1"] and "why" not in rows["m1"]  # they start their stories
    for joined in ("q2", "m2"):
        why = rows[joined]["why"]
        assert why["similarity"] > 0 and why["threshold"] > 0
        parts = why["parts"]
        assert set(parts) == set(PART_NAMES)
        assert sum(p["weight"] for p in parts.values()) == pytest.approx(1.0, abs=1e-3)
        assert all(0 < p["similarity"] <= 1 for p in parts.values())


def test_without_explain_the_output_is_only_id_and_story(tmp_path):
    lines = [line("q1", QUAKE[0]), line("q2", QUAKE[1])]
    result = runner.invoke(app, [str(write(tmp_path, lines))])
    assert [set(row) for row in output_of(result.stdout)] == [{"id", "story"}] * 2
