"""A runners.bench sweep: every benchmark of the matrix in turn, then the published results.

Finished benchmarks are merged into ``<results>/.bench-<arm>.partial.json`` as they
complete, so an interrupted run keeps them; at the end (or on Ctrl-C / SIGTERM) they are
published to ``<results>/bench-<arm>.json`` (the previous file kept in ``history/``) and
``<results>/run-bench-<arm>.json`` records every benchmark's status, precision and time.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runners._bench_one import Adaptive, BenchRun, Outcome, Planned
from runners._bench_stats import PRECISION_REPORT, format_seconds, harness_overhead
from runners.arms import Arm
from runners.results import atomic_write_text, keep_previous, publish


def _suite_text(benches: Sequence[Any]) -> str:
    import pyperf

    buffer = io.StringIO()
    pyperf.BenchmarkSuite(list(benches)).dump(buffer)
    return buffer.getvalue()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
