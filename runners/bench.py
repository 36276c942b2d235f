"""Run gilbench's benchmarks on one arm and write ``results/bench-<arm>.json``.

    python -m runners.bench --arm ft [--threads 1,2,4] [--filter REGEX] [--quick]
                            [--results-dir results] [--timeout S] [--list] [pyperf options]

A benchmark is one workload at one thread count, named ``family-variant-tN``. Each one
runs as its own pyperf master process (runners._pyperf_bench), which spawns pyperf's
worker processes; so a benchmark that deadlocks is killed after ``--timeout`` seconds
without taking the others down. Options this command does not know (``--fast``,
``--rigorous``, ``-p N``, ``-n N``, ``--affinity``, ``-v``...) go to pyperf.

Before anything runs, the interpreter must match the arm (``runners.identity``); after
each benchmark, every run's recorded GIL state (after imports and after the timed
region) must match too, or the benchmark is refused and not written. Finished
benchmarks are merged into ``results/.bench-<arm>.partial.json`` as they complete; at
the end (or on Ctrl-C) they are published to ``results/bench-<arm>.json``, the previous
file moving to ``results/history/``. ``results/run-bench-<arm>.json`` records the status
of every benchmark (ok, skipped, failed, hung, refused) and the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import io
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from benchmarks import Workload, all_workloads
from runners._pyperf_bench import (
    DEFAULT_MIN_TIME,
    DEFAULT_PROCESSES,
    DEFAULT_VALUES,
    DEFAULT_WARMUPS,
    ERROR_PREFIX,
    benchmark_name,
    load_workload_file,
)
from runners.arms import ARMS, Arm, get_arm
from runners.identity import ArmMismatch, check_arm, usable_cpus
from runners.results import atomic_write_text, keep_previous, publish

REPO = Path(__file__).resolve().parent.parent
PROG = "python -m runners.bench"

QUICK_THREADS = (1, 2)
QUICK_PYPERF_ARGS = ("--processes", "1", "--values", "3", "--warmups", "1", "--loops", "1")
"""Quick mode: one worker process, one warmup and three values of one run each, no
loop calibration: a smoke test of every benchmark, not a measurement."""
DEFAULT_TIMEOUT = 300.0
DEFAULT_TARGET_CI = 5.0
"""Percent: default mode adds processes until the median's 95% CI is within this."""
DEFAULT_MAX_PROCESSES = 20
DEFAULT_SECONDS_PER_BENCHMARK = 10.0
PRECISION_REPORT = 0.05
"""The CI half-width the end-of-run summary counts benchmarks against."""
QUICK_TIMEOUT = 60.0

EMPTY_WORKLOAD = "cpu-control-empty"
"""Empty workers: its value is the harness's own cost per timed run (benchmarks/overhead.py)."""
FIXED_LOOPS = {EMPTY_WORKLOAD: ["--loops", "1"]}
"""Workloads that skip pyperf's loop calibration. The empty workload's timed span is a
microsecond, so calibrating it to --min-time would take ~10^4 untimed thread start-ups
per value (minutes per benchmark); one run per value is what it measures anyway."""

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


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (no usage dump) and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Planned:
    """One benchmark of the matrix: a workload at a thread count."""

    workload: Workload
    threads: int
    skip_reason: str | None

    @property
    def name(self) -> str:
        return benchmark_name(self.workload, self.threads)


@dataclass
class Outcome:
    """What happened to one benchmark."""

    name: str
    status: str  # ok | skipped | failed | hung | refused
    message: str = ""
    seconds: float = 0.0
    summary: str = ""
    bench: Any = field(default=None, repr=False)  # pyperf.Benchmark when status == ok
    processes: int = 0
    ci_halfwidth: float | None = None
    """Relative half-width of the median's 95% CI over process means (None below 2)."""
    first_seconds: float = 0.0
    """Wall time of the first pyperf run (before any added processes)."""


