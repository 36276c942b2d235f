"""The gate's metrics: which ratios it computes, from which benchmarks, with which interval.

Every metric is a ratio of two benchmarks measured in one interleaved sweep, so that the
machine's drift cancels (absolute times are never gated):

- ``ft/gil <benchmark> t1``: free-threaded time per op over default-build time per op;
- ``lock-overhead <arm> <locked> t1``: a locked benchmark over its unshared reference
  (concepts.lock_overhead), same arm;
- ``speedup t2 <arm> <benchmark>``: t(1) / t(2) within one arm (reported, not gated by
  default: on 2 shared cores a 2-thread run either gets both cores or not, so its
  processes are bimodal).

A *cell* is one benchmark on one side of a sweep (``gil.base``, ``ft.head``...): its
processes' statistics (concepts.stats.process_value). A metric's value on a side is
``location(num) / location(den)``; an A/B change is the head's value over the base's
(inverted where lower is worse, so that > 1 always means worse), with the one
bootstrap (concepts.stats.bootstrap_statistic) resampling all four cells' processes.

The estimator: a cell's number is its fastest process's fastest value, the minimum of
all its values (Chen and Revels, "Robust benchmarking in noisy environments", 2016:
interference on a shared machine only ever slows code down, so the minimum is the
least noisy estimate of the code's own time). It is not the report's estimator (the
median of the undisturbed processes, concepts.stats.location), on purpose: the report
describes typical speed, the gate asks whether the code changed, and on the 2-core
machines most single values are slowed (the median value of a process ran 1.5x its
fastest) while a process's fastest of 30 values still differs from the next process's
by 1.0-1.3x, so any statistic of the middle of the processes needs far more processes
for the same interval. Every gated metric is measured at 1 thread, where "the fastest
run" has no other meaning (for multi-threaded code the spread can be the effect itself,
which is why the report does not do this). The interval is the same percentile
bootstrap over processes as everywhere (concepts.stats.bootstrap_statistic). A
bootstrap of a minimum is only as good as the minimum is reproducible (a one-off fast
value is a point the resamples cannot get below), so a metric is judged only where
every cell's fastest value is matched within ``FLOOR_AGREEMENT`` by another process;
the calibration trials in results/baselines/ check that the interval is honest here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.load import load_bench
from concepts.lock_overhead import reference
from concepts.stats import bootstrap_statistic

MIN_PROCESSES = 3
"""Fewest processes per cell before a metric is judged at all."""
FLOOR_AGREEMENT = 0.07
"""A cell's second-fastest process must be within this of its fastest one."""
ESTIMATOR = (
    "each cell's fastest value, after Chen and Revels (judged where a second process "
    f"reproduces it within {FLOOR_AGREEMENT:.0%})"
)
"""One line naming the gate's estimator, for its report."""

GATE_BENCHMARKS = (
    "increment-per-thread-t1",
    "increment-per-thread-t2",
    "locked-increment-lock-fine-t1",
)
"""What a gate run measures: the unshared op (each thread's own list) at 1 and 2 threads,
and a Lock around it. Not cpu-control-sum-squares: on the 2-core machines its processes
differ by up to 30% even when each is the fastest of 40 values (pure arithmetic feels
the load on the core's hyperthread sibling for seconds), against 1-5% for these."""
ARMS = ("gil", "ft")

Cells = Mapping[str, Mapping[str, list[float]]]
"""side -> benchmark -> process statistics, in the order the processes ran."""
CellsDict = dict[str, dict[str, list[float]]]


@dataclass(frozen=True)
class Metric:
    """One gated (or reported) ratio: ``num / den`` of two (arm, benchmark) cells."""

    name: str
    num: tuple[str, str]
    den: tuple[str, str]
    higher_is_worse: bool = True
    gated: bool = True

    @property
    def benchmarks(self) -> set[str]:
        return {self.num[1], self.den[1]}


def _metrics() -> tuple[Metric, ...]:
    defined: list[Metric] = []
    for bench in GATE_BENCHMARKS:
        if bench.endswith("-t1"):
            base = bench.removesuffix("-t1")
            defined.append(Metric(f"ft/gil {base} t1", ("ft", bench), ("gil", bench)))
    for arm in ARMS:
        for bench in GATE_BENCHMARKS:
            ref = reference(bench.removesuffix("-t1")) if bench.endswith("-t1") else None
            if ref is not None:
                name = f"lock-overhead {arm} {bench.removesuffix('-t1')} t1"
                defined.append(Metric(name, (arm, bench), (arm, f"{ref}-t1")))
    for arm in ARMS:
        for bench in GATE_BENCHMARKS:
            if bench.endswith("-t2") and bench.replace("-t2", "-t1") in GATE_BENCHMARKS:
                one = bench.replace("-t2", "-t1")
                name = f"speedup t2 {arm} {bench.removesuffix('-t2')}"
                defined.append(Metric(name, (arm, one), (arm, bench), False, gated=False))
    return tuple(defined)


