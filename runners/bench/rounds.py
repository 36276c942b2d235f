"""One benchmark measured in interleaved rounds, and where a sweep's next round goes.

The machines this runs on drift: the same benchmark measured 90 and 155 ns/op forty
minutes apart on an idle machine, and for bursts of seconds a whole process can run
1.5-2x slower. Arms measured one after the other would put that drift into the ft/gil
ratio. So a benchmark is measured in rounds: in each round every side of the sweep
runs one pyperf master of ``processes`` worker processes, the order of the sides
reversed every other round (gil, ft, ft, gil, gil, ft ...), so that a slow stretch
weighs on every side alike and no side always goes first.

A sweep has two stages (runners.bench.sweep). First every benchmark gets
``first_rounds`` rounds (the first one calibrates each side's loops; later rounds
reuse them). Then the rest of the time budget goes, one round at a time, to the
comparisons whose 95% CI is still wider than its target (concepts.allocation says
which comparisons, and where the next round goes).

Each kind of row has its own process shape and statistic (concepts.stats): a row where
one thread runs alone is summarised by each process's fastest value, which needs many
short values per process; a row where threads share the cores by each process's mean.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks import Workload
from concepts import stats
from concepts.families import traits
from runners.bench.master import ArmRunner, BenchOutcome, Planned
from runners.bench.stats import describe_cell


@dataclass(frozen=True)
class Shape:
    """pyperf options of one worker process for a kind of row."""

    values: int
    warmups: int
    min_time: float
    """Seconds a value lasts at least (pyperf calibrates the loops to it)."""
    seconds: float
    """What a process's values of a fixed-duration workload may take together (their
    length is known in advance: a value is one run of the workload's duration)."""

    def values_for(self, workload: Workload) -> int:
        """Values per process: ``values``, fewer for a fixed-duration workload."""
        if workload.duration is None:
            return self.values
        return max(3, min(self.values, round(self.seconds / workload.duration)))

    def args(self, workload: Workload) -> list[str]:
        return [
            "--values", str(self.values_for(workload)),
            "--warmups", str(self.warmups),
            "--min-time", f"{self.min_time:g}",
        ]  # fmt: skip


SHAPES = {
    stats.ALONE: Shape(values=40, warmups=1, min_time=0.004, seconds=0.4),
    stats.SHARED: Shape(values=40, warmups=1, min_time=0.004, seconds=0.4),
}
"""The process shape per kind of row, chosen on this machine's noise
(docs/precision-2core.md): the fastest value needs many short values to find an
undisturbed stretch, and the mean of a shared row also narrowed from 20 to 40 values;
a process costs about 0.43 s beyond its values, so values are the cheaper precision."""


@dataclass(frozen=True)
class RoundPlan:
    """How many rounds and processes a benchmark gets, and which precision is wanted."""

    processes: int = 2
    """Worker processes per side per round."""
    first_rounds: int = 3
    """Rounds every benchmark gets in the first stage."""
    max_rounds: int = 12
    targets: dict[str, float] | None = field(default_factory=lambda: dict(stats.TARGETS))
    """Wanted relative 95% CI half-width per kind of comparison; None: first stage only."""
    shapes: dict[str, Shape] = field(default_factory=lambda: dict(SHAPES))


@dataclass(eq=False)
class Cell:
    """One benchmark across the sweep's sides: what it got so far (a
    concepts.allocation.Measured)."""

    item: Planned
    kind: str
    benches: dict[str, Any] = field(default_factory=dict)
    rounds: int = 0
    seconds: float = 0.0
    first_seconds: float = 0.0
    failure: tuple[str, str, str] | None = None
    """(side, status, message) of the attempt that failed; the cell gets no more rounds."""

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def workload(self) -> str:
        return self.item.workload.name

    @property
    def threads(self) -> int:
        return self.item.threads

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def seconds_per_round(self) -> float:
        return self.seconds / self.rounds if self.rounds else math.inf

    def processes(self, side: str) -> list[list[float]]:
        """Each worker process's values on ``side``, in the order they ran."""
        bench = self.benches.get(side)
        if bench is None:
            return []
        return [list(run.values) for run in bench.get_runs() if run.values]

    def statistics(self, side: str, kind: str) -> list[float]:
        """Each process's statistic on ``side`` for a row of ``kind``."""
        return [stats.process_statistic(p, kind) for p in self.processes(side)]


def cell_kind(item: Planned) -> str:
    """ALONE or SHARED (concepts.stats.row_kind) for a planned benchmark."""
    return stats.row_kind(item.threads, traits(item.workload.name).helper_threads)


def _same_loops(bench: Any) -> list[str]:
    """pyperf options repeating a finished run's loops (no recalibration)."""
    last = [run for run in bench.get_runs() if run.values][-1]
    return ["--loops", str(last.get_loops())]


def measure_round(cell: Cell, runners: Sequence[ArmRunner], plan: RoundPlan) -> bool:
    """One more round of ``cell`` on every side; False (and ``cell.failure`` set) on failure.

    A failure on one side ends the benchmark: that side gets the failure, the others
    keep what they finished.
    """
    start = time.monotonic()
    order = runners if cell.rounds % 2 == 0 else list(reversed(runners))
    shape = plan.shapes[cell.kind].args(cell.item.workload)
    try:
        for runner in order:
            side = runner.side
            extra = ["--processes", str(plan.processes)]
            if side in cell.benches:
                extra += _same_loops(cell.benches[side])
            result = runner.attempt(cell.item, extra, defaults=shape)
            if isinstance(result, tuple):
                cell.failure = (side, *result)
                return False
            if side in cell.benches:
                cell.benches[side].add_runs(result)
            else:
                cell.benches[side] = result
        cell.rounds += 1
        return True
    finally:
        cell.seconds += time.monotonic() - start
        if cell.rounds <= 1:
            cell.first_seconds = cell.seconds


def outcome(cell: Cell, side: str) -> BenchOutcome:
    """What happened to ``cell`` on ``side``."""
    if cell.failure is not None and cell.failure[0] == side:
        return BenchOutcome(cell.name, cell.failure[1], cell.failure[2], cell.seconds,
                       first_seconds=cell.first_seconds)  # fmt: skip
    bench = cell.benches.get(side)
    if bench is None:
        message = (
            f"not measured: side {cell.failure[0]} failed first" if cell.failure else "no result"
        )
        return BenchOutcome(cell.name, "failed", message, cell.seconds)
    return BenchOutcome(
        cell.name,
        "ok",
        "",
        cell.seconds,
        describe_cell(bench, cell.kind),
        bench,
        len(cell.processes(side)),
        cell.rounds,
        None,
        cell.first_seconds,
    )
