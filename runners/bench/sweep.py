"""A runners.bench sweep: every benchmark of the matrix on every arm, then the results.

With several arms the sweep is interleaved: each benchmark is measured in rounds in
which every arm runs (runners.bench.rounds), so the arms of one comparison share the
machine's conditions. It runs in two stages: a few rounds of every benchmark, then the
rest of the time budget, a round at a time, where the comparisons (ratios to the first
side, speedups) are still wider than their target. Every file the sweep writes records
its ``session`` (one id for all arms of the sweep), when it started and ended, and which
arms it interleaved.

Finished benchmarks are merged into ``<results>/.bench-<arm>.partial.json`` as they
complete, so an interrupted run keeps them; at the end (or on Ctrl-C / SIGTERM) they are
published to ``<results>/bench-<arm>.json`` (the previous file kept in ``history/``) and
``<results>/run-bench-<arm>.json`` records every benchmark's status, precision and time.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import signal
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concepts import stats
from concepts.allocation import Comparison, comparisons, next_cell, why_wide
from concepts.arms import Arm
from concepts.files import atomic_write, keep_previous, publish
from runners.bench.master import REPO, ArmRunner, BenchOutcome, Planned
from runners.bench.rounds import Cell, RoundPlan, cell_kind, measure_round, outcome
from runners.bench.stats import format_seconds, harness_overhead


def _suite_text(benches: Sequence[Any]) -> str:
    import pyperf

    buffer = io.StringIO()
    pyperf.BenchmarkSuite(list(benches)).dump(buffer)
    return buffer.getvalue()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _now() -> _dt.datetime:
    return _dt.datetime.now().astimezone()


@dataclass(frozen=True)
class ArmSetup:
    """An arm of the sweep, the interpreter that runs it, and the name of its side."""

    arm: Arm
    python: str
    label: str = ""
    """The side's name in file names and output (default: the arm's name). Two sides of
    one arm (an A/A calibration: runners.calibrate) differ only by label."""
    tree: Path | None = None
    """The gilbench source tree its workers run (None: this one)."""
    gil_reenabled_by: tuple[str, ...] = ()
    """Modules of the --workloads files that turn the GIL back on for this arm's users
    (runners.bench.preflight); recorded in its runs' metadata."""

    @property
    def side(self) -> str:
        return self.label or self.arm.name


