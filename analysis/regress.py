"""Regression gate: compare a run's within-run ratios with a committed baseline.

    python -m analysis.regress [check] [--measure] [--results DIR] [--baseline FILE] [options]
    python -m analysis.regress measure --results-dir DIR [--baseline FILE] [--python ARM=PATH]
    python -m analysis.regress baseline --runs 5 [--out FILE] [--python ARM=PATH]
    python -m analysis.regress baseline --from DIR DIR ... [--out FILE]

``check`` (the default) judges the ratios of a result set (ft/gil per benchmark at 1
thread, speedup t(1)/t(2) per arm, locked/unlocked increment per arm and thread count)
against the baseline of this machine class (``results/baselines/<os>-<arch>-<N>cpu.json``).
Tolerance per metric = max(--fixed-tolerance, --spread-factor x the baseline's spread);
a regression needs the whole bootstrap confidence interval beyond it, and is re-measured
(just the benchmarks involved, via ``runners.bench`` on the interpreters the results
recorded or ``--python``) before the verdict. The Markdown table goes to stdout and is
appended to $GITHUB_STEP_SUMMARY when that is set; progress goes to stderr.

``measure`` runs the gate's subset of benchmarks once per arm (the filter and runner
options of the baseline, or the defaults below); ``baseline`` takes N such runs (or reads
N existing result directories) and writes the baseline file.

Exit status: 0 pass, 1 regression, 2 inconclusive (unstable data, an environment that
differs from the baseline -- the fields are named --, a missing metric, no baseline for
this machine class, or a test-only injected slowdown that did not fail), 3 a measurement
failed (measure / baseline), 64 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from analysis._regress_baseline import (
    Baseline,
    BaselineError,
    build_baseline,
    load_baseline,
    machine_class,
)
from analysis._regress_data import Key, ResultsError, ResultSet, load_results, ordered_arms
from analysis._regress_gate import (
    EXIT_CODES,
    EXIT_INCONCLUSIVE,
    EXIT_USAGE,
    GateSettings,
    run_gate,
)
from analysis._regress_measure import (
    ArmRun,
    MeasureError,
    PythonOptionError,
    bench_filter,
    exact_filter,
    measure,
    parse_python_options,
    resolve_python,
    run_arms,
)
from analysis._regress_metrics import Statistic
from analysis._regress_report import append_step_summary, render_markdown

PROG = "python -m analysis.regress"
EXIT_MEASURE_FAILED = 3
BASELINE_DIR = Path("results/baselines")

GATE_BENCHMARKS = (
    "increment-per-thread",
    "locked-increment-lock-fine",
    "locked-increment-rlock-fine",
    "cpu-control-sum-squares",
)
"""The gate's subset: the unlocked op, Lock and RLock around it, and the scaling control."""
GATE_ARMS = ("gil", "ft")
GATE_BENCH_ARGS = (
    "--threads", "1,2", "-p", "2", "-n", "3", "-w", "1", "--loops", "1", "--target-ci", "0",
    "--rounds", "1",
)  # fmt: skip
GATE_ROUNDS = 4
"""A gate measurement: 4 interleaved rounds (see _regress_measure.measure) of runners.bench
with 2 processes of 3 one-loop values per benchmark, so 8 processes per benchmark (the
bootstrap resamples processes, so processes matter more than values), and no adaptive
extra processes (--target-ci 0, one runners.bench round per gate round) so that a gate
run takes a predictable time."""


