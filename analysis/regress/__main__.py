"""Command line of the regression gate.

    python -m analysis.regress ab [--base-ref REF | --base-python gil=PATH,ft=PATH]
                                  [--head-python gil=PATH,ft=PATH] [--rounds N] [options]
    python -m analysis.regress [check] [--baseline FILE] [--python gil=PATH,ft=PATH]
    python -m analysis.regress baseline (--runs N | --from DIR ...) [--out FILE]
    python -m analysis.regress trial [--reps 10] [--slowdowns 10,15,25] [--rounds N] [--out FILE]
    python -m analysis.regress summarize TRIAL_LOG
    python -m analysis.regress rejudge [--pool K | --designs] REP_DIR ...
        (a trial's raw repetitions judged with this code; --designs compares designs)

``ab`` with no side given compares HEAD with its merge base on the default branch; the
interpreters default to the tox arm environments (``tox -e bench-gil,bench-ft
--notest``). The Markdown report goes to stdout (and $GITHUB_STEP_SUMMARY), progress to
stderr, the raw files to --results-dir, the metrics to results/history/metrics.jsonl.

Exit status: 0 pass, 1 regression, 2 inconclusive (the data cannot decide, a metric is
missing, the environment differs from the baseline's, or a calibration slowdown was
missed), 3 a measurement failed, 64 bad input or usage (not 2, which is inconclusive).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.load import LoadError
from analysis.regress import baseline as baselines
from analysis.regress import gate, history, trial
from analysis.regress.judge import (
    DEFAULT_TOLERANCE,
    EXIT_CODES,
    EXIT_MEASURE_FAILED,
    EXIT_USAGE,
    PASS,
)
from analysis.regress.measure import (
    GATE_ROUNDS,
    REPO,
    GateSweep,
    MeasureError,
    commit_of,
    default_base,
    default_pair,
    describe,
    parse_pair,
    sweep_args,
    worktree,
)
from analysis.regress.metrics import (
    ESTIMATORS,
    GATE_ARMS,
    METRICS,
    MIN_PROCESSES,
    Metric,
    change,
    select,
    side_of,
    value,
)
from analysis.regress.report import append_step_summary, render
from concepts.cli import OneLineParser, UsageError, at_least_one, positive_int
from concepts.files import exits_on_write_error

PROG = "python -m analysis.regress"
RESULTS = REPO / "results"


SLOWDOWNS = "10,15,25"
"""A trial's and a rejudging's slowdowns (percent) unless --slowdowns says otherwise."""


def _fraction(text: str) -> float:
    number = float(text.rstrip("%")) / (
        100 if text.endswith("%") or float(text.rstrip("%")) >= 1 else 1
    )
    if not 0 < number < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a fraction between 0 and 1 (or a percentage)"
        )
    return number


def _rounds(text: str) -> int:
    rounds = at_least_one(text, "--rounds")
    if rounds < MIN_PROCESSES:
        raise UsageError(
            f"--rounds: {rounds} rounds give {rounds} processes per cell; "
            f"the gate judges from {MIN_PROCESSES}"
        )
    return rounds


def _add_rounds(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rounds",
        type=_rounds,
        default=GATE_ROUNDS,
        metavar="N",
        help=f"interleaved rounds of one measurement, one process per side each (default "
        f"{GATE_ROUNDS}; fewer: quicker, with wider intervals that decide less)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tolerance",
        type=_fraction,
        default=DEFAULT_TOLERANCE,
        metavar="FRACTION",
        help=f"change that counts as a regression (default {DEFAULT_TOLERANCE:g})",
    )
    p.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="METRIC",
        help="also gate this reported-only metric",
    )
    p.add_argument(
        "--report-only",
        action="append",
        default=[],
        metavar="METRIC",
        help="report this metric without gating it",
    )
    p.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help="keep the raw files here (default: results/regress/<kind>-<time>/)",
    )
    p.add_argument(
        "--history",
        type=Path,
        default=history.history_path(RESULTS),
        metavar="FILE",
        help="append the metrics here (default: results/history/metrics.jsonl)",
    )
    p.add_argument("--no-history", action="store_true", help="do not record this run")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = OneLineParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    ab = sub.add_parser("ab", help="A/B: base and head measured in one interleaved sweep")
    ab.add_argument("--base-ref", metavar="REF", help="the base revision (a git worktree of it)")
    ab.add_argument("--base-python", metavar="gil=PATH,ft=PATH", help="the base's interpreter pair")
    ab.add_argument(
        "--head-python",
        metavar="gil=PATH,ft=PATH",
        help="the head's pair (default: the tox arm environments)",
    )
    ab.add_argument(
        "--inject-slowdown",
        metavar="BENCHMARK:FRACTION",
        help="calibration: slow this benchmark down on the head's ft side by FRACTION "
        "(a known slowdown the gate must catch; such a run is never recorded)",
    )
    _add_rounds(ab)
    _common(ab)
    check = sub.add_parser("check", help="this revision against the committed baseline")
    check.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="default: results/baselines/<this machine class>.json",
    )
    check.add_argument(
        "--python", metavar="gil=PATH,ft=PATH", help="default: the tox arm environments"
    )
    _common(check)
    base = sub.add_parser("baseline", help="make this machine class's baseline")
    base.add_argument("--runs", type=int, metavar="N", help="measure N times")
    base.add_argument(
        "--from",
        dest="sources",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="gate measurements made earlier (bench-gil[.base].json, bench-ft[.base].json)",
    )
    base.add_argument("--python", metavar="gil=PATH,ft=PATH")
    base.add_argument("--out", type=Path, metavar="FILE")
    tri = sub.add_parser("trial", help="repeat the gate: A/A and known ft slowdowns")
    tri.add_argument("--reps", type=int, default=10, metavar="N")
    tri.add_argument("--slowdowns", metavar="PCT,PCT,...", help=f"default: {SLOWDOWNS}")
    tri.add_argument("--benchmark", help=f"the one slowed down (default: {trial.TRIAL_BENCHMARK})")
    tri.add_argument("--python", metavar="gil=PATH,ft=PATH")
    tri.add_argument(
        "--tolerance",
        type=_fraction,
        metavar="FRACTION",
        help=f"default: {DEFAULT_TOLERANCE:g}",
    )
    _add_rounds(tri)
    tri.set_defaults(rounds=None)
    tri.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="default: results/baselines/trials/<machine class>-<time>.jsonl",
    )
    tri.add_argument(
        "--extend",
        type=Path,
        metavar="LOG",
        help="run --reps more repetitions of the trial in LOG with its design (rounds, "
        "benchmark, tolerance, slowdowns) and append them to LOG",
    )
    summ = sub.add_parser("summarize", help="the verdict counts of a trial log")
    summ.add_argument("log", type=Path)
    again = sub.add_parser("rejudge", help="judge a trial's raw repetitions with this code")
    again.add_argument("reps", nargs="+", type=Path, metavar="REP_DIR")
    again.add_argument("--slowdowns", default=SLOWDOWNS, metavar="PCT,PCT,...")
    again.add_argument("--tolerance", type=_fraction, default=DEFAULT_TOLERANCE, metavar="FRACTION")
    again.add_argument("--benchmark", default=trial.TRIAL_BENCHMARK, help="the one slowed down")
    again.add_argument(
        "--pool",
        type=positive_int("--pool"),
        default=1,
        metavar="K",
        help="judge each K consecutive repetitions as one, their processes pooled (what "
        "K times the rounds would decide)",
    )
    again.add_argument(
        "--estimator",
        choices=sorted(ESTIMATORS),
        default="unpaired",
        help="the change's estimator (default: unpaired, the gate's)",
    )
    again.add_argument(
        "--designs",
        action="store_true",
        help="compare the designs instead: every estimator at the trial's rounds and "
        "pooled to twice them, on the same repetitions",
    )
    return parser


def _stamp() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _metrics(args: argparse.Namespace) -> tuple[Metric, ...]:
    try:
        return select(getattr(args, "gate", []), getattr(args, "report_only", []))
    except ValueError as exc:
        raise UsageError(f"{exc} (known: {', '.join(m.name for m in METRICS)})") from None


def _pair(text: str | None, option: str) -> dict[str, str]:
    try:
        return parse_pair(text, option) if text else default_pair()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _workdir(args: argparse.Namespace, kind: str) -> Path:
    path: Path = args.results_dir or RESULTS / "regress" / f"{kind}-{_stamp()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _finish(
    args: argparse.Namespace,
    kind: str,
    comparison: gate.Comparison,
    lines: list[str],
    cells: gate.Cells,
    workdir: Path,
    session_side: dict[str, str],
) -> int:
    text = render(
        f"gilbench regression gate ({kind})",
        comparison.outcome,
        comparison.verdicts,
        args.tolerance,
        lines,
        comparison.notes,
    )
    print(text)
    append_step_summary(text)
    (workdir / "report.md").write_text(text, encoding="utf-8")
    if not args.no_history and not comparison.injected:
        env = baselines.environment(workdir / "measure-1", session_side)
        estimates = {m.name: value(m, cells, session_side) for m in METRICS}
        record = history.entry(
            kind,
            _stamp(),
            estimates,
            env["versions"],
            commit=history.gilbench_commit(),
            outcome=comparison.outcome,
        )
        history.append(args.history, record)
    return EXIT_CODES[comparison.outcome]


def cmd_ab(args: argparse.Namespace) -> int:
    """Base against head, one interleaved sweep."""
    metrics = _metrics(args)
    head_pair = _pair(args.head_python, "--head-python")
    base_pair = _pair(args.base_python, "--base-python") if args.base_python else dict(head_pair)
    ref = args.base_ref
    try:
        if ref is None and not args.base_python:
            ref = default_base()
        base_commit = commit_of(ref) if ref else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    inject = ""
    if args.inject_slowdown:
        name, sep, fraction = args.inject_slowdown.rpartition(":")
        if not sep or not name:
            raise UsageError(
                f"--inject-slowdown {args.inject_slowdown}: expected BENCHMARK:FRACTION"
            )
        inject = f"{name}@ft.head:{fraction}"
    sides = {f"{arm}.base": (arm, base_pair[arm]) for arm in GATE_ARMS}
    sides |= {f"{arm}.head": (arm, head_pair[arm]) for arm in GATE_ARMS}
    workdir = _workdir(args, "ab")
    lines = [
        f"base: {describe(base_pair)}" + (f" at {ref} ({base_commit[:12]})" if base_commit else ""),
        f"head: {describe(head_pair)}, this tree ({history.gilbench_commit()})",
        f"raw files: {workdir}",
    ]
    comparison = gate.Comparison(side_of("base"), side_of("head"))
    tol = args.tolerance

    def measure(trees: dict[str, Path]) -> gate.Cells:
        sweep = GateSweep(sides, trees, inject, sweep_args(args.rounds))
        return gate.run(sweep, {"ab": comparison}, metrics, change, lambda _m: tol, workdir)

    if base_commit:
        with worktree(base_commit) as tree:
            cells = measure({f"{arm}.base": tree for arm in GATE_ARMS})
    else:
        cells = measure({})
    return _finish(args, "ab", comparison, lines, cells, workdir, side_of("head"))


def cmd_check(args: argparse.Namespace) -> int:
    """This revision against the committed baseline."""
    metrics = _metrics(args)
    path = args.baseline or baselines.BASELINE_DIR / f"{baselines.machine_class()}.json"
    base = baselines.load(path)
    pair = _pair(args.python, "--python")
    workdir = _workdir(args, "check")
    comparison = gate.Comparison(side_of(""), side_of(""))
    sweep = GateSweep(
        {arm: (arm, pair[arm]) for arm in GATE_ARMS}, args=base.get("measure") or GateSweep.args
    )
    cells = gate.run(
        sweep,
        {"check": comparison},
        metrics,
        baselines.estimator(base),
        baselines.tolerance(base, args.tolerance),
        workdir,
    )
    differ = baselines.differences(base, baselines.environment(workdir / "measure-1", side_of("")))
    if differ:
        comparison.notes.append("environment differs from the baseline: " + "; ".join(differ))
        if comparison.outcome == PASS:
            comparison.outcome = "inconclusive"
    lines = [
        f"baseline: {path} ({base.get('runs')} runs, {base.get('created')})",
        f"interpreters: {describe(pair)}",
        f"raw files: {workdir}",
    ]
    return _finish(args, "check", comparison, lines, cells, workdir, side_of(""))


def _side_in(directory: Path) -> dict[str, str]:
    return side_of("" if (directory / "bench-gil.json").is_file() else "base")


def cmd_baseline(args: argparse.Namespace) -> int:
    """Make the baseline file of this machine class."""
    if bool(args.runs) == bool(args.sources):
        raise UsageError("give --runs N or --from DIR ...")
    directories: list[Path] = list(args.sources or [])
    if args.runs:
        pair = _pair(args.python, "--python")
        root = RESULTS / "regress" / f"baseline-{_stamp()}"
        for run in range(1, args.runs + 1):
            print(f"baseline: measurement {run}/{args.runs}", file=sys.stderr, flush=True)
            target = root / f"run-{run}"
            GateSweep({arm: (arm, pair[arm]) for arm in GATE_ARMS}).run(
                gate.GATE_BENCHMARKS, target
            )
            directories.append(target)
    side = _side_in(directories[0])
    data = baselines.build(directories, side, list(GateSweep.args))
    out = args.out or baselines.BASELINE_DIR / f"{data['machine_class']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    from concepts.files import publish

    publish(out, json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"baseline: wrote {out} ({len(directories)} measurements)")
    return 0


def _slowdowns(text: str) -> list[float]:
    try:
        slowdowns = [float(x) / 100 for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--slowdowns {text}: expected percentages, e.g. 10,15,25") from None
    if not slowdowns or any(not 0 < s < 1 for s in slowdowns):
        raise UsageError(f"--slowdowns {text}: every slowdown between 0 and 100%")
    return slowdowns


def _extended_design(args: argparse.Namespace) -> tuple[Path, str, list[float]]:
    """``--extend LOG``: fill in args from LOG's design; return (LOG, its text, slowdowns)."""
    given = [
        option
        for option, value in (
            ("--out", args.out),
            ("--slowdowns", args.slowdowns),
            ("--benchmark", args.benchmark),
            ("--tolerance", args.tolerance),
            ("--rounds", args.rounds),
        )
        if value is not None
    ]
    if given:
        raise UsageError(f"--extend takes the design from its log: drop {given[0]}")
    log: Path = args.extend
    try:
        headers, records = trial.read_sittings(log)
        text = log.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    design = headers[0]
    if "rounds" not in design:  # logs from before the header named them
        raise UsageError(f"{log}: its header does not name its rounds: start a new trial")
    if baselines.machine_class() != design.get("machine"):
        raise UsageError(
            f"{log}: a trial of {design.get('machine')}, this is {baselines.machine_class()}"
        )
    args.benchmark = design["benchmark"]
    args.tolerance = float(design["tolerance"])
    args.rounds = int(design["rounds"])
    slowdowns = [float(s) for s in design.get("slowdowns", trial.slowdowns_of(records))]
    return log, text if text.endswith("\n") else text + "\n", slowdowns