METRICS = _metrics()


def select(gate: Iterable[str] = (), report_only: Iterable[str] = ()) -> tuple[Metric, ...]:
    """METRICS with gating changed: names in ``gate`` gated, in ``report_only`` not."""
    on, off = set(gate), set(report_only)
    unknown = (on | off) - {m.name for m in METRICS}
    if unknown:
        raise ValueError(f"unknown metric {sorted(unknown)[0]!r}")
    return tuple(
        Metric(
            m.name, m.num, m.den, m.higher_is_worse, (m.gated or m.name in on) and m.name not in off
        )
        for m in METRICS
    )


@dataclass(frozen=True)
class Estimate:
    """A metric's value (or an A/B change) with its 95% bootstrap interval."""

    value: float
    low: float
    high: float
    processes: int
    """Fewest processes of the cells involved."""
    reproduced: bool = True
    """Whether every cell's fastest value was matched within FLOOR_AGREEMENT by another."""

    def as_dict(self) -> dict[str, float | int | bool | None]:
        """For JSON: floats rounded, unknown bounds None."""
        return {
            k: (round(v, 6) if math.isfinite(v) else None) if type(v) is float else v
            for k, v in vars(self).items()
        }


Side = Mapping[str, str]
"""arm -> the sweep side that measured it, e.g. {"gil": "gil.base", "ft": "ft.base"}."""


def side_of(name: str) -> dict[str, str]:
    """The cells of side ``name`` of an A/B sweep (``head`` -> gil.head, ft.head); a
    side named "" is a plain sweep's (gil, ft)."""
    return {arm: f"{arm}.{name}" if name else arm for arm in ARMS}


def _samples(cells: Cells, side: Side, cell: tuple[str, str]) -> list[float]:
    arm, bench = cell
    return list(cells.get(side.get(arm, ""), {}).get(bench, []))


def _fewest(samples: Sequence[Sequence[float]]) -> tuple[int, bool]:
    """Fewest processes of any cell; whether every cell's fastest value is reproduced."""
    ordered = [sorted(s) for s in samples]
    reproduced = all(len(s) >= 2 and s[1] <= s[0] * (1 + FLOOR_AGREEMENT) for s in ordered)
    return min((len(s) for s in samples), default=0), reproduced


def _loc(samples: Sequence[float]) -> float:
    """A cell's number: its fastest process (each process is already its fastest value)."""
    return min(samples) if samples else math.nan


def value(metric: Metric, cells: Cells, side: Side) -> Estimate:
    """The metric on one side of the sweep, with its interval."""
    sides = [_samples(cells, side, metric.num), _samples(cells, side, metric.den)]
    point, low, high = bootstrap_statistic(sides, lambda s: _loc(s[0]) / _loc(s[1]))
    return Estimate(point, low, high, *_fewest(sides))


def change(metric: Metric, cells: Cells, base: Side, head: Side) -> Estimate:
    """head / base of the metric (> 1 is worse), all four cells' processes resampled."""
    sides = [_samples(cells, s, c) for s in (base, head) for c in (metric.num, metric.den)]

    def worse(s: Sequence[Sequence[float]]) -> float:
        ratio = (_loc(s[2]) / _loc(s[3])) / (_loc(s[0]) / _loc(s[1]))
        return ratio if metric.higher_is_worse else 1.0 / ratio

    point, low, high = bootstrap_statistic(sides, worse)
    return Estimate(point, low, high, *_fewest(sides))


def load_cells(directory: Path, sides: Iterable[str]) -> tuple[CellsDict, dict[str, list[str]]]:
    """Each side's cells from ``directory/bench-<side>.json`` (analysis.load), and per side
    the test-only slowdowns its files record; LoadError if a file is unreadable."""
    cells: CellsDict = {}
    injected: dict[str, list[str]] = {}
    for side in sides:
        path = directory / f"bench-{side}.json"
        if not path.is_file():
            cells[side] = {}
            continue
        frame = load_bench(path)
        side_cells = cells_from_frame(frame)
        cells[side] = side_cells
        injected[side] = sorted({str(v) for v in frame["injected_slowdown"].dropna().unique()})
    return cells, injected


def cells_from_frame(frame: pd.DataFrame) -> dict[str, list[float]]:
    """benchmark -> each process's statistic (its fastest value), from analysis.load rows."""
    by_process = frame.groupby(["source", "benchmark", "run"], sort=False)["value"].min()
    found: dict[str, list[float]] = {}
    for key, fastest in by_process.items():
        found.setdefault(str(key[1]), []).append(float(fastest))  # type: ignore[index]
    return found


def merge(first: Cells, second: Cells) -> CellsDict:
    """The processes of both measurements, cell by cell (a re-measurement adds to a cell)."""
    merged = {side: {b: list(v) for b, v in benches.items()} for side, benches in first.items()}
    for side, benches in second.items():
        for bench, samples in benches.items():
            merged.setdefault(side, {}).setdefault(bench, []).extend(samples)
    return merged
