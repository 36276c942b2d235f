"""A/A calibration: one interpreter measured as both sides of the main job's sweep.

    python -m runners.calibrate --arm gil [--results-dir results] [runners.bench options]

Runs ``runners.bench`` exactly as the main job does (interleaved rounds, the same
defaults and options), except that both sides are the same arm on the same
interpreter (``--arm gil@A --arm gil@B``). Every ratio B/A is then 1 in truth, so a
95% confidence interval that is honest covers 1.0 for about 95% of the benchmarks; the
calibration passes when at least ``--want-coverage`` (default 90%) of them do. It also
counts the intervals within +-5% (the precision the main job aims at).

Writes ``<results>/calibration/<stamp>-<arm>/bench-{A,B}.json`` (the raw suites) and
``<results>/calibration/calibration-<arm>.json`` (per benchmark: ratio, interval,
covered; the summary), the previous summary kept in ``history/``. Standard library and
pyperf only, with the report's estimator and bootstrap (concepts.stats).

Exit status: 0 calibrated (coverage reached), 1 coverage below the target or the sweep
failed, 2 bad input, 3 wrong interpreter for the arm, 130 interrupted.
"""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from concepts.stats import (
    ESTIMATOR,
    MIN_CI_PROCESSES,
    bootstrap_ratio,
    process_value,
    relative_halfwidth,
)
from runners._cli import OneLineParser, UsageError
from runners.arms import ARMS
from runners.results import default_results_dir, publish

PROG = "python -m runners.calibrate"
PRECISION = 0.05
DEFAULT_COVERAGE = 0.90


def build_parser() -> OneLineParser:
    """The command-line parser (every unknown option goes to runners.bench)."""
    parser = OneLineParser(prog=PROG, description=__doc__, allow_abbrev=False)
    parser.add_argument("--arm", required=True, choices=sorted(ARMS), help="the arm measured twice")
    parser.add_argument("--results-dir", type=Path, default=default_results_dir(), metavar="DIR")
    parser.add_argument(
        "--want-coverage",
        type=float,
        default=DEFAULT_COVERAGE,
        metavar="FRACTION",
        help=f"pass when this share of the 95%% CIs covers 1.0 (default {DEFAULT_COVERAGE:g})",
    )
    parser.add_argument(
        "--from",
        dest="existing",
        type=Path,
        metavar="DIR",
        help="judge the bench-A.json / bench-B.json of an earlier calibration, measure nothing",
    )
    return parser


def _values(bench: Any) -> list[float]:
    return [process_value(run.values) for run in bench.get_runs() if run.values]


def judge(side_a: Path, side_b: Path) -> list[dict[str, Any]]:
    """Per benchmark of both files: B/A with its bootstrap interval, and whether it covers 1."""
    import pyperf

    suite_a = pyperf.BenchmarkSuite.load(str(side_a))
    suite_b = pyperf.BenchmarkSuite.load(str(side_b))
    rows = []
    for name in suite_a.get_benchmark_names():
        if name not in suite_b.get_benchmark_names():
            continue
        a, b = _values(suite_a.get_benchmark(name)), _values(suite_b.get_benchmark(name))
        ratio, low, high = bootstrap_ratio(b, a)
        enough = min(len(a), len(b)) >= MIN_CI_PROCESSES
        rows.append(
            {
                "benchmark": name,
                "processes": [len(a), len(b)],
                "ratio": ratio,
                "low": low,
                "high": high,
                "halfwidth": relative_halfwidth(ratio, low, high),
                "is_95_ci": enough,
                "covers_1": bool(low <= 1.0 <= high),
            }
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]], want: float) -> dict[str, Any]:
    """Coverage and precision over the benchmarks whose interval is a 95% CI."""
    judged = [row for row in rows if row["is_95_ci"]]
    covered = sum(row["covers_1"] for row in judged)
    precise = sum(row["halfwidth"] <= PRECISION for row in judged)
    halfwidths = sorted(row["halfwidth"] for row in judged)
    return {
        "benchmarks": len(rows),
        "judged": len(judged),
        "covered": covered,
        "coverage": covered / len(judged) if judged else 0.0,
        "within_5pct": precise,
        "median_halfwidth": halfwidths[len(halfwidths) // 2] if halfwidths else None,
        "want_coverage": want,
        "calibrated": bool(judged) and covered / len(judged) >= want,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.calibrate``."""
    parser = build_parser()
    try:
        options, bench_options = parser.parse_known_args(argv)
        if not 0 < options.want_coverage <= 1:
            raise UsageError(f"--want-coverage must be in (0, 1], got {options.want_coverage:g}")
        if options.existing is not None and not options.existing.is_dir():
            raise UsageError(f"--from: no such directory {options.existing}")
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    arm = options.arm
    base = options.results_dir.resolve() / "calibration"
    if options.existing is not None:
        run_dir = options.existing.resolve()
    else:
        stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        run_dir = base / f"{stamp}-{arm}"
        command = [
            sys.executable, "-m", "runners.bench", f"--arm={arm}@A", f"--arm={arm}@B",
            "--results-dir", str(run_dir), *bench_options,
        ]  # fmt: skip
        print(f"$ python -m runners.bench {' '.join(command[3:])}", flush=True)
        try:
            code = subprocess.call(command)
        except KeyboardInterrupt:
            return 130
        if code in (2, 3, 130):
            return code
        if code != 0:
            print(f"{PROG}: runners.bench exited {code}; judging what finished", file=sys.stderr)
    side_a, side_b = run_dir / "bench-A.json", run_dir / "bench-B.json"
    if not (side_a.exists() and side_b.exists()):
        print(f"{PROG}: error: no bench-A.json and bench-B.json in {run_dir}", file=sys.stderr)
        return 1
    rows = judge(side_a, side_b)
    summary = summarize(rows, options.want_coverage)
    document = {
        "schema": 1,
        "arm": arm,
        "run_dir": str(run_dir),
        "estimator": ESTIMATOR,
        "interval": "95% percentile bootstrap over processes, sides resampled independently",
        "summary": summary,
        "benchmarks": rows,
    }
    out = base / f"calibration-{arm}.json"
    kept = publish(out, json.dumps(document, indent=2) + "\n")
    missed = [row for row in rows if row["is_95_ci"] and not row["covers_1"]]
    print(
        f"A/A calibration on arm {arm}: {summary['covered']} of {summary['judged']} 95% CIs of"
        f" B/A cover 1.0 ({100 * summary['coverage']:.0f}%, want >="
        f" {100 * options.want_coverage:.0f}%); {summary['within_5pct']} within"
        f" +-{100 * PRECISION:g}%, median half-width"
        f" {100 * (summary['median_halfwidth'] or 0):.1f}%"
    )
    for row in missed:
        print(
            f"  not covered: {row['benchmark']} {row['ratio']:.3f}"
            f" [{row['low']:.3f}, {row['high']:.3f}]"
        )
    print(f"written: {out}" + (f" (previous kept as {kept})" if kept else ""))
    return 0 if summary["calibrated"] else 1


if __name__ == "__main__":
    sys.exit(main())