def default_threads(cpus: int) -> tuple[int, ...]:
    """Powers of two from 1 to 2 x ``cpus`` (above ``cpus`` they are oversubscribed)."""
    counts = []
    n = 1
    while n <= 2 * max(cpus, 1):
        counts.append(n)
        n *= 2
    return tuple(counts)


def parse_threads(text: str) -> tuple[int, ...]:
    """Parse ``1,2,4`` into sorted distinct positive thread counts (UsageError otherwise)."""
    counts = set()
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part)
        except ValueError:
            raise UsageError(f"--threads: {part!r} is not an integer (want e.g. 1,2,4)") from None
        if value < 1:
            raise UsageError(f"--threads: thread counts must be >= 1, got {value}")
        counts.add(value)
    if not counts:
        raise UsageError("--threads: no thread count given")
    return tuple(sorted(counts))


def parse_cpu_list(text: str) -> set[int]:
    """Parse a CPU list such as ``0-1,3`` (pyperf's --affinity syntax); UsageError if bad."""
    cpus: set[int] = set()
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            first, _, last = part.partition("-")
            cpus.update(range(int(first), int(last or first) + 1))
    except ValueError:
        raise UsageError(f"--affinity: bad CPU list {text!r} (want e.g. 0-1,3)") from None
    if not cpus:
        raise UsageError(f"--affinity: bad CPU list {text!r} (want e.g. 0-1,3)")
    return cpus


def plan(
    workloads: Sequence[Workload],
    threads: Sequence[int],
    *,
    explicit_threads: bool,
    pattern: re.Pattern[str] | None,
) -> list[Planned]:
    """The benchmark matrix: every workload at every thread count, filtered by name.

    A workload with fixed ``thread_counts`` runs at those (restricted to ``threads``
    only when the user chose the thread counts).
    """
    matrix = []
    for workload in workloads:
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
        # Same defaults as runners._pyperf_bench's Runner; fills ``parser`` with pyperf's options.
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
    parser.add_argument("--arm", choices=sorted(ARMS), help="the arm this interpreter runs")
    parser.add_argument(
        "--threads",
        metavar="N,N,...",
        help="thread counts (default: powers of two up to 2 x usable CPUs; quick: 1,2)",
    )
    parser.add_argument("--filter", metavar="REGEX", help="run benchmarks whose name matches")
    parser.add_argument("--list", action="store_true", help="print the benchmark matrix and exit")
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: few values, threads 1 and 2"
    )
    parser.add_argument("--results-dir", type=Path, default=Path("results"), metavar="DIR")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"per benchmark (default {DEFAULT_TIMEOUT:.0f}, quick {QUICK_TIMEOUT:.0f}); "
        "also pyperf's per-worker timeout",
    )
    parser.add_argument(
        "--target-ci",
        type=float,
        default=DEFAULT_TARGET_CI,
        metavar="PERCENT",
        help="add worker processes (4 at a time) until the 95%% CI of the median of "
        f"process means is within +-PERCENT (default {DEFAULT_TARGET_CI:g}; 0: off; off "
        "with --quick, --fast, --rigorous)",
    )
    parser.add_argument(
        "--max-processes",
        type=int,
        default=DEFAULT_MAX_PROCESSES,
        metavar="N",
        help=f"stop adding processes at N per benchmark (default {DEFAULT_MAX_PROCESSES})",
    )
    parser.add_argument(
        "--seconds-per-benchmark",
        type=float,
        default=DEFAULT_SECONDS_PER_BENCHMARK,
        metavar="S",
        help="time budget for added processes: the run may take S seconds per benchmark "
        f"on average (default {DEFAULT_SECONDS_PER_BENCHMARK:g}); the first processes of "
        "every benchmark always run",
    )
    parser.add_argument(
        "--workload-file",
        action="append",
        default=[],
        metavar="PATH",
        help="also register the workloads defined in this Python file (tests, experiments)",
    )
    return parser