class UsageError(Exception):
    """Bad options: one line on stderr, exit 64."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _add_measure_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="ARM=PATH",
        help="interpreter (with pyperf) for an arm, e.g. gil=.tox/bench-gil/bin/python; "
        "ft-gil defaults to ft's (default: the one the results recorded, then "
        "$GILBENCH_PYTHON_GIL / $GILBENCH_PYTHON_FT)",
    )
    parser.add_argument(
        "--bench-args",
        metavar="ARGS",
        help="runners.bench / pyperf options for measurements, one string written with "
        '"=" since it starts with a dash: --bench-args="-p 8 --threads 1,2" '
        f"(default: the baseline's, else {shlex.join(GATE_BENCH_ARGS)!r})",
    )
    parser.add_argument(
        "--rounds",
        type=_positive_int,
        metavar="N",
        help=f"interleaved rounds per measurement (default: the baseline's, else {GATE_ROUNDS})",
    )
    parser.add_argument(
        "--timeout", type=_positive_float, default=900.0, metavar="S", help="per arm run"
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (subcommands check, measure, baseline)."""
    parser = _Parser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="gate a result set against a baseline (default)")
    check.add_argument(
        "--results",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="result directory (its bench-*.json) or files (default: results, or "
        "results/gate with --measure)",
    )
    check.add_argument(
        "--measure",
        action="store_true",
        help="first measure the baseline's subset (as the measure command) into the "
        "--results directory, then gate it: the whole CI step in one command",
    )
    check.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help=f"baseline file (default: {BASELINE_DIR}/<machine class>.json)",
    )
    tol = check.add_argument_group("tolerances and statistics")
    tol.add_argument(
        "--fixed-tolerance",
        type=_fraction,
        default=0.10,
        metavar="F",
        help="the fixed part of the tolerance, a fraction (default 0.10)",
    )
    tol.add_argument(
        "--spread-factor",
        type=float,
        default=3.0,
        metavar="K",
        help="tolerance = max(fixed, K x baseline spread) (default 3)",
    )
    tol.add_argument(
        "--max-ci-factor",
        type=_positive_float,
        default=2.0,
        metavar="K",
        help="a CI wider than K x tolerance is inconclusive (default 2)",
    )
    tol.add_argument(
        "--n-boot",
        type=_positive_int,
        default=2000,
        metavar="N",
        help="bootstrap resamples (default 2000)",
    )
    tol.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    tol.add_argument(
        "--confidence",
        type=_fraction,
        default=0.95,
        metavar="P",
        help="confidence level of the interval (default 0.95)",
    )
    tol.add_argument(
        "--match-version",
        choices=("minor", "micro"),
        default="minor",
        help="how much of the Python version must match the baseline "
        "(default minor: 3.13.x matches 3.13.y)",
    )
    tol.add_argument(
        "--max-load-factor",
        type=float,
        default=1.0,
        metavar="K",
        help="a run whose median 1-minute load average exceeds K x cpu count was measured "
        "on a busy machine: its regressions become inconclusive (default 1; 0: off)",
    )
    tol.add_argument(
        "--min-processes",
        type=_positive_int,
        default=3,
        metavar="N",
        help="fewer undisturbed processes than N on either side of a ratio is "
        "inconclusive (default 3)",
    )
    tol.add_argument(
        "--allow-missing",
        action="store_true",
        help="a baseline metric missing from the run is reported, not inconclusive",
    )
    check.add_argument(
        "--no-remeasure",
        action="store_true",
        help="judge the given results only (no re-run of flagged metrics)",
    )
    check.add_argument(
        "--remeasure-dir",
        type=Path,
        metavar="DIR",
        help="keep re-measured results here (default: a temporary directory)",
    )
    check.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the Markdown report to FILE"
    )
    _add_measure_options(check)

    measure = sub.add_parser("measure", help="run the gate's benchmarks once per arm")
    measure.add_argument("--results-dir", type=Path, required=True, metavar="DIR")
    measure.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="take the filter, arms and runner options from this baseline",
    )
    measure.add_argument(
        "--arms",
        default=",".join(GATE_ARMS),
        metavar="A,B",
        help=f"arms to run, in order (default {','.join(GATE_ARMS)})",
    )
    measure.add_argument(
        "--filter",
        metavar="REGEX",
        help="runners.bench --filter (default: the baseline's, else the gate subset)",
    )
    _add_measure_options(measure)

    base = sub.add_parser("baseline", help="write a baseline from N repeated runs")
    source = base.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--runs",
        type=_positive_int,
        metavar="N",
        help="measure N times now (each run: every arm, the gate subset)",
    )
    source.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="existing result directories, one per repeated run",
    )
    base.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help=f"baseline file (default {BASELINE_DIR}/<machine class>.json)",
    )
    base.add_argument(
        "--work-dir",
        type=Path,
        metavar="DIR",
        help="where --runs puts its result sets (default results/regress/)",
    )
    base.add_argument("--arms", default=",".join(GATE_ARMS), metavar="A,B")
    base.add_argument(
        "--filter", metavar="REGEX", help="runners.bench --filter (default: the gate subset)"
    )
    base.add_argument("--match-version", choices=("minor", "micro"), default="minor")
    base.add_argument(
        "--statistic",
        default="min:0.5:0.3",
        metavar="[paired:]PER_PROCESS:Q[:TRIM]",
        help="how a benchmark's processes become one number: per-process min or mean; "
        "processes slower than (1 + TRIM) x the fastest dropped as disturbed; then the "
        "quantile Q over the rest (default min:0.5:0.3; mean:0.5 is the plain median of "
        "means; paired: the quantile of ratios of processes of the same round); the gate "
        "uses the baseline's",
    )
    base.add_argument(
        "--allow-busy",
        action="store_true",
        help="accept runs measured while the load average exceeded the cpu count",
    )
    _add_measure_options(base)
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _bench_args(option: str | None, baseline: Baseline | None) -> list[str]:
    if option is not None:
        return shlex.split(option)
    if baseline is not None and baseline.measure.get("bench_args"):
        return [str(a) for a in baseline.measure["bench_args"]]
    return list(GATE_BENCH_ARGS)


