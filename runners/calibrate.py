"""Calibration of the main job's intervals: one interpreter as both sides, and known slowdowns.

    python -m runners.calibrate --arm gil [--inject] [--results-dir results]
        [runners.bench options]

Runs ``runners.bench`` exactly as the main job does (interleaved rounds, the same
default matrix, process shapes, estimator, budget and second stage), except that the
sides are one arm on one interpreter: ``--arm gil@A --arm gil@B``. Every ratio B/A is
then 1 in truth. Honest intervals pass two checks, and the calibration passes only
when both hold:

- the 95% intervals cover 1.0 for between 90% and 99% of the benchmarks (below: too
  narrow; above: too wide to be of use);
- the 50% intervals cover 1.0 for between 40% and 60% of them (the 95% coverage
  alone cannot see intervals that are too wide; the 50% coverage can).

It also prints the median interval half-width and how many intervals are within the
main job's targets.

``--inject`` adds two sides whose every benchmark is slowed by a known factor
(runners.inject): ``P``, every value of every process 10% slower (a proportional
spin); ``H``, about half of the processes (those with an odd process id) 21% slower,
the rest untouched, so that the geometric mean moves by sqrt(1.21) = 1.10. It reports
how often the 95% interval of P/A and of H/A contains its true factor; at least 90%
must.

Writes ``<results>/calibration/<stamp>-<arm>/bench-<side>.json`` (the raw suites) and
``<results>/calibration/calibration-<arm>.json`` (per benchmark and comparison: ratio,
intervals, truth, covered; the checks), the previous summary kept in ``history/``.
Standard library and pyperf only, with the main job's estimator (concepts.stats).

Exit status: 0 calibrated (every check passed), 1 a check failed or the sweep failed,
2 bad input, 3 wrong interpreter for the arm, 130 interrupted.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concepts import stats
from concepts.arms import ARMS
from concepts.cli import OneLineParser, UsageError
from concepts.files import default_results_dir, exits_on_write_error, publish
from runners import inject

PROG = "python -m runners.calibrate"
COVER95 = (0.90, 0.99)
COVER50 = (0.40, 0.60)
INJECTED = {"P": ("every", 0.10), "H": ("half", 0.21)}
"""The injected sides: (scope, per-process extra fraction)."""


def truth(side: str) -> float:
    """The true ratio of ``side`` over A: 1 for B, the geometric effect of an injection."""
    if side not in INJECTED:
        return 1.0
    scope, fraction = INJECTED[side]
    return 1.0 + fraction if scope == "every" else math.sqrt(1.0 + fraction)


def build_parser() -> OneLineParser:
    """The command-line parser (every unknown option goes to runners.bench)."""
    parser = OneLineParser(prog=PROG, description=__doc__, allow_abbrev=False)
    parser.add_argument("--arm", required=True, choices=sorted(ARMS), help="the arm measured")
    parser.add_argument(
        "--inject",
        action="store_true",
        help="add sides P (every value 10%% slower) and H (half of the processes 21%% slower)"
        " and check that the intervals contain their true factors",
    )
    parser.add_argument("--results-dir", type=Path, default=default_results_dir(), metavar="DIR")
    parser.add_argument(
        "--from",
        dest="existing",
        type=Path,
        metavar="DIR",
        help=(
            "judge the bench-<side>.json files of an earlier calibration (or a design"
            " study's bench-<arm>A/B.json, gzipped or not), measure nothing"
        ),
    )
    return parser


@dataclass(frozen=True)
class Judged:
    """One benchmark's ratio of one side over A, with its 95% and 50% intervals."""

    benchmark: str
    side: str
    kind: str
    processes: tuple[int, int]
    ratio: float
    low95: float
    high95: float
    low50: float
    high50: float
    truth: float

    @property
    def covered95(self) -> bool:
        return self.low95 <= self.truth <= self.high95

    @property
    def covered50(self) -> bool:
        return self.low50 <= self.truth <= self.high50

    @property
    def halfwidth(self) -> float:
        return stats.relative_halfwidth(self.ratio, self.low95, self.high95)

    def as_dict(self) -> dict[str, Any]:
        record = {k: v for k, v in vars(self).items() if k != "processes"}
        record["processes"] = list(self.processes)
        record.update(covered95=self.covered95, covered50=self.covered50)
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in record.items()}