def format_seconds(value: float) -> str:
    """1.23e-6 -> '1.23 us'."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def process_means(bench: Any) -> list[float]:
    """The mean value of each worker process (calibration-only runs have no values)."""
    return [statistics.fmean(run.values) for run in bench.get_runs() if run.values]


def median_ci_halfwidth(
    samples: Sequence[float], confidence: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> float:
    """Relative half-width of the percentile-bootstrap CI of the median of ``samples``.

    The larger of (median - low) and (high - median), over the median: the same
    statistic as the analysis (bootstrap over per-process means), seeded. Infinite
    below two samples.
    """
    if len(samples) < 2:
        return math.inf
    rng = random.Random(seed)
    count = len(samples)
    medians = sorted(statistics.median(rng.choices(samples, k=count)) for _ in range(n_boot))
    alpha = (1 - confidence) / 2
    low = medians[int(alpha * (n_boot - 1))]
    high = medians[math.ceil((1 - alpha) * (n_boot - 1))]
    median = statistics.median(samples)
    return max(median - low, high - median) / median


def summarize(bench: Any) -> str:
    """Median per operation and its precision: the 95% CI over processes when there are
    several, else the relative standard deviation of the values."""
    median = bench.median()
    text = f"{format_seconds(median)}/op"
    means = process_means(bench)
    if len(means) >= 2:
        half = median_ci_halfwidth(means)
        text += f" +- {100 * half:.1f}% (95% CI, {len(means)} processes)"
    elif bench.get_nvalue() >= 2:
        text += f" +- {100 * bench.stdev() / median:.0f}% (stdev)"
    return text


def verify_gil(bench: Any, arm: Arm) -> str | None:
    """Why ``bench`` must be refused for ``arm`` (GIL state, arm, build), or None if fine."""
    common = bench.get_metadata()
    for index, run in enumerate(bench.get_runs(), 1):
        metadata = {**common, **run.get_metadata()}
        if metadata.get("arm") != arm.name:
            return f"run {index} was recorded for arm {metadata.get('arm')!r}, not {arm.name}"
        if bool(metadata.get("py_gil_disabled")) != arm.free_threaded_build:
            build = metadata.get("py_gil_disabled")
            return f"run {index} ran on the wrong build (py_gil_disabled={build})"
        for key in ("gil_enabled_at_start", "gil_enabled_at_end"):
            if key not in metadata:
                return f"run {index} lacks {key}"
            if bool(metadata[key]) != arm.expect_gil_enabled:
                cause = metadata.get("arm_mismatch", "cause unknown")
                return f"run {index} observed {key}={metadata[key]}: {cause}"
    return None


def _error_line(log: str) -> str | None:
    """The worker's one-line cause (ERROR_PREFIX), if it printed one."""
    lines = [line for line in log.splitlines() if line.startswith(ERROR_PREFIX)]
    return lines[-1][len(ERROR_PREFIX) :].strip() if lines else None


def _tail(log: str, count: int = 12) -> str:
    return "\n".join("    " + line for line in log.rstrip().splitlines()[-count:])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the benchmark's whole process group (pyperf master and its workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@dataclass(frozen=True)
class Adaptive:
    """Adding worker processes until the median is precise enough (default mode only)."""

    target: float
    """Wanted relative half-width of the 95% CI of the median of process means."""
    max_processes: int
    seconds_per_benchmark: float
    """Time budget of the whole run, per benchmark on average: added processes only
    spend what the first processes of every benchmark leave of it."""
    step: int = 4


