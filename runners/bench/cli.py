"""Run gilbench's benchmarks on one or more arms; write ``results/bench-<arm>.json`` each.

    python -m runners.bench --arm ft [--arm gil=PYTHON ...] [--threads 1,2,4]
        [--oversubscribe] [--filter REGEX] [--list] [--quick] [--results-dir results]
        [--timeout S] [--budget MINUTES] [--rounds N] [--max-rounds N]
        [--target-ci PCT[,PCT]] [pyperf options]

A benchmark is one workload at one thread count, named ``family-variant-tN``. With
several ``--arm`` options the arms are measured in one interleaved sweep: each
benchmark runs in rounds, and in every round each arm runs one pyperf master on its
own interpreter (``NAME=PYTHON``; a bare ``NAME`` is this interpreter) with its own
PYTHON_GIL, the arms' order alternating between rounds (runners.bench.rounds). Every
result file records the sweep's ``session``. A benchmark that hangs (deadlock) is killed
with its workers after ``--timeout`` seconds and the sweep goes on. Options this command
does not know (``--fast``, ``-p N``, ``-n N``, ``--affinity``, ``-v``...) go to pyperf;
``-p`` is the processes per arm per round.

Default matrix: every workload at 1 thread, at the usable CPU count and at the powers
of two between; ``--oversubscribe`` adds the powers of two above the CPU count (up to
twice it), ``--threads`` asks for any counts.

Default mode, in two stages (runners.bench.rounds). First, every benchmark gets 2
rounds of 2 worker processes per arm, each process 1 warmup and 40 values of >= 4 ms.
A row where one thread runs alone is summarised by each process's fastest value, a row
where threads share the cores by each process's mean (concepts.stats, chosen on this
machine's noise: docs/precision-2core.md).
Then the rest of the ``--budget`` (default: 25 minutes for both arms of the 2-core
default matrix, scaled to the matrix and the arms) goes, a round at a time, to the
comparisons whose 95% CI is still wider than its target (ratios to the first arm:
+-5% at 1 thread, +-10% otherwise; each arm's speedup t(1)/t(cores): +-10%), where the
fewest predicted seconds bring one within target; at most ``--max-rounds`` per
benchmark. The end of the sweep says how many comparisons met their target, and why
each other did not. ``--quick``: threads 1 and 2, one round of one process of 1 warmup
+ 3 values of one run: a smoke test.

Every arm's interpreter must match the arm before anything runs (``runners.identity``,
exit 3); every run's recorded GIL state (after imports and after the timed region) must
match too, or that benchmark is refused and not written. Results: ``bench-<arm>.json``
(a pyperf suite; the previous one kept in ``history/``) and ``run-bench-<arm>.json``
(each benchmark's status, precision and time), both published even after Ctrl-C
(runners.bench.sweep).

Exit status: 0 all ran (skips allowed), 1 a benchmark failed, hung or was refused,
2 bad input, 3 wrong interpreter for the arm, 130 interrupted (finished work published).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import Workload, all_workloads
from concepts import stats
from concepts.arms import ARMS, get_arm
from concepts.cli import OneLineParser, UsageError, parse_cpu_list, split_list
from concepts.families import OPT_IN_FAMILIES
from concepts.files import default_results_dir, exits_on_write_error
from runners._cli import OVERSUBSCRIBE_HELP, default_thread_counts, parse_thread_counts
from runners.bench.master import Planned, worker_module
from runners.bench.preflight import gil_reenabling_modules
from runners.bench.preflight import warning as preflight_warning
from runners.bench.rounds import RoundPlan
from runners.bench.sweep import ArmSetup, Sweep
from runners.bench.worker import (
    DEFAULT_MIN_TIME,
    DEFAULT_PROCESSES,
    DEFAULT_VALUES,
    DEFAULT_WARMUPS,
    WorkloadFileError,
    load_workload_file,
)
from runners.identity import ArmMismatch, check_arm, usable_cpus

REPO = Path(__file__).resolve().parents[2]

PROG = "python -m runners.bench"

QUICK_THREADS = (1, 2)
QUICK_PYPERF_ARGS = ("--processes", "1", "--values", "3", "--warmups", "1", "--loops", "1")
"""Quick mode: one worker process, one warmup and three values of one run each, no
loop calibration: a smoke test of every benchmark, not a measurement."""
DEFAULT_TIMEOUT = 300.0
DEFAULT_ROUNDS = 2
DEFAULT_MAX_ROUNDS = 12
REFERENCE_BUDGET_MINUTES = 25.0
REFERENCE_CELLS = 2 * 94
"""The default budget: 25 minutes for the 2-core default matrix (94 benchmarks, both
arms); any other sweep gets the same time per planned benchmark and side."""
QUICK_TIMEOUT = 60.0

# pyperf options this command sets itself, or that make no sense per benchmark.
RESERVED_PYPERF_OPTIONS = {
    "output": "-o/--output",
    "append": "--append",
    "worker": "--worker",
    "worker_task": "--worker-task",
    "pipe": "--pipe",
    "compare_to": "--compare-to",
    "python": "--python",
    "profile": "--profile",
    "calibrate_loops": "--calibrate-loops",
    "recalibrate_loops": "--recalibrate-loops",
    "calibrate_warmups": "--calibrate-warmups",
    "recalibrate_warmups": "--recalibrate-warmups",
}


default_threads = default_thread_counts


def default_budget_minutes(benchmarks: int, sides: int) -> float:
    """The sweep's default budget: the reference time per benchmark and side, scaled."""
    return REFERENCE_BUDGET_MINUTES * benchmarks * sides / REFERENCE_CELLS


