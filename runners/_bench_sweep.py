"""A runners.bench sweep: every benchmark of the matrix on every arm, then the results.

With several arms the sweep is interleaved: each benchmark is measured in rounds in
which every arm runs (runners._bench_rounds), so the arms of one comparison share the
machine's conditions. Every file the sweep writes records its ``session`` (one id for
all arms of the sweep), when it started and ended, and which arms it interleaved.

Finished benchmarks are merged into ``<results>/.bench-<arm>.partial.json`` as they
complete, so an interrupted run keeps them; at the end (or on Ctrl-C / SIGTERM) they are
published to ``<results>/bench-<arm>.json`` (the previous file kept in ``history/``) and
``<results>/run-bench-<arm>.json`` records every benchmark's status, precision and time.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concepts.stats import ESTIMATOR
from runners._bench_one import REPO, ArmRunner, Outcome, Planned
from runners._bench_rounds import RoundPlan, measure
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
    seconds_per_benchmark: float | None = None
    """Time budget of added rounds, per benchmark and arm on average (None: no budget)."""
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    interrupted: bool = False
    wall: float = 0.0
    session: str = field(
        default_factory=lambda: os.environ.get("GILBENCH_SESSION") or uuid.uuid4().hex[:12]
    )
    """Shared by every arm of the sweep (tox gives all envs of one invocation the same)."""
    started: _dt.datetime = field(default_factory=_now)
    ended: _dt.datetime | None = None
    benchmarks_done: int = 0

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

    def finished(self, arm: str) -> list[Any]:
        return [o.bench for o in self.outcomes.get(arm, []) if o.status == "ok"]

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
            f"each benchmark: {plan.first_rounds} round(s) of {plan.processes} process(es)"
            f" per arm{', arms alternating' if len(self.arms) > 1 else ''}"
            + (
                f", up to {plan.max_rounds} rounds while the 95% CI of"
                f" {'the ratios to ' + self.arm_names[0] if len(self.arms) > 1 else 'its estimate'}"
                f" is wider than +-{100 * plan.target:g}%"
                if plan.target is not None and plan.max_rounds > plan.first_rounds
                else ""
            )
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

    def _allowance(self, first_seconds: float) -> float:
        """Seconds the benchmark now running may add: its share of the spare budget.

        The budget is ``seconds_per_benchmark`` x arms x the benchmarks to run; the spare
        is what remains after the time spent so far and the first rounds still to come
        (estimated from the mean first rounds so far), shared equally by this benchmark
        and those after it.
        """
        if self.seconds_per_benchmark is None:
            return 0.0
        runnable = [item for item in self.matrix if not item.skip_reason]
        first = self.outcomes.get(self.arm_names[0], [])
        done = [o for o in first if o.status != "skipped"]
        firsts = [o.first_seconds for o in done] + [first_seconds]
        remaining = len(runnable) - len(done)  # including this one
        budget = self.seconds_per_benchmark * len(self.arms) * len(runnable)
        elapsed = sum(o.seconds for o in done) + first_seconds
        spare = budget - elapsed - statistics.fmean(firsts) * (remaining - 1)
        return max(0.0, spare / max(1, remaining))

    def _run_matrix(self) -> None:
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
                )
                for setup in self.arms
            ]
            for index, item in enumerate(self.matrix, 1):
                print(f"[{index}/{len(self.matrix)}] {item.name} ... ", end="", flush=True)
                if item.skip_reason:
                    for name in self.arm_names:
                        self.outcomes.setdefault(name, []).append(
                            Outcome(item.name, "skipped", item.skip_reason)
                        )
                    print(f"skipped: {item.skip_reason}")
                    continue
                outcomes = measure(item, runners, self.plan, self._allowance)
                for outcome, name in zip(outcomes, self.arm_names, strict=True):
                    self.outcomes.setdefault(name, []).append(outcome)
                self._print(outcomes)
                for name, outcome in zip(self.arm_names, outcomes, strict=True):
                    if outcome.status == "ok":
                        atomic_write_text(self.partial(name), _suite_text(self.finished(name)))

    def _print(self, outcomes: list[Outcome]) -> None:
        seconds = max(o.seconds for o in outcomes)
        parts = []
        for name, outcome in zip(self.arm_names, outcomes, strict=True):
            text = outcome.summary if outcome.status == "ok" else outcome.status.upper()
            parts.append(f"{name} {text}" if len(outcomes) > 1 else text)
        rounds = max(o.rounds for o in outcomes)
        print(f"{'; '.join(parts)} ({rounds} rounds, {seconds:.1f} s)", flush=True)
        for outcome in outcomes:
            if outcome.status not in ("ok", "skipped"):
                print(f"  error: {outcome.message}", flush=True)

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
            "estimator": ESTIMATOR,
            "processes_per_round": plan.processes,
            "first_rounds": plan.first_rounds,
            "max_rounds": plan.max_rounds,
            "target_ci": plan.target,
            "seconds_per_benchmark": self.seconds_per_benchmark,
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
                for o in self.outcomes.get(name, [])
            ],
        }

    def _report(self) -> int:
        """Write the status records, publish the finished benchmarks; return the exit status."""
        failed = 0
        any_finished = False
        first = self.outcomes.get(self.arm_names[0], [])
        print(f"\n{len(first)} of {len(self.matrix)} benchmarks done in {self.wall:.0f} s")
        for name in self.arm_names:
            outcomes = self.outcomes.get(name, [])
            finished = self.finished(name)
            for bench in finished:
                bench.update_metadata(self.side_metadata(name))
            overhead = harness_overhead(finished)
            publish(
                self.status_file(name),
                json.dumps(self._status_record(name, overhead), indent=2) + "\n",
            )
            by_status: dict[str, int] = {}
            for outcome in outcomes:
                by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
            counts = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            print(f"arm {name}: {counts or 'none'}")
            for outcome in outcomes:
                if outcome.status not in ("ok", "skipped"):
                    print(f"  {outcome.status}: {outcome.message.splitlines()[0]}")
            failed += sum(n for status, n in by_status.items() if status not in ("ok", "skipped"))
            precise = [o.ci_halfwidth for o in outcomes if o.ci_halfwidth is not None]
            if precise:
                within = sum(half <= PRECISION_REPORT for half in precise)
                what = (
                    f"ratio to {self.arm_names[0]}"
                    if len(self.arms) > 1 and name != self.arm_names[0]
                    else "estimate"
                )
                if len(self.arms) > 1 and name == self.arm_names[0]:
                    what = "widest ratio"
                print(
                    f"  precision: {within} of {len(precise)} benchmarks have the 95% CI of"
                    f" their {what} within +-{100 * PRECISION_REPORT:g}%"
                )
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
