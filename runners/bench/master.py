"""One arm's pyperf master processes for one benchmark, each checked before it counts.

A benchmark (a workload at a thread count) is measured in rounds (runners.bench.rounds);
in each round every arm of the sweep runs one pyperf master (``ArmRunner.attempt``) in
its own process group, on that arm's interpreter with that arm's PYTHON_GIL, so a hang
is killed with all its workers. Every run's GIL metadata is checked against the arm
before the result is accepted.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import Workload
from concepts.arms import Arm
from runners import inject
from runners.bench.preflight import REENABLED_VAR
from runners.bench.stats import EMPTY_WORKLOAD
from runners.bench.worker import ERROR_PREFIX, benchmark_name
from runners.pyperf_hook import HOOK_NAME

REPO = Path(__file__).resolve().parents[2]


WORKER_MODULES = ("runners.bench.worker", "runners._pyperf_bench")
"""The worker module of a gilbench tree, newest layout first: an A/B gate run measures
its base revision's own tree, which may predate the runners.bench package."""


def worker_module(tree: Path) -> str:
    """The worker module that ``tree`` has (``python -m`` name); ValueError if none."""
    for module in WORKER_MODULES:
        if (tree / (module.replace(".", "/") + ".py")).is_file():
            return module
    raise ValueError(f"{tree} is not a gilbench tree (no {' or '.join(WORKER_MODULES)})")


def fixed_loops(workload: Workload) -> list[str]:
    """pyperf options for workloads that skip loop calibration (one run per value).

    The empty workload's timed span is a microsecond, so calibrating it to --min-time
    would take ~10^4 untimed thread start-ups per value (minutes per benchmark); one run
    per value is what it measures anyway. A fixed-duration run already lasts its
    duration, and its time function returns seconds per operation, which loop
    calibration would misread as a run far too short.
    """
    if workload.name == EMPTY_WORKLOAD or workload.duration is not None:
        return ["--loops", "1"]
    return []


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
class BenchOutcome:
    """What happened to one benchmark on one arm."""

    name: str
    status: str  # ok | skipped | failed | hung | refused
    message: str = ""
    seconds: float = 0.0
    summary: str = ""
    bench: Any = field(default=None, repr=False)  # pyperf.Benchmark when status == ok
    processes: int = 0
    rounds: int = 0
    ci_halfwidth: float | None = None
    """Relative half-width of the 95% CI of this side's ratio to the sweep's first side
    (None for the first side, a lone side, or below 2 processes)."""
    first_seconds: float = 0.0
    """Wall time of the first round (before any added rounds)."""


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


ProcessResult = Any
"""A verified pyperf.Benchmark, or a (status, message) tuple when the attempt failed."""


@dataclass
class ArmRunner:
    """Runs pyperf masters of one arm: its interpreter, its PYTHON_GIL, its options."""

    arm: Arm
    python: str
    """The arm's interpreter (with pyperf and the gilbench hook installed)."""
    pyperf_args: list[str]
    timeout: float
    workload_files: list[str]
    workdir: Path
    verbose: bool
    side: str = ""
    """The side's name (the arm's, unless two sides share an arm)."""
    tree: Path = REPO
    """The gilbench source tree the workers run (another revision's, in an A/B run)."""
    attempts: int = 0
    gil_reenabled_by: tuple[str, ...] = ()
    """Modules that turn the GIL back on for this arm's users (runners.bench.preflight)."""

    def __post_init__(self) -> None:
        self.side = self.side or self.arm.name

    def command(
        self,
        item: Planned,
        output: Path,
        extra: Sequence[str] = (),
        defaults: Sequence[str] = (),
    ) -> list[str]:
        """The pyperf master's command line for ``item`` (results to ``output``).

        ``defaults`` (the process shape of the row's kind) come before the user's pyperf
        options, so the user's win; ``extra`` (processes, the loops of earlier rounds)
        after them.
        """
        cmd = [
            self.python,
            "-m",
            worker_module(self.tree),
            "--gilbench-arm",
            self.arm.name,
            "--gilbench-workload",
            item.workload.name,
            "--gilbench-threads",
            str(item.threads),
            "--hook",
            HOOK_NAME,
        ]
        for path in self.workload_files:
            cmd += ["--gilbench-workload-file", path]
        cmd += fixed_loops(item.workload)  # before the user's: theirs win
        cmd += defaults
        cmd += self.pyperf_args
        cmd += extra
        cmd += ["--timeout", str(math.ceil(self.timeout)), "--output", str(output)]
        return cmd

    def environment(self) -> dict[str, str]:
        """os.environ with this arm's PYTHON_GIL (removed for the default build)."""
        env = dict(os.environ)
        # The tree first on sys.path: it wins over the editable install of this one.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.tree), env.get("PYTHONPATH")]))
        env.pop("PYTHON_GIL", None)
        env[inject.SIDE_VAR] = self.side
        env.pop(REENABLED_VAR, None)
        if self.gil_reenabled_by:
            env[REENABLED_VAR] = ",".join(self.gil_reenabled_by)
        if self.arm.python_gil is not None:
            env["PYTHON_GIL"] = self.arm.python_gil
        return env

    def _master(
        self, item: Planned, output: Path, extra: Sequence[str], defaults: Sequence[str]
    ) -> tuple[int, str]:
        """Run one pyperf master (and its workers) in its own process group."""
        log_path = output.with_suffix(".log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                self.command(item, output, extra, defaults),
                cwd=self.tree,
                env=self.environment(),
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

    def attempt(
        self, item: Planned, extra: Sequence[str] = (), defaults: Sequence[str] = ()
    ) -> ProcessResult:
        """One pyperf master's verified Benchmark, or a (status, message) tuple on failure."""
        import pyperf

        self.attempts += 1
        output = self.workdir / f"{item.name}.{self.side}.{self.attempts}.json"
        code, text = self._master(item, output, extra, defaults)
        if code == 124:
            return (
                "hung",
                f"benchmark {item.name} hung on arm {self.arm.name}: no result within "
                f"{self.timeout:g} s (deadlocked, or too slow for --timeout)",
            )
        if code != 0:
            cause = _error_line(text)
            return (
                "failed",
                f"benchmark {item.name} failed on arm {self.arm.name} (exit {code}): "
                + (cause or "no error line; output ends with:\n" + _tail(text)),
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