def parse_targets(text: str) -> dict[str, float] | None:
    """``"5,10"`` -> {alone: 0.05, shared: 0.10}; one number for both; 0: no second stage."""
    items = split_list(text, "--target-ci")
    if len(items) > 2:
        raise UsageError(f"--target-ci: at most two percentages (alone,shared), got {text!r}")
    try:
        numbers = [float(item) for item in items]
    except ValueError:
        raise UsageError(f"--target-ci: {text!r} is not PERCENT[,PERCENT]") from None
    if any(not (math.isfinite(n) and n >= 0) for n in numbers):
        raise UsageError(f"--target-ci must be >= 0 percent, got {text}")
    if all(n == 0 for n in numbers):
        return None
    alone, shared = numbers if len(numbers) == 2 else numbers * 2
    return {stats.ALONE: alone / 100, stats.SHARED: shared / 100}


def parse_threads(text: str) -> tuple[int, ...]:
    """Parse ``1,2,4`` into sorted distinct positive thread counts (UsageError otherwise)."""
    return tuple(sorted(parse_thread_counts(text)))


def affinity_cpus(text: str) -> set[int]:
    """The CPUs of ``--affinity`` (concepts.cli.parse_cpu_list); UsageError if bad."""
    try:
        return set(parse_cpu_list(text))
    except ValueError:
        raise UsageError(f"--affinity: bad CPU list {text!r} (want e.g. 0-1,3)") from None


def plan(
    workloads: Sequence[Workload],
    threads: Sequence[int],
    *,
    explicit_threads: bool,
    pattern: re.Pattern[str] | None,
) -> list[Planned]:
    """The benchmark matrix: every workload at every thread count, filtered by name.

    A workload with fixed ``thread_counts`` runs at those (restricted to ``threads``
    only when the user chose the thread counts). Without a ``pattern`` the opt-in
    families (concepts.families.OPT_IN_FAMILIES) are left out.
    """
    matrix = []
    for workload in workloads:
        if pattern is None and workload.family in OPT_IN_FAMILIES:
            continue
        counts: Sequence[int] = threads
        if workload.thread_counts is not None:
            counts = [
                n for n in workload.thread_counts if not explicit_threads or n in set(threads)
            ]
        reason = workload.skip_reason()
        for n in counts:
            item = Planned(workload, n, reason)
            if pattern is None or pattern.search(item.name):
                matrix.append(item)
    return matrix


def _pyperf_parser() -> argparse.ArgumentParser:
    """pyperf's own option parser (from a Runner), to validate pass-through options early."""
    global _PYPERF_PARSER
    if _PYPERF_PARSER is None:
        import pyperf

        parser = OneLineParser(prog="pyperf options", add_help=False)
        # Same defaults as runners.bench.worker's Runner; fills ``parser`` with pyperf's options.
        pyperf.Runner(
            processes=DEFAULT_PROCESSES,
            values=DEFAULT_VALUES,
            warmups=DEFAULT_WARMUPS,
            min_time=DEFAULT_MIN_TIME,
            _argparser=parser,
        )
        _PYPERF_PARSER = parser
    return _PYPERF_PARSER


_PYPERF_PARSER: argparse.ArgumentParser | None = None