@dataclass
class BenchRun:
    """Settings shared by every benchmark of one invocation."""

    arm: Arm
    pyperf_args: list[str]
    timeout: float
    workload_files: list[str]
    workdir: Path
    verbose: bool
    adaptive: Adaptive | None = None

    def command(self, item: Planned, output: Path, extra: Sequence[str] = ()) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "runners._pyperf_bench",
            "--gilbench-arm",
            self.arm.name,
            "--gilbench-workload",
            item.workload.name,
            "--gilbench-threads",
            str(item.threads),
        ]
        for path in self.workload_files:
            cmd += ["--gilbench-workload-file", path]
        cmd += FIXED_LOOPS.get(item.workload.name, [])  # before the user's: theirs win
        cmd += self.pyperf_args
        cmd += extra
        cmd += ["--timeout", str(math.ceil(self.timeout)), "--output", str(output)]
        return cmd

    def _master(self, item: Planned, output: Path, extra: Sequence[str] = ()) -> tuple[int, str]:
        """Run one pyperf master (and its workers) in its own process group."""
        log_path = output.with_suffix(".log")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                self.command(item, output, extra),
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group to kill on a hang
            )
            try:
                code = proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                code = 124
            except BaseException:
                _kill_group(proc)
                raise
        text = log_path.read_text(encoding="utf-8", errors="replace")
        if self.verbose:
            print("\n" + text.rstrip())
        return code, text

    def _attempt(self, item: Planned, output: Path, extra: Sequence[str] = ()) -> Any:
        """One pyperf master's verified Benchmark, or an (status, message) tuple on failure."""
        import pyperf

        code, text = self._master(item, output, extra)
        if code == 124:
            return (
                "hung",
                f"benchmark {item.name} hung: no result within {self.timeout:g} s (deadlock?)",
            )
        if code != 0:
            cause = _error_line(text)
            return "failed", f"benchmark {item.name} failed (exit {code}): " + (
                cause or "no error line; output ends with:\n" + _tail(text)
            )
        try:
            bench = pyperf.Benchmark.load(str(output))
        except Exception as exc:
            return (
                "failed",
                f"benchmark {item.name}: unreadable result ({type(exc).__name__}: {exc})",
            )
        refusal = verify_gil(bench, self.arm)
        if refusal is not None:
            return "refused", (
                f"benchmark {item.name} refused, GIL state wrong for arm {self.arm.name}: {refusal}"
            )
        return bench

    def run(self, item: Planned, allowance: Callable[[float], float] | None = None) -> Outcome:
        """Run one benchmark: pyperf's processes, then more while its median is imprecise.

        ``allowance(first_seconds)`` says how many seconds the added processes may take,
        given that the first ones took ``first_seconds``.
        """
        start = time.monotonic()
        result = self._attempt(item, self.workdir / f"{item.name}.json")
        first_seconds = time.monotonic() - start
        if isinstance(result, tuple):
            status, message = result
            return Outcome(item.name, status, message, first_seconds, first_seconds=first_seconds)
        bench = result
        extension = 0
        spare = allowance(first_seconds) if allowance is not None else math.inf
        per_process = first_seconds / max(1, len(bench.get_runs()))
        while self.adaptive is not None:
            means = process_means(bench)
            if len(means) >= self.adaptive.max_processes:
                break
            if median_ci_halfwidth(means) <= self.adaptive.target:
                break
            count = min(self.adaptive.step, self.adaptive.max_processes - len(means))
            if time.monotonic() - start - first_seconds + count * per_process > spare:
                break  # out of the run's time budget
            # Same values, warmups and loops as the first processes (no recalibration).
            last = [run for run in bench.get_runs() if run.values][-1]
            extra = [
                "--processes", str(count),
                "--values", str(len(last.values)),
                "--warmups", str(len(last.warmups)),
                "--loops", str(last.get_loops()),
            ]  # fmt: skip
            extension += 1
            more = self._attempt(item, self.workdir / f"{item.name}.more{extension}.json", extra)
            if isinstance(more, tuple):
                status, message = more
                seconds = time.monotonic() - start
                return Outcome(item.name, status, message, seconds, first_seconds=first_seconds)
            bench.add_runs(more)
        seconds = time.monotonic() - start
        means = process_means(bench)
        half = median_ci_halfwidth(means) if len(means) >= 2 else None
        return Outcome(
            item.name,
            "ok",
            "",
            seconds,
            summarize(bench),
            bench,
            len(means),
            half,
            first_seconds,
        )