def _processes(bench: Any, kind: str) -> list[float]:
    return [stats.process_statistic(run.values, kind) for run in bench.get_runs() if run.values]


def side_file(directory: Path, side: str, arm: str) -> Path | None:
    """The suite of ``side`` in ``directory``: ``bench-<side>.json``, or as the design
    study names its sides ``bench-<arm><side>.json``; either may be gzipped."""
    for name in (f"bench-{side}.json", f"bench-{arm}{side}.json"):
        for path in (directory / name, directory / f"{name}.gz"):
            if path.is_file():
                return path
    return None


def judge(directory: Path, sides: Sequence[str], arm: str = "") -> list[Judged]:
    """Every benchmark of side A against each of ``sides`` (files in ``directory``)."""
    import pyperf

    def load(side: str) -> Any:
        path = side_file(directory, side, arm)
        if path is None:
            raise FileNotFoundError(f"no bench-{side}.json in {directory}")
        return pyperf.BenchmarkSuite.load(str(path))

    reference = load("A")
    rows = []
    for side in sides:
        other = load(side)
        names = set(other.get_benchmark_names())
        for bench_a in reference.get_benchmarks():
            name = bench_a.get_name()
            if name not in names:
                continue
            metadata = bench_a.get_metadata()
            kind = stats.row_kind(int(metadata["threads"]), int(metadata.get("helper_threads", 0)))
            a = _processes(bench_a, kind)
            b = _processes(other.get_benchmark(name), kind)
            if min(len(a), len(b)) < stats.MIN_CI_PROCESSES:
                continue
            ratio, low95, high95 = stats.ratio_interval(b, a, 0.95)
            _, low50, high50 = stats.ratio_interval(b, a, 0.50)
            rows.append(
                Judged(
                    name,
                    side,
                    kind,
                    (len(a), len(b)),
                    ratio,
                    low95,
                    high95,
                    low50,
                    high50,
                    truth(side),
                )
            )
    return rows