def check_pyperf_args(args: Sequence[str]) -> argparse.Namespace:
    """Validate the options passed through to pyperf; UsageError names a bad one."""
    parser = _pyperf_parser()
    try:
        namespace = parser.parse_args(list(args))
    except UsageError as exc:
        raise UsageError(f"pyperf option: {exc}") from None
    for dest, option in RESERVED_PYPERF_OPTIONS.items():
        if getattr(namespace, dest, None) != parser.get_default(dest):
            raise UsageError(f"{option} cannot be passed through: {PROG} sets it per benchmark")
    return namespace


def build_parser() -> OneLineParser:
    """The command-line parser (unknown options are left for pyperf)."""
    parser = OneLineParser(prog=PROG, description=__doc__, allow_abbrev=False)
    parser.add_argument(
        "--arm",
        action="append",
        default=[],
        metavar="NAME[@LABEL][=PYTHON]",
        help="an arm to measure (gil, ft, ft-gil), on PYTHON (default: this interpreter); "
        "repeat it to measure several arms in one interleaved sweep; @LABEL names a side "
        "when two sides share an arm (files bench-LABEL.json)",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SIDE=DIR",
        help="run SIDE's workers from the gilbench tree DIR (another revision's git "
        "worktree, for an A/B comparison of two revisions); default: this tree",
    )
    parser.add_argument(
        "--threads",
        metavar="N,N,...",
        help="thread counts (default: 1, the usable CPU count and the powers of two between;"
        " quick: 1,2)",
    )
    parser.add_argument("--oversubscribe", action="store_true", help=OVERSUBSCRIBE_HELP)
    parser.add_argument(
        "--filter",
        metavar="REGEX",
        help="run benchmarks whose name matches (the only way to run the opt-in families: "
        + ", ".join(OPT_IN_FAMILIES)
        + ")",
    )
    parser.add_argument("--list", action="store_true", help="print the benchmark matrix and exit")
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: few values, threads 1 and 2"
    )
    parser.add_argument("--results-dir", type=Path, default=default_results_dir(), metavar="DIR")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"per benchmark (default {DEFAULT_TIMEOUT:.0f}, quick {QUICK_TIMEOUT:.0f}); "
        "also pyperf's per-worker timeout",
    )
    parser.add_argument(
        "--budget",
        type=float,
        metavar="MINUTES",
        help="wall time of the whole sweep; the second stage spends what the first leaves"
        " (default: 25 minutes for both arms of the 2-core default matrix, scaled to the"
        " matrix and the arms)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        metavar="N",
        help=f"rounds every benchmark gets in the first stage (default {DEFAULT_ROUNDS}; quick: 1)",
    )
    parser.add_argument(
        "--max-rounds",
        type=int,
        default=DEFAULT_MAX_ROUNDS,
        metavar="N",
        help=f"most rounds a benchmark gets (default {DEFAULT_MAX_ROUNDS})",
    )
    parser.add_argument(
        "--target-ci",
        default=f"{100 * stats.TARGETS[stats.ALONE]:g},{100 * stats.TARGETS[stats.SHARED]:g}",
        metavar="PCT[,PCT]",
        help="wanted 95%% CI half-width: of 1-thread ratios, and of the other ratios and the"
        " speedups (default %(default)s); 0: no second stage (also with --quick, --fast,"
        " --rigorous)",
    )
    parser.add_argument(
        "--workloads",
        "--workload-file",
        dest="workload_file",
        action="append",
        default=[],
        metavar="PATH",
        help="also run the workloads defined in this Python file (your own: "
        "`from benchmarks import thread_loop`, see the README); repeatable",
    )
    parser.add_argument(
        "--require-gil-off",
        action="store_true",
        help="refuse the sweep (exit 3) when importing the --workloads files would turn "
        "the GIL back on for their users (default: measure with it kept off, and say so)",
    )
    return parser


def _list(matrix: Sequence[Planned], cpus: int) -> None:
    rows = [("name", "family", "variant", "threads", "description")]
    for item in matrix:
        threads = f"{item.threads}" + (" (over)" if item.threads > cpus else "")
        description = item.workload.description
        if item.skip_reason:
            description += f" [skipped: {item.skip_reason}]"
        rows.append((item.name, item.workload.family, item.workload.variant, threads, description))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[4]
        )
    print(f"{len(matrix)} benchmarks; '(over)': more threads than the {cpus} usable CPUs")