def harness_overhead(benches: Sequence[Any]) -> list[dict[str, Any]]:
    """Per thread count: what share of a run's timed span the harness itself costs.

    The share of a benchmark is the empty workload's median span per run at the same
    thread count, divided by the benchmark's median span per run (its median value x
    its operations per run). Returns, per thread count, the median and the largest
    share over the other benchmarks.
    """
    empty: dict[int, float] = {}
    runs: dict[int, list[tuple[float, str]]] = {}
    for bench in benches:
        metadata = bench.get_metadata()
        threads = int(metadata["threads"])
        if f"{metadata['family']}-{metadata['variant']}" == EMPTY_WORKLOAD:
            empty[threads] = bench.median()
        else:
            span = bench.median() * int(metadata.get("inner_loops", 1))
            runs.setdefault(threads, []).append((span, bench.get_name()))
    rows = []
    for threads, empty_span in sorted(empty.items()):
        shares = sorted((empty_span / span, name) for span, name in runs.get(threads, ()))
        if not shares:
            continue
        rows.append(
            {
                "threads": threads,
                "empty_run_seconds": empty_span,
                "median_share": shares[len(shares) // 2][0],
                "max_share": shares[-1][0],
                "max_share_benchmark": shares[-1][1],
            }
        )
    return rows


def _suite_text(benches: Sequence[Any]) -> str:
    import pyperf

    buffer = io.StringIO()
    pyperf.BenchmarkSuite(list(benches)).dump(buffer)
    return buffer.getvalue()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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


@dataclass
class Sweep:
    """One invocation: the matrix, what happened to each benchmark, where results go."""

    arm: Arm
    matrix: list[Planned]
    pyperf_args: list[str]
    results_dir: Path
    timeout: float
    quick: bool
    workload_files: list[str]
    adaptive: Adaptive | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False
    wall: float = 0.0
    started: _dt.datetime = field(default_factory=lambda: _dt.datetime.now().astimezone())

    @property
    def final(self) -> Path:
        return self.results_dir / f"bench-{self.arm.name}.json"

    @property
    def partial(self) -> Path:
        return self.results_dir / f".bench-{self.arm.name}.partial.json"

    @property
    def status_file(self) -> Path:
        return self.results_dir / f"run-bench-{self.arm.name}.json"

    @property
    def finished(self) -> list[Any]:
        return [o.bench for o in self.outcomes if o.status == "ok"]

    def run(self) -> int:
        """Run the matrix, keep what finishes, publish it; return the exit status."""
        stale = keep_previous(self.partial)
        if stale is not None:
            print(f"kept a previous run's partial results as {stale}")
        print(
            f"gilbench: {len(self.matrix)} benchmarks on arm {self.arm.name} ({sys.executable});"
            f" pyperf options: {' '.join(self.pyperf_args) or '(defaults)'};"
            f" timeout {self.timeout:g} s each"
        )
        if self.adaptive is not None:
            print(
                f"more processes (up to {self.adaptive.max_processes}) for a benchmark until"
                f" the 95% CI of its median is within +-{100 * self.adaptive.target:g}%,"
                f" within about {self.adaptive.seconds_per_benchmark:g} s per benchmark"
            )
        wall_start = time.monotonic()
        previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._run_matrix()
        except KeyboardInterrupt:
            self.interrupted = True
            print("\ninterrupted", flush=True)
        finally:
            signal.signal(signal.SIGTERM, previous_sigterm)
        self.wall = time.monotonic() - wall_start
        # A second Ctrl-C must not stop the publishing of what finished.
        previous_sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return self._report()
        finally:
            signal.signal(signal.SIGINT, previous_sigint)

    def _allowance(self, first_seconds: float) -> float:
        """Seconds the benchmark now running may add: its share of the spare budget.

        The budget is ``seconds_per_benchmark`` x the benchmarks to run; the spare is
        what remains after the time spent so far and the first runs still to come
        (estimated from the mean first run so far), shared equally by this benchmark
        and those after it.
        """
        if self.adaptive is None:
            return 0.0
        runnable = [item for item in self.matrix if not item.skip_reason]
        done = [o for o in self.outcomes if o.status != "skipped"]
        firsts = [o.first_seconds for o in done] + [first_seconds]
        remaining = len(runnable) - len(done)  # including this one
        budget = self.adaptive.seconds_per_benchmark * len(runnable)
        elapsed = sum(o.seconds for o in done) + first_seconds
        spare = budget - elapsed - statistics.fmean(firsts) * (remaining - 1)
        return max(0.0, spare / max(1, remaining))

    def _run_matrix(self) -> None:
        with tempfile.TemporaryDirectory(prefix=f"gilbench-{self.arm.name}-") as workdir:
            runner = BenchRun(
                self.arm,
                self.pyperf_args,
                self.timeout,
                self.workload_files,
                Path(workdir),
                verbose="-v" in self.pyperf_args or "--verbose" in self.pyperf_args,
                adaptive=self.adaptive,
            )
            for index, item in enumerate(self.matrix, 1):
                print(f"[{index}/{len(self.matrix)}] {item.name} ... ", end="", flush=True)
                if item.skip_reason:
                    self.outcomes.append(Outcome(item.name, "skipped", item.skip_reason))
                    print(f"skipped: {item.skip_reason}")
                    continue
                outcome = runner.run(item, self._allowance)
                self.outcomes.append(outcome)
                if outcome.status == "ok":
                    print(f"{outcome.summary} ({outcome.seconds:.1f} s)", flush=True)
                    atomic_write_text(self.partial, _suite_text(self.finished))
                else:
                    print(f"{outcome.status.upper()} ({outcome.seconds:.1f} s)")
                    print(f"  error: {outcome.message}", flush=True)

    def _status_record(self, overhead: list[dict[str, Any]]) -> dict[str, Any]:
        adaptive = self.adaptive
        return {
            "arm": self.arm.name,
            "python_executable": sys.executable,
            "started": self.started.isoformat(timespec="seconds"),
            "wall_seconds": round(self.wall, 1),
            "interrupted": self.interrupted,
            "quick": self.quick,
            "pyperf_args": self.pyperf_args,
            "timeout_seconds": self.timeout,
            "target_ci": None if adaptive is None else adaptive.target,
            "max_processes": None if adaptive is None else adaptive.max_processes,
            "seconds_per_benchmark": None if adaptive is None else adaptive.seconds_per_benchmark,
            "planned": len(self.matrix),
            "harness_overhead": overhead,
            "benchmarks": [
                {
                    "name": o.name,
                    "status": o.status,
                    "message": o.message,
                    "seconds": round(o.seconds, 2),
                    "processes": o.processes,
                    "first_seconds": round(o.first_seconds, 2),
                    "ci_halfwidth": None if o.ci_halfwidth is None else round(o.ci_halfwidth, 4),
                }
                for o in self.outcomes
            ],
        }

    def _report(self) -> int:
        """Write the status record, publish the finished benchmarks; return the exit status."""
        finished = self.finished
        overhead = harness_overhead(finished)
        publish(self.status_file, json.dumps(self._status_record(overhead), indent=2) + "\n")

        by_status: dict[str, int] = {}
        for outcome in self.outcomes:
            by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
        counts = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
        print(
            f"\n{len(self.outcomes)} of {len(self.matrix)} benchmarks done in {self.wall:.0f} s:"
            f" {counts or 'none'}"
        )
        for outcome in self.outcomes:
            if outcome.status not in ("ok", "skipped"):
                print(f"  {outcome.status}: {outcome.message.splitlines()[0]}")
        precise = [o.ci_halfwidth for o in self.outcomes if o.ci_halfwidth is not None]
        if precise:
            within = sum(half <= PRECISION_REPORT for half in precise)
            print(
                f"precision: {within} of {len(precise)} benchmarks have the 95% CI of their"
                f" median within +-{100 * PRECISION_REPORT:g}%"
            )
        for row in overhead:
            print(
                f"harness overhead at {row['threads']} threads:"
                f" {format_seconds(row['empty_run_seconds'])} per run ="
                f" {100 * row['median_share']:.2g}% of a median benchmark's run"
                f" (max {100 * row['max_share']:.2g}%: {row['max_share_benchmark']})"
            )
        if finished:
            kept = publish(self.final, _suite_text(finished))
            self.partial.unlink(missing_ok=True)
            what = "partial results (interrupted)" if self.interrupted else "results"
            print(f"{what}: {len(finished)} benchmarks written to {self.final}")
            if kept is not None:
                print(f"previous {self.final.name} kept as {kept}")
        else:
            print(f"no benchmark finished: {self.final} not written")
        if self.interrupted:
            return 130
        failed = sum(n for status, n in by_status.items() if status not in ("ok", "skipped"))
        return 1 if failed or not finished else 0


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
        cpus = len(parse_cpu_list(pyperf_options.affinity)) if pyperf_options.affinity else None
        if options.threads is not None:
            threads, explicit = parse_threads(options.threads), True
        else:
            threads = QUICK_THREADS if options.quick else default_threads(cpus or usable_cpus())
            explicit = False
        pattern = None
        if options.filter is not None:
            try:
                pattern = re.compile(options.filter)
            except re.error as exc:
                raise UsageError(
                    f"--filter: bad regular expression {options.filter!r}: {exc}"
                ) from None
        if not options.target_ci >= 0:
            raise UsageError(f"--target-ci must be >= 0 percent, got {options.target_ci:g}")
        if not options.seconds_per_benchmark > 0:
            raise UsageError(
                f"--seconds-per-benchmark must be > 0, got {options.seconds_per_benchmark:g}"
            )
        if options.max_processes < 1:
            raise UsageError(f"--max-processes must be >= 1, got {options.max_processes}")
        adaptive = None
        if options.target_ci > 0 and not (
            options.quick
            or pyperf_options.fast
            or pyperf_options.rigorous
            or pyperf_options.debug_single_value
        ):
            adaptive = Adaptive(
                options.target_ci / 100,
                max(options.max_processes, pyperf_options.processes),
                options.seconds_per_benchmark,
            )
        if options.arm is None and not options.list:
            raise UsageError("--arm is required (gil, ft or ft-gil)")
        for path in options.workload_file:
            if not Path(path).is_file():
                raise UsageError(f"--workload-file: no such file {path}")
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2

    arm = get_arm(options.arm) if options.arm else None
    if arm is not None:
        try:
            check_arm(arm)
        except ArmMismatch as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 3

    for path in options.workload_file:
        load_workload_file(path)
    matrix = plan(all_workloads(), threads, explicit_threads=explicit, pattern=pattern)
    if not matrix:
        what = f"--filter {options.filter!r}" if options.filter else "the registry"
        print(f"{PROG}: error: no benchmark matches {what} at threads {threads}", file=sys.stderr)
        return 2
    if options.list:
        _list(matrix, cpus or usable_cpus())
        return 0
    assert arm is not None
    try:
        # Importing the family modules must not have turned the GIL back on.
        check_arm(arm, when="after importing the benchmarks")
    except ArmMismatch as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 3
    sweep = Sweep(
        arm,
        matrix,
        pyperf_args,
        options.results_dir.resolve(),
        options.timeout or (QUICK_TIMEOUT if options.quick else DEFAULT_TIMEOUT),
        options.quick,
        [str(Path(path).resolve()) for path in options.workload_file],
        adaptive,
    )
    return sweep.run()


if __name__ == "__main__":
    sys.exit(main())