def _arms(text: str) -> list[str]:
    from concepts.arms import ARMS

    arms = [a.strip() for a in text.split(",") if a.strip()]
    unknown = [a for a in arms if a not in ARMS]
    if unknown or not arms:
        raise UsageError(f"--arms: unknown arm(s) {', '.join(unknown) or '(none)'}")
    return arms


def _rounds(option: int | None, baseline: Baseline | None) -> int:
    if option is not None:
        return option
    if baseline is not None:
        return int(baseline.measure.get("rounds", 1))  # older baselines: one round
    return GATE_ROUNDS


def _measure_once(
    out_dir: Path,
    arms: Sequence[str],
    explicit: dict[str, str],
    filter_regex: str,
    bench_args: Sequence[str],
    rounds: int,
    timeout: float,
) -> None:
    pythons = {arm: resolve_python(arm, explicit) for arm in arms}
    run_arms(
        out_dir,
        pythons,
        filter_regex=filter_regex,
        bench_args=bench_args,
        rounds=rounds,
        timeout=timeout,
    )


def cmd_check(args: argparse.Namespace) -> int:
    """Gate a result set; print and return the verdict's exit status."""
    if args.measure:
        args.results = args.results or [Path("results/gate")]
        if len(args.results) != 1 or args.results[0].is_file():
            raise UsageError("--measure needs one --results directory to measure into")
        measure_args = argparse.Namespace(
            results_dir=args.results[0],
            baseline=args.baseline,
            arms=",".join(GATE_ARMS),
            filter=None,
            python=args.python,
            bench_args=args.bench_args,
            rounds=args.rounds,
            timeout=args.timeout,
        )
        cmd_measure(measure_args)
    results = load_results(args.results or [Path("results")])
    baseline_path = args.baseline
    if baseline_path is None:
        baseline_path = BASELINE_DIR / f"{machine_class(results.env.cpu_count)}.json"
        if not baseline_path.exists():
            markdown = (
                f"## gilbench regression gate: INCONCLUSIVE (exit {EXIT_INCONCLUSIVE})\n\n"
                f"No baseline for machine class `{baseline_path.stem}` ({baseline_path} is "
                f"missing). Create one on this kind of machine with "
                f"`{PROG} baseline --runs 5` and commit it.\n"
            )
            print(markdown, end="")
            append_step_summary(markdown)
            return EXIT_INCONCLUSIVE
    baseline = load_baseline(baseline_path)
    settings = GateSettings(
        fixed_tolerance=args.fixed_tolerance,
        spread_factor=args.spread_factor,
        max_ci_factor=args.max_ci_factor,
        n_boot=args.n_boot,
        seed=args.seed,
        confidence=args.confidence,
        version_level=args.match_version,
        allow_missing=args.allow_missing,
        max_load_factor=args.max_load_factor,
        min_processes=args.min_processes,
    )
    explicit = parse_python_options(args.python)
    bench_args = _bench_args(args.bench_args, baseline)

    def remeasure(keys: set[Key]) -> ResultSet:
        recorded = {arm: env.python_executable for arm, env in results.env.arms.items()}
        arms = ordered_arms(k[0] for k in keys)
        pythons = {arm: resolve_python(arm, explicit, recorded) for arm in arms}
        target = args.remeasure_dir or Path(tempfile.mkdtemp(prefix="gilbench-remeasure-"))
        print(f"regress: re-measuring {len(keys)} benchmarks into {target}", file=sys.stderr)
        jobs = []
        for arm, python in pythons.items():
            mine = sorted(k for k in keys if k[0] == arm)
            threads = ",".join(str(n) for n in sorted({k[2] for k in mine}))
            regex = exact_filter(f"{k[1]}-t{k[2]}" for k in mine)
            jobs.append(ArmRun(arm, python, regex, tuple(_with_threads(bench_args, threads))))
        measure(target, jobs, rounds=_rounds(args.rounds, baseline), timeout=args.timeout)
        try:
            return load_results([target])
        except ResultsError as exc:
            raise MeasureError(str(exc)) from None

    report = run_gate(
        baseline,
        results,
        settings,
        remeasure=None if args.no_remeasure else remeasure,
        baseline_source=str(baseline_path),
    )
    markdown = render_markdown(report)
    print(markdown, end="")
    append_step_summary(markdown)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown, encoding="utf-8")
    return EXIT_CODES[report.verdict]