def cmd_trial(args: argparse.Namespace) -> int:
    """Repeat the gate and log every verdict."""
    if args.reps < 1:
        raise UsageError("--reps must be >= 1")
    earlier = ""
    if args.extend is not None:
        out, earlier, slowdowns = _extended_design(args)
    else:
        slowdowns = _slowdowns(args.slowdowns or SLOWDOWNS)
        args.benchmark = args.benchmark or trial.TRIAL_BENCHMARK
        args.tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
        args.rounds = args.rounds or GATE_ROUNDS
        out = (
            args.out
            or RESULTS / "baselines" / "trials" / f"{baselines.machine_class()}-{_stamp()}.jsonl"
        )
    pair = _pair(args.python, "--python")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = f"{PROG} {shlex.join(sys.argv[1:])}" if sys.argv[1:] else f"{PROG} trial"
    raw = RESULTS / "regress" / f"trial-{_stamp()}"
    records = trial.run_trial(
        pair,
        args.reps,
        slowdowns,
        args.benchmark,
        _metrics(args),
        args.tolerance,
        out,
        command,
        raw,
        args.rounds,
        earlier,
    )
    if earlier:
        records = trial.read(out)[1]  # every sitting's repetitions
    print(trial.render_summary(records))
    print(f"\n{trial.render_spread(records)}")
    print(f"\n{trial.render_coverage(records, args.benchmark)}")
    print(f"trial: wrote {out}")
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    """Print a trial log's verdict counts."""
    try:
        headers, records = trial.read_sittings(args.log)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    for header in headers:
        print(f"{header.get('command')} on {header.get('machine')} at {header.get('commit')}")
    header = headers[0]
    print(trial.render_summary(records))
    spread = trial.render_spread(records)
    if spread:
        print(f"\n{spread}")
    coverage = trial.render_coverage(records, str(header.get("benchmark", "")))
    if coverage:
        print(f"\n{coverage}")
    return 0


