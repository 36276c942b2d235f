"""One benchmark of a runners.bench sweep: its pyperf master process(es), checked.

A benchmark (a workload at a thread count) runs as a pyperf master in its own process
group (so a hang is killed with all its workers), then, in default mode, more worker
processes are added while the 95% confidence interval of its median is too wide. Every
run's GIL metadata is checked against the arm before the benchmark is accepted.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import Workload
from runners._bench_stats import EMPTY_WORKLOAD, median_ci_halfwidth, process_means, summarize
from runners._pyperf_bench import ERROR_PREFIX, benchmark_name
from runners.arms import Arm

REPO = Path(__file__).resolve().parent.parent

FIXED_LOOPS = {EMPTY_WORKLOAD: ["--loops", "1"]}
"""Workloads that skip pyperf's loop calibration. The empty workload's timed span is a
microsecond, so calibrating it to --min-time would take ~10^4 untimed thread start-ups
per value (minutes per benchmark); one run per value is what it measures anyway."""


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
                f"benchmark {item.name} hung: no result within {self.timeout:g} s "
                "(deadlocked, or too slow for --timeout)",
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
