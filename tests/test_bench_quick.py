"""The benchmark suite runs end to end: ``python -m bench --quick`` gives every stage a row."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.__main__ import STAGES
from bench.common import KEYS
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_every_stage_of_the_quick_benchmark_gives_a_row(tmp_path):
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert all(set(KEYS) <= set(found) for found in rows)
    for key, module in STAGES.items():
        mine = [found for found in rows if found["group"] == key]
        assert mine, f"stage {key} gave no row"
        if (ROOT / f"{module.replace('.', '/')}.py").exists():
            assert all(found.get("status") != "error" for found in mine), mine
        for skipped in (found for found in mine if found.get("status") == "skipped"):
            assert "skipped:" in (skipped.get("note") or ""), f"stage {key} skipped without saying why"
    assert "| stage" in done.stdout  # and the table was printed