def cmd_rejudge(args: argparse.Namespace) -> int:
    """Judge raw trial repetitions again and print the counts."""
    missing = [str(rep) for rep in args.reps if not (rep / "measure-1").is_dir()]
    if missing:
        raise UsageError(f"{missing[0]}: not a trial repetition (no measure-1/)")
    if args.designs:
        slowdowns = _slowdowns(args.slowdowns)
        print(trial.render_designs(args.reps, slowdowns, args.tolerance, args.benchmark))
        return 0
    if args.pool > len(args.reps):
        raise UsageError(f"--pool {args.pool}: only {len(args.reps)} repetition(s) given")
    records = trial.rejudge(
        args.reps,
        _slowdowns(args.slowdowns),
        args.tolerance,
        args.pool,
        ESTIMATORS[args.estimator],
    )
    for source in dict.fromkeys(r["source"] for r in records):
        line = ", ".join(
            f"{r['condition']}: {r['outcome']}" for r in records if r["source"] == source
        )
        print(f"[{source}] {line}")
    print(trial.render_summary(records))
    print(f"\n{trial.render_spread(records)}")
    print(f"\n{trial.render_coverage(records, args.benchmark)}")
    return 0


COMMANDS = {
    "ab": cmd_ab,
    "check": cmd_check,
    "baseline": cmd_baseline,
    "trial": cmd_trial,
    "summarize": cmd_summarize,
    "rejudge": cmd_rejudge,
}


@exits_on_write_error(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["check", *argv]
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, LoadError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MeasureError as exc:
        print(f"{PROG}: error: measurement failed: {exc}", file=sys.stderr)
        return EXIT_MEASURE_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