@dataclass(frozen=True)
class Check:
    """One calibration check: what was measured, what it must be, whether it is."""

    name: str
    value: float
    low: float
    high: float
    count: str

    @property
    def passed(self) -> bool:
        return self.low <= self.value <= self.high

    def line(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return (
            f"  {self.name}: {100 * self.value:.1f}% ({self.count}; must be"
            f" {100 * self.low:g}-{100 * self.high:g}%) {verdict}"
        )


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else math.nan


def checks(rows: Sequence[Judged]) -> list[Check]:
    """The calibration's checks: A/A coverage at 95% and at 50%; injected factors covered."""
    found = []
    aa = [row for row in rows if row.side == "B"]
    if aa:
        covered = sum(row.covered95 for row in aa)
        found.append(
            Check(
                "A/A 95% intervals covering 1.0",
                covered / len(aa),
                *COVER95,
                f"{covered} of {len(aa)}",
            )
        )
        covered = sum(row.covered50 for row in aa)
        found.append(
            Check(
                "A/A 50% intervals covering 1.0",
                covered / len(aa),
                *COVER50,
                f"{covered} of {len(aa)}",
            )
        )
    for side in INJECTED:
        slowed = [row for row in rows if row.side == side]
        if slowed:
            covered = sum(row.covered95 for row in slowed)
            found.append(
                Check(
                    f"{side}: 95% intervals containing the true factor {truth(side):.3f}",
                    covered / len(slowed),
                    0.90,
                    1.0,
                    f"{covered} of {len(slowed)}",
                )
            )
    return found


def summary_lines(rows: Sequence[Judged], found: Sequence[Check]) -> list[str]:
    """What the calibration prints: per comparison, precision and spread; the checks."""
    lines = []
    for side in ("B", *INJECTED):
        chosen = [row for row in rows if row.side == side]
        if not chosen:
            continue
        widths = sorted(row.halfwidth for row in chosen)
        within = sum(row.halfwidth <= stats.TARGETS[row.kind] for row in chosen)
        lines.append(
            f"{side}/A ({len(chosen)} benchmarks, truth {truth(side):.3f}): median 95% CI"
            f" half-width {100 * stats.quantile(widths, 0.5):.1f}%, {within} within the main"
            f" job's targets"
        )
    lines += [check.line() for check in found]
    for row in rows:
        if not row.covered95:
            lines.append(
                f"  not covered: {row.side}/A {row.benchmark} {row.ratio:.3f}"
                f" [{row.low95:.3f}, {row.high95:.3f}] (truth {row.truth:.3f})"
            )
    return lines


def _measure(arm: str, run_dir: Path, sides: Sequence[str], bench_options: list[str]) -> int:
    command = [sys.executable, "-m", "runners.bench"]
    command += [f"--arm={arm}@{side}" for side in sides]
    command += ["--results-dir", str(run_dir), *bench_options]
    env = dict(os.environ)
    injected = [f"*@{side}:{fraction:g}:{scope}" for side, (scope, fraction) in INJECTED.items()]
    if any(side in INJECTED for side in sides):
        env[inject.ENV_VAR] = ",".join(injected)
    print(f"$ python -m runners.bench {' '.join(command[3:])}", flush=True)
    if inject.ENV_VAR in env:
        print(f"  with {inject.ENV_VAR}={env[inject.ENV_VAR]}", flush=True)
    return subprocess.call(command, env=env)


@exits_on_write_error(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.calibrate``."""
    parser = build_parser()
    try:
        options, bench_options = parser.parse_known_args(argv)
        if options.existing is not None and not options.existing.is_dir():
            raise UsageError(f"--from: no such directory {options.existing}")
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    arm = options.arm
    sides = ["A", "B", *(INJECTED if options.inject else ())]
    base = options.results_dir.resolve() / "calibration"
    if options.existing is not None:
        run_dir = options.existing.resolve()
        sides = [s for s in ("A", "B", *INJECTED) if side_file(run_dir, s, arm)]
    else:
        stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        run_dir = base / f"{stamp}-{arm}"
        try:
            code = _measure(arm, run_dir, sides, bench_options)
        except KeyboardInterrupt:
            return 130
        if code in (2, 3, 130):
            return code
        if code != 0:
            print(f"{PROG}: runners.bench exited {code}; judging what finished", file=sys.stderr)
    missing = [s for s in sides if not side_file(run_dir, s, arm)]
    if "A" not in sides or missing or len(sides) < 2:
        print(f"{PROG}: error: no bench-A.json and bench-B.json in {run_dir}", file=sys.stderr)
        return 1
    rows = judge(run_dir, [s for s in sides if s != "A"], arm)
    found = checks(rows)
    calibrated = bool(found) and all(check.passed for check in found)
    document = {
        "schema": 2,
        "arm": arm,
        "run_dir": str(run_dir),
        "estimator": stats.ESTIMATOR,
        "checks": [vars(check) | {"passed": check.passed} for check in found],
        "calibrated": calibrated,
        "benchmarks": [row.as_dict() for row in rows],
    }
    out = base / f"calibration-{arm}.json"
    kept = publish(out, json.dumps(document, indent=2) + "\n")
    print(f"calibration on arm {arm} ({', '.join(sides)}): {'passed' if calibrated else 'FAILED'}")
    for line in summary_lines(rows, found):
        print(line)
    print(f"written: {out}" + (f" (previous kept as {kept})" if kept else ""))
    return 0 if calibrated else 1


if __name__ == "__main__":
    sys.exit(main())