def _with_threads(bench_args: Sequence[str], threads: str) -> list[str]:
    """``bench_args`` with its --threads replaced by ``threads`` (the ones re-measured)."""
    out: list[str] = []
    skip = False
    for arg in bench_args:
        if skip:
            skip = False
            continue
        if arg == "--threads":
            skip = True
            continue
        if arg.startswith("--threads="):
            continue
        out.append(arg)
    return [*out, "--threads", threads]


def _gate_filter() -> str:
    return bench_filter(GATE_BENCHMARKS)


def cmd_measure(args: argparse.Namespace) -> int:
    """Run the gate's subset once per arm into --results-dir."""
    baseline_path = args.baseline
    if baseline_path is None:
        # This machine's committed baseline, when there is one: measure as it was measured.
        candidate = BASELINE_DIR / f"{machine_class(os.cpu_count())}.json"
        baseline_path = candidate if candidate.exists() else None
    baseline = load_baseline(baseline_path) if baseline_path else None
    if baseline_path:
        print(f"regress: measuring as {baseline_path} was measured", file=sys.stderr)
    arms = _arms(args.arms)
    if baseline is not None and args.arms == ",".join(GATE_ARMS):
        arms = list(baseline.measure.get("arms", arms))
    regex = args.filter or (baseline.measure.get("filter") if baseline else None) or _gate_filter()
    start = time.monotonic()
    _measure_once(
        args.results_dir,
        arms,
        parse_python_options(args.python),
        regex,
        _bench_args(args.bench_args, baseline),
        _rounds(args.rounds, baseline),
        args.timeout,
    )
    print(
        f"regress: measured arms {', '.join(arms)} into {args.results_dir} "
        f"in {time.monotonic() - start:.0f} s",
        file=sys.stderr,
    )
    return 0


def _statistic(text: str) -> Statistic:
    paired = text.startswith("paired:")
    per_process, _, rest = text.removeprefix("paired:").partition(":")
    quantile, _, trim = rest.partition(":")
    try:
        return Statistic(per_process, float(quantile or 0.5), float(trim or 0), paired)
    except ValueError:
        raise UsageError(
            f"--statistic {text!r}: expected [paired:]min:Q[:TRIM] or [paired:]mean:Q[:TRIM] "
            "with 0 < Q < 1 and TRIM >= 0"
        ) from None


def cmd_baseline(args: argparse.Namespace) -> int:
    """Build a baseline from N repeated runs (measured now, or existing directories)."""
    arms = _arms(args.arms)
    regex = args.filter or _gate_filter()
    bench_args = _bench_args(args.bench_args, None)
    rounds = _rounds(args.rounds, None)
    sources: list[Path]
    if args.runs is not None:
        if args.runs < 2:
            raise UsageError("--runs: a baseline needs at least 2 runs (5 recommended)")
        stamp = time.strftime("%Y%m%dT%H%M%S")
        work = args.work_dir or Path("results/regress") / f"baseline-{stamp}"
        explicit = parse_python_options(args.python)
        sources = []
        for index in range(1, args.runs + 1):
            target = work / f"run-{index}"
            print(f"regress: baseline run {index} of {args.runs} -> {target}", file=sys.stderr)
            _measure_once(target, arms, explicit, regex, bench_args, rounds, args.timeout)
            sources.append(target)
    else:
        sources = args.sources
    sets = [load_results([path]) for path in sources]
    how: dict[str, Any] = {
        "arms": arms,
        "filter": regex,
        "bench_args": bench_args,
        "rounds": rounds,
    }
    baseline = build_baseline(
        sets,
        measure=how,
        version_level=args.match_version,
        max_load_factor=0.0 if args.allow_busy else 1.0,
        statistic=_statistic(args.statistic),
    )
    out = args.out or BASELINE_DIR / f"{baseline.machine_class}.json"
    baseline.dump(out)
    print(
        f"regress: baseline of {len(baseline.metrics)} metrics from {len(sets)} runs "
        f"written to {out}"
    )
    for name, metric in baseline.metrics.items():
        print(f"  {name}: {metric.value:.3f} (spread {metric.spread * 100:.1f}%)")
    return 0


COMMANDS = {"check": cmd_check, "measure": cmd_measure, "baseline": cmd_baseline}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.regress``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["check", *argv]
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ResultsError, BaselineError, PythonOptionError) as exc:
        return _fail(str(exc))
    except MeasureError as exc:
        return _fail(f"measurement failed: {exc}", EXIT_MEASURE_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