@dataclass
class Sweep:
    """One invocation: the arms, the matrix, what happened, where results go."""

    arms: list[ArmSetup]
    matrix: list[Planned]
    pyperf_args: list[str]
    results_dir: Path
    timeout: float
    quick: bool
    workload_files: list[str]
    plan: RoundPlan
    budget_seconds: float | None = None
    """Wall seconds the whole sweep may take; the second stage spends what the first
    leaves (None: first stage only)."""
    cores: int = 1
    """Usable CPUs: the speedups judged are from 1 thread to the largest count within."""
    cells: list[Cell] = field(default_factory=list)
    wanted: list[Comparison] = field(default_factory=list)
    interrupted: bool = False
    wall: float = 0.0
    session: str = field(
        default_factory=lambda: os.environ.get("GILBENCH_SESSION") or uuid.uuid4().hex[:12]
    )
    """Shared by every arm of the sweep (tox gives all envs of one invocation the same)."""
    started: _dt.datetime = field(default_factory=_now)
    ended: _dt.datetime | None = None
    _clock: float = field(default_factory=time.monotonic)

    def final(self, arm: str) -> Path:
        return self.results_dir / f"bench-{arm}.json"

    def partial(self, arm: str) -> Path:
        return self.results_dir / f".bench-{arm}.partial.json"

    def status_file(self, arm: str) -> Path:
        return self.results_dir / f"run-bench-{arm}.json"

    @property
    def arm_names(self) -> list[str]:
        """The sides' names (an arm's name unless a label was given)."""
        return [setup.side for setup in self.arms]

    def outcomes(self, side: str) -> list[BenchOutcome]:
        """What happened to every benchmark of the matrix on ``side``, in matrix order."""
        measured = {cell.name: cell for cell in self.cells}
        found = []
        for item in self.matrix:
            cell = measured.get(item.name)
            if item.skip_reason:
                found.append(BenchOutcome(item.name, "skipped", item.skip_reason))
            elif cell is not None:
                found.append(self._with_precision(outcome(cell, side), side))
        return found

    def _with_precision(self, found: BenchOutcome, side: str) -> BenchOutcome:
        """``found`` with the half-width of its ratio to the first side (if it has one)."""
        for comparison in self.wanted:
            cell, num_side = comparison.num
            if cell.name == found.name and num_side == side and not comparison.speedup:
                half = comparison.halfwidth()
                found.ci_halfwidth = half if math.isfinite(half) else None
        return found

    def finished(self, arm: str) -> list[Any]:
        return [o.bench for o in self.outcomes(arm) if o.status == "ok"]

    def session_metadata(self) -> dict[str, Any]:
        """Recorded in every benchmark of every arm's file (pyperf metadata)."""
        ended = self.ended or _now()
        return {
            "session": self.session,
            "session_start": self.started.isoformat(timespec="seconds"),
            "session_end": ended.isoformat(timespec="seconds"),
            "session_arms": ",".join(self.arm_names),
            "interleaved": len(self.arms) > 1,
        }

    def side_metadata(self, side: str) -> dict[str, Any]:
        """The session's metadata, plus ``side`` where a side is not named after its arm."""
        setup = next(s for s in self.arms if s.side == side)
        extra: dict[str, Any] = {"side": side} if setup.label else {}
        # The interpreter set (tox names it; else the worker's version and build profile).
        finished = self.finished(side)
        if os.environ.get("GILBENCH_SET"):
            extra["interpreter_set"] = os.environ["GILBENCH_SET"]
        elif finished:
            metadata = finished[0].get_metadata()
            version = str(metadata.get("python_version", "")).split(" ")[0]
            extra["interpreter_set"] = f"{version}-{metadata.get('build_profile', 'plain')}"
        return {**self.session_metadata(), **extra}

    def run(self) -> int:
        """Run the matrix, keep what finishes, publish it; return the exit status."""
        for name in self.arm_names:
            stale = keep_previous(self.partial(name))
            if stale is not None:
                print(f"kept a previous run's partial results as {stale}")
        print(
            f"gilbench: {len(self.matrix)} benchmarks on arm(s) {', '.join(self.arm_names)}"
            f" (session {self.session}); pyperf options:"
            f" {' '.join(self.pyperf_args) or '(defaults)'}; timeout {self.timeout:g} s each"
        )
        for setup in self.arms:
            print(f"  {setup.side}: {setup.python} (arm {setup.arm.name})")
        plan = self.plan
        print(
            f"first stage: {plan.first_rounds} round(s) of {plan.processes} process(es)"
            f" per side and benchmark{', sides alternating' if len(self.arms) > 1 else ''}"
        )
        for kind, shape in plan.shapes.items():
            print(
                f"  {kind} rows ({stats.describe(kind)}): {shape.warmups} warmup(s) +"
                f" {shape.values} values of >= {1000 * shape.min_time:g} ms per process"
            )
        if plan.targets is not None and self.budget_seconds is not None:
            targets = ", ".join(f"{k} +-{100 * t:g}%" for k, t in plan.targets.items())
            print(
                f"second stage: rounds (up to {plan.max_rounds} per benchmark) where a 95% CI"
                f" is wider than its target ({targets}), within a budget of"
                f" {self.budget_seconds / 60:.1f} minutes for the whole sweep"
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
        self.ended = _now()
        # A second Ctrl-C must not stop the publishing of what finished.
        previous_sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return self._report()
        finally:
            signal.signal(signal.SIGINT, previous_sigint)

    def _seconds_left(self) -> float:
        if self.budget_seconds is None:
            return 0.0
        return self.budget_seconds - (time.monotonic() - self._clock)

    def _save(self, cell: Cell) -> None:
        """Rewrite the partial file of every side that has a result for ``cell``."""
        for name in self.arm_names:
            if name in cell.benches:
                atomic_write(self.partial(name), _suite_text(self.finished(name)), fsync=True)

    def _run_matrix(self) -> None:
        self._clock = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="gilbench-sweep-") as workdir:
            verbose = "-v" in self.pyperf_args or "--verbose" in self.pyperf_args
            runners = [
                ArmRunner(
                    setup.arm,
                    setup.python,
                    self.pyperf_args,
                    self.timeout,
                    self.workload_files,
                    Path(workdir),
                    verbose,
                    setup.side,
                    setup.tree or REPO,
                    gil_reenabled_by=setup.gil_reenabled_by,
                )
                for setup in self.arms
            ]
            plan = self.plan
            for index, item in enumerate(self.matrix, 1):
                print(f"[{index}/{len(self.matrix)}] {item.name} ... ", end="", flush=True)
                if item.skip_reason:
                    print(f"skipped: {item.skip_reason}")
                    continue
                cell = Cell(item, cell_kind(item))
                self.cells.append(cell)
                while cell.rounds < plan.first_rounds and measure_round(cell, runners, plan):
                    pass
                self._print(cell)
                self._save(cell)
            if plan.targets is None or self.budget_seconds is None:
                return
            self.wanted = comparisons(self.cells, self.arm_names, self.cores, plan.targets)
            left = self._seconds_left()
            print(
                f"second stage: {max(left, 0):.0f} s of the {self.budget_seconds:.0f} s budget"
                " left for the comparisons still wider than their target",
                flush=True,
            )
            while True:
                chosen = next_cell(
                    self.wanted, plan.processes, plan.max_rounds, self._seconds_left()
                )
                if chosen is None:
                    break
                cell = next(c for c in self.cells if c is chosen)
                print(f"[+] {cell.name} round {cell.rounds + 1} ... ", end="", flush=True)
                measure_round(cell, runners, plan)
                self._print(cell)
                self._save(cell)

    def _print(self, cell: Cell) -> None:
        parts = []
        for name in self.arm_names:
            found = outcome(cell, name)
            text = found.summary if found.status == "ok" else found.status.upper()
            parts.append(f"{name} {text}" if len(self.arms) > 1 else text)
        print(f"{'; '.join(parts)} ({cell.rounds} rounds, {cell.seconds:.1f} s)", flush=True)
        if cell.failure is not None:
            print(f"  error: {cell.failure[2]}", flush=True)

    def precision_summary(self) -> list[str]:
        """Lines saying how many comparisons met their target, and why the others did not."""
        if not self.wanted:
            return []
        lines = []
        for kind, what in ((stats.ALONE, "1-thread ratios"), (stats.SHARED, "other ratios")):
            chosen = [c for c in self.wanted if c.kind == kind and not c.speedup]
            if chosen:
                met = sum(c.halfwidth() <= c.target for c in chosen)
                target = chosen[0].target
                lines.append(
                    f"{met} of {len(chosen)} {what} have a 95% CI within +-{100 * target:g}%"
                )
        speedups = [c for c in self.wanted if c.speedup]
        if speedups:
            met = sum(c.halfwidth() <= c.target for c in speedups)
            lines.append(
                f"{met} of {len(speedups)} speedups have a 95% CI within"
                f" +-{100 * speedups[0].target:g}%"
            )
        for comparison in self.wanted:
            half = comparison.halfwidth()
            if half > comparison.target:
                shown = f"+-{100 * half:.1f}%" if math.isfinite(half) else "no interval"
                lines.append(f"  not met: {comparison.label} {shown}: {why_wide(comparison)}")
        return lines

    def _status_record(self, name: str, overhead: list[dict[str, Any]]) -> dict[str, Any]:
        plan = self.plan
        setup = next(s for s in self.arms if s.side == name)
        return {
            "arm": setup.arm.name,
            "side": name,
            "python_executable": setup.python,
            **self.session_metadata(),
            "started": self.started.isoformat(timespec="seconds"),
            "wall_seconds": round(self.wall, 1),
            "interrupted": self.interrupted,
            "quick": self.quick,
            "pyperf_args": self.pyperf_args,
            "timeout_seconds": self.timeout,
            "estimator": stats.ESTIMATOR,
            "processes_per_round": plan.processes,
            "first_rounds": plan.first_rounds,
            "max_rounds": plan.max_rounds,
            "targets": plan.targets,
            "shapes": {kind: vars(shape) for kind, shape in plan.shapes.items()},
            "budget_seconds": self.budget_seconds,
            "planned": len(self.matrix),
            "harness_overhead": overhead,
            "benchmarks": [
                {
                    "name": o.name,
                    "status": o.status,
                    "message": o.message,
                    "seconds": round(o.seconds, 2),
                    "processes": o.processes,
                    "rounds": o.rounds,
                    "first_seconds": round(o.first_seconds, 2),
                    "ci_halfwidth": None if o.ci_halfwidth is None else round(o.ci_halfwidth, 4),
                }
                for o in self.outcomes(name)
            ],
            "comparisons": [self._comparison_record(c) for c in self.wanted],
        }

    @staticmethod
    def _comparison_record(comparison: Comparison) -> dict[str, Any]:
        ratio, low, high = comparison.interval()
        half = stats.relative_halfwidth(ratio, low, high)

        def rounded(value: float) -> float | None:
            return round(value, 5) if math.isfinite(value) else None

        return {
            "comparison": comparison.label,
            "kind": comparison.kind,
            "target": comparison.target,
            "ratio": rounded(ratio),
            "low": rounded(low),
            "high": rounded(high),
            "halfwidth": rounded(half),
            "met": bool(half <= comparison.target),
            "why_not": "" if half <= comparison.target else why_wide(comparison),
        }

    def _report(self) -> int:
        """Write the status records, publish the finished benchmarks; return the exit status."""
        failed = 0
        any_finished = False
        first = self.outcomes(self.arm_names[0])
        print(f"\n{len(first)} of {len(self.matrix)} benchmarks done in {self.wall:.0f} s")
        for line in self.precision_summary():
            print(line)
        for name in self.arm_names:
            outcomes = self.outcomes(name)
            finished = self.finished(name)
            for bench in finished:
                bench.update_metadata(self.side_metadata(name))
            overhead = harness_overhead(finished)
            publish(
                self.status_file(name),
                json.dumps(self._status_record(name, overhead), indent=2) + "\n",
            )
            by_status: dict[str, int] = {}
            for found in outcomes:
                by_status[found.status] = by_status.get(found.status, 0) + 1
            counts = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            print(f"arm {name}: {counts or 'none'}")
            for found in outcomes:
                if found.status not in ("ok", "skipped"):
                    print(f"  {found.status}: {found.message.splitlines()[0]}")
            failed += sum(n for status, n in by_status.items() if status not in ("ok", "skipped"))
            for row in overhead:
                print(
                    f"  harness overhead at {row['threads']} threads:"
                    f" {format_seconds(row['empty_run_seconds'])} per run ="
                    f" {100 * row['median_share']:.2g}% of a median benchmark's run"
                    f" (max {100 * row['max_share']:.2g}%: {row['max_share_benchmark']})"
                )
            final = self.final(name)
            if finished:
                any_finished = True
                kept = publish(final, _suite_text(finished))
                self.partial(name).unlink(missing_ok=True)
                what = "partial results (interrupted)" if self.interrupted else "results"
                print(f"  {what}: {len(finished)} benchmarks written to {final}")
                if kept is not None:
                    print(f"  previous {final.name} kept as {kept}")
            else:
                print(f"  no benchmark finished: {final} not written")
        print(f"session {self.session}: {self.started:%H:%M:%S} - {self.ended or _now():%H:%M:%S}")
        if self.interrupted:
            return 130
        return 1 if failed or not any_finished else 0
