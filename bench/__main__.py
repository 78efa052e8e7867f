"""Run every benchmark and print one table: ours, the baseline measured in the same run, the ceiling.

    python -m bench                     # every stage at full size
    python -m bench --quick             # every stage small (CI: only checks that they run)
    python -m bench --only send         # one stage (a key below or a row's stage name)
    python -m bench --json rows.json    # also write the rows as JSON ("-" for stdout)

Each stage runs in a process of its own, so its peak RSS is its own, and a stage that is
missing or fails becomes a row marked "not available" or "error" instead of stopping the rest;
one that has nothing to measure (its data set in ../shared is absent) becomes a "skipped" row
saying why.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from bench.common import ROOT, Row, normalize, peak_rss_mb, placeholder, table, write_json

# key -> module, in pipeline order: feeds in, edition out.
STAGES: dict[str, str] = {
    "parse": "bench.bench_parse",
    "collect": "bench.bench_collect",
    "cluster": "bench.bench_cluster",
    "render": "bench.bench_render",
    "send-email": "bench.bench_send",
    "send-telegram": "bench.bench_telegram",
    "breaking": "bench.bench_breaking",
}
TIMEOUT = {False: 3600.0, True: 120.0}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args.child, args.quick, args.child_out)
    try:
        keys = _selected(args.only)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    rows: list[Row] = []
    started = time.perf_counter()
    for key in keys:
        print(f"[bench] {key} …", file=sys.stderr, flush=True)
        found = _run_stage(key, args.quick)
        rows += [r for r in found if _wanted(r, args.only, key)] or found
    print(table(rows))
    print(f"\n{len(keys)} stage(s) in {time.perf_counter() - started:.0f}s{' (quick)' if args.quick else ''}")
    if args.json:
        write_json(rows, args.json)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that each stage runs")
    parser.add_argument("--only", metavar="STAGE", help=f"one stage: {', '.join(STAGES)}")
    parser.add_argument("--json", metavar="PATH", help="write the rows as a JSON list ('-' for stdout)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    return parser


def _selected(only: str | None) -> list[str]:
    if not only:
        return list(STAGES)
    aliases = {"send": "send-email", "email": "send-email", "telegram": "send-telegram", "rank": "cluster"}
    key = aliases.get(only, only)
    if key in STAGES:
        return [key]
    # A row's stage name, e.g. "send-email-1M": the stage whose key starts it.
    matches = [k for k in STAGES if key.startswith(k)]
    if not matches:
        raise ValueError(f"unknown stage {only!r}; stages: {', '.join(STAGES)}")
    return matches[:1]


def _wanted(found: Row, only: str | None, key: str) -> bool:
    return not only or only in (key, "send", "email", "telegram", "rank") or str(found["stage"]) == only


def _run_stage(key: str, quick: bool) -> list[Row]:
    """The stage in a child process; its rows, or one row saying why there are none."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [sys.executable, "-m", "bench", "--child", key, "--child-out", str(out)]
        command += ["--quick"] if quick else []
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        tail: deque[str] = deque(maxlen=15)
        try:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=sys.stderr, text=True
            )
            assert process.stderr is not None
            deadline = time.monotonic() + TIMEOUT[quick]
            for line in process.stderr:  # echoed as it comes, the end kept for an error row
                sys.stderr.write(line)
                tail.append(line.rstrip())
                if time.monotonic() > deadline:
                    process.kill()
                    tail.append(f"timed out after {TIMEOUT[quick]:.0f}s")
                    break
            code = process.wait()
        except OSError as exc:
            return [{**placeholder(key, "error", str(exc)), "group": key}]
        if out.exists():
            rows: list[Row] = json.loads(out.read_text(encoding="utf-8"))
            if rows:
                return rows
            if code == 0:  # it ran and measured nothing: its data set is missing (../shared)
                why = next((line for line in reversed(tail) if line.startswith("skipped")), "skipped")
                return [{**placeholder(key, "skipped", why), "group": key}]
        return [{**placeholder(key, "error", f"exit {code}: " + " | ".join(tail)), "group": key}]


def _child(key: str, quick: bool, out: str | None) -> int:
    """Inside the stage's own process: import lazily, run, fill in peak RSS, write the rows."""
    module_name = STAGES[key]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        rows = [placeholder(key, "not available", f"{module_name} does not exist yet")]
    else:
        found = module.run(quick)
        rss = round(max(peak_rss_mb(), peak_rss_mb(children=True)), 1)
        rows = [normalize(r, rss) for r in found]
    for found_row in rows:
        found_row["group"] = key  # which stage of the suite gave the row
    if out:
        Path(out).write_text(json.dumps(rows, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
