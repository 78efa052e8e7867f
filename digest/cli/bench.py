"""``digest bench``: run the benchmark suite (``python -m bench``) from a source checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from digest.cli import context

ROOT = Path(__file__).resolve().parents[2]


def bench(
    only: str | None = typer.Option(None, "--only", metavar="STAGE", help="Run one stage (e.g. send-email)."),
    quick: bool = typer.Option(False, "--quick", help="Small sizes: only checks that every stage runs."),
    json_path: str | None = typer.Option(None, "--json", metavar="PATH", help="Also write the rows as JSON."),
) -> None:
    """Benchmark every stage against its baseline and ceiling on generated data; print one table."""
    if not (ROOT / "bench" / "__main__.py").is_file():
        raise context.fail("the benchmarks ship with the source tree only (bench/ is not beside digest/)")
    command = [sys.executable, "-m", "bench"]
    command += ["--only", only] if only else []
    command += ["--quick"] if quick else []
    command += ["--json", json_path] if json_path else []
    # Its own process: each stage measures peak memory of processes it starts itself.
    code = subprocess.call(command, cwd=ROOT)
    if code:
        raise typer.Exit(code)