@exits_on_write_error(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.bench``."""
    parser = build_parser()
    try:
        options, rest = parser.parse_known_args(argv)
        if options.timeout is not None and not options.timeout > 0:
            raise UsageError(f"--timeout must be > 0 seconds, got {options.timeout:g}")
        pyperf_args = [*QUICK_PYPERF_ARGS, *rest] if options.quick else list(rest)
        pyperf_options = check_pyperf_args(pyperf_args)
        # Workers pinned with pyperf's --affinity have those CPUs, not ours.
        cpus = len(affinity_cpus(pyperf_options.affinity)) if pyperf_options.affinity else None
        if options.threads is not None:
            threads, explicit = parse_threads(options.threads), True
        else:
            threads = (
                QUICK_THREADS
                if options.quick
                else default_threads(cpus or usable_cpus(), options.oversubscribe)
            )
            explicit = False
        pattern = None
        if options.filter is not None:
            try:
                pattern = re.compile(options.filter)
            except re.error as exc:
                raise UsageError(
                    f"--filter: bad regular expression {options.filter!r}: {exc}"
                ) from None
        targets = parse_targets(options.target_ci)
        if options.budget is not None and not (
            math.isfinite(options.budget) and options.budget > 0
        ):
            raise UsageError(f"--budget must be > 0 minutes, got {options.budget:g}")
        adaptive = targets is not None and not (
            options.quick
            or pyperf_options.fast
            or pyperf_options.rigorous
            or pyperf_options.debug_single_value
        )
        if options.rounds < 1 or options.max_rounds < 1:
            raise UsageError("--rounds and --max-rounds must be >= 1")
        first_rounds = 1 if options.quick else options.rounds
        round_plan = RoundPlan(
            processes=pyperf_options.processes,
            first_rounds=first_rounds,
            max_rounds=max(first_rounds, options.max_rounds) if adaptive else first_rounds,
            targets=targets if adaptive else None,
        )
        if not options.arm and not options.list:
            raise UsageError("--arm is required (gil, ft or ft-gil)")
        arms = parse_arms(options.arm, options.source)
        for path in options.workload_file:
            if not Path(path).is_file():
                raise UsageError(f"--workload-file: no such file {path}")
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2

    for setup in arms:
        problem = verify_arm_python(setup)
        if problem is not None:
            print(f"{PROG}: error: {problem}", file=sys.stderr)
            return 3

    files = [str(Path(path).resolve()) for path in options.workload_file]
    for index, setup in enumerate(arms if files else ()):
        # The ft arm forces the GIL off: say when its users' runs would have it on.
        if setup.arm.free_threaded_build and setup.arm.python_gil == "0":
            modules = gil_reenabling_modules(setup.python, files, setup.tree or REPO)
            if modules and options.require_gil_off:
                names = ", ".join(repr(m) for m in modules)
                print(f"{PROG}: error: arm {setup.side}: importing the --workloads files turns "
                      f"the GIL back on (module {names}) and --require-gil-off is given",
                      file=sys.stderr)  # fmt: skip
                return 3
            if modules:
                print(f"{PROG}: {preflight_warning(setup.side, setup.python, modules)}",
                      file=sys.stderr, flush=True)  # fmt: skip
                arms[index] = dataclasses.replace(setup, gil_reenabled_by=tuple(modules))
    users_arm = users_gil_arm(arms)
    if users_arm is not None:
        # What the users get today: the same interpreter with the GIL on, measured too.
        problem = verify_arm_python(users_arm, in_process=False)
        if problem is not None:
            print(f"{PROG}: error: {problem}", file=sys.stderr)
            return 3
        arms.append(users_arm)
    try:
        for path in options.workload_file:
            load_workload_file(path)
    except WorkloadFileError as exc:
        print(f"{PROG}: error: --workloads {exc}", file=sys.stderr)
        return 2
    matrix = plan(all_workloads(), threads, explicit_threads=explicit, pattern=pattern)
    if not matrix:
        what = f"--filter {options.filter!r}" if options.filter else "the registry"
        print(f"{PROG}: error: no benchmark matches {what} at threads {threads}", file=sys.stderr)
        return 2
    if options.list:
        _list(matrix, cpus or usable_cpus())
        return 0
    # This process runs its own interpreter's arms (the added ft-gil side needs PYTHON_GIL=1).
    own = [s.arm for s in arms if s.python == sys.executable and s is not users_arm]
    try:
        # Importing the family modules must not have turned the GIL back on.
        for arm in own:
            check_arm(arm, when="after importing the benchmarks")
    except ArmMismatch as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 3
    budget = options.budget or default_budget_minutes(len(matrix), len(arms))
    sweep = Sweep(
        arms,
        matrix,
        pyperf_args,
        options.results_dir.resolve(),
        options.timeout or (QUICK_TIMEOUT if options.quick else DEFAULT_TIMEOUT),
        options.quick,
        files,
        round_plan,
        60 * budget if adaptive else None,
        cpus or usable_cpus(),
    )
    return sweep.run()


LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_arms(specs: Sequence[str], sources: Sequence[str] = ()) -> list[ArmSetup]:
    """``["gil=/p/python", "ft", "gil@B=/p/python"]`` -> the sweep's sides (UsageError if bad).

    ``NAME@LABEL`` names a second side of one arm (an A/A calibration); its files are
    ``bench-LABEL.json``. ``sources`` (``SIDE=DIR``) give a side another source tree.
    """
    trees: dict[str, Path] = {}
    for spec in sources:
        side, sep, directory = spec.partition("=")
        if not sep or not side or not directory:
            raise UsageError(f"--source {spec}: expected SIDE=DIR")
        tree = Path(directory).resolve()
        try:
            worker_module(tree)
        except ValueError as exc:
            raise UsageError(f"--source {spec}: {exc}") from None
        trees[side] = tree
    arms: list[ArmSetup] = []
    for spec in specs:
        head, sep, python = spec.partition("=")
        name, _, label = head.partition("@")
        if name not in ARMS:
            raise UsageError(f"--arm: unknown arm {name!r} (known: {', '.join(ARMS)})")
        if label and not LABEL.match(label):
            raise UsageError(f"--arm {spec}: a side's label is letters, digits, '.', '_', '-'")
        side = label or name
        if any(setup.side == side for setup in arms):
            raise UsageError(f"--arm {side} given twice")
        if sep and not python:
            raise UsageError(f"--arm {spec}: no interpreter after '='")
        if python and not (Path(python).is_file() and os.access(python, os.X_OK)):
            raise UsageError(f"--arm {spec}: no such interpreter {python}")
        arms.append(ArmSetup(get_arm(name), python or sys.executable, label, trees.pop(side, None)))
    if trees:
        raise UsageError(f"--source: no side named {', '.join(sorted(trees))}")
    return arms


def users_gil_arm(arms: Sequence[ArmSetup]) -> ArmSetup | None:
    """The ft-gil side a sweep adds when an ft side's --workloads turn the GIL back on for
    their users (runners.bench.preflight): the same interpreter with the GIL on, which is
    what those users get today. None when no side needs it or an ft-gil side is there."""
    if any(setup.side == "ft-gil" for setup in arms):
        return None
    for setup in arms:
        if setup.gil_reenabled_by and setup.arm.name == "ft" and not setup.label:
            return ArmSetup(get_arm("ft-gil"), setup.python, "", setup.tree, setup.gil_reenabled_by)
    return None


def verify_arm_python(setup: ArmSetup, *, in_process: bool = True) -> str | None:
    """Why ``setup``'s interpreter cannot run its arm (wrong build or GIL state), or None.

    This interpreter is checked in-process (so a PYTHON_GIL set against the arm is
    refused); another one, or this one with ``in_process=False`` (the ft-gil side a sweep
    adds beside its own ft arm), is run once with the arm's PYTHON_GIL, exactly as its
    pyperf masters will be.
    """
    if in_process and setup.python == sys.executable:
        try:
            check_arm(setup.arm)
        except ArmMismatch as exc:
            return str(exc)
        return None
    env = dict(os.environ)
    env.pop("PYTHON_GIL", None)
    if setup.arm.python_gil is not None:
        env["PYTHON_GIL"] = setup.arm.python_gil
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # pyperf first: without it every benchmark of the sweep would die the same way.
    probe = (
        "import sys\ntry: import pyperf\nexcept ImportError: print('pyperf is not installed"
        " for this interpreter (python -m pip install pyperf)'); sys.exit(3)\n"
        "from concepts.arms import get_arm; from runners.identity import check_arm,"
        f" ArmMismatch\ntry: check_arm(get_arm({setup.arm.name!r}))\n"
        "except ArmMismatch as e: print(e); sys.exit(3)"
    )
    try:
        done = subprocess.run(
            [setup.python, "-c", probe], env=env, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"arm {setup.arm.name}: cannot run {setup.python}: {exc}"
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        why = lines[-1] if lines else f"exit {done.returncode}"
        return f"arm {setup.arm.name} ({setup.python}): {why}"
    return None


if __name__ == "__main__":
    sys.exit(main())
