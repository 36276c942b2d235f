"""The gate's metrics: which ratios it computes, from which benchmarks, with which interval.

Every metric is a ratio of two benchmarks measured in one interleaved sweep, so that the
machine's drift cancels (absolute times are never gated):

- ``ft/gil <benchmark> t1``: free-threaded time per op over default-build time per op;
- ``lock-overhead <arm> <locked> t1``: a locked benchmark over its unshared reference
  (concepts.lock_overhead), same arm;
- ``speedup t2 <arm> <benchmark>``: t(1) / t(2) within one arm (reported, not gated by
  default: on 2 shared cores a 2-thread run either gets both cores or not, so its
  processes are bimodal).

A *cell* is one benchmark on one side of a sweep (``gil.base``, ``ft.head``...): the
values of each of its worker processes. A metric's value on a side is its ``num`` cell
over its ``den`` cell, with concepts.stats' estimator: each process's statistic for the
metric's kind of row (the ft/gil and lock metrics are 1-thread rows, where a process's
fastest value is its statistic; a speedup divides a 1-thread by a 2-thread cell and
uses each process's mean on both: like with like), then the trimmed geometric mean
over processes. An A/B change is the head's value over the base's (inverted where lower
is worse, so that > 1 always means worse). Its interval is the one every gilbench
interval is: Welch's t on the log scale with Yuen's variance of the trimmed means, here
over the four cells involved (concepts.stats.contrast_interval). Unlike the bootstrap
of a minimum that the gate used before (which reproduces the observed minimum in most
resamples and can otherwise only go up), its width follows the spread of the processes,
and it covers a slowdown that moves some processes and not others; the committed trial
(results/baselines/README.md) checks that it contains the injected factors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.load import load_bench
from concepts import stats
from concepts.families import traits
from concepts.lock_overhead import reference

MIN_PROCESSES = 3
"""Fewest processes per cell before a metric is judged at all."""
ESTIMATOR = (
    f"1-thread rows: {stats.describe(stats.ALONE)}; speedups: {stats.describe(stats.SHARED)}"
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
GATE_ARMS = ("gil", "ft")

Process = list[float]
Cells = Mapping[str, Mapping[str, list[Process]]]
"""side -> benchmark -> each process's values, in the order the processes ran."""
CellsDict = dict[str, dict[str, list[Process]]]


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

    @property
    def kind(self) -> str:
        """Whose per-process statistic both cells use (concepts.stats.common_kind)."""
        return stats.common_kind(*(bench_kind(bench) for bench in self.benchmarks))


def bench_kind(bench: str) -> str:
    """ALONE or SHARED for a ``family-variant-tN`` benchmark name."""
    workload, _, threads = bench.rpartition("-t")
    return stats.row_kind(int(threads), traits(workload).helper_threads)


def _metrics() -> tuple[Metric, ...]:
    defined: list[Metric] = []
    for bench in GATE_BENCHMARKS:
        if bench.endswith("-t1"):
            base = bench.removesuffix("-t1")
            defined.append(Metric(f"ft/gil {base} t1", ("ft", bench), ("gil", bench)))
    for arm in GATE_ARMS:
        for bench in GATE_BENCHMARKS:
            ref = reference(bench.removesuffix("-t1")) if bench.endswith("-t1") else None
            if ref is not None:
                name = f"lock-overhead {arm} {bench.removesuffix('-t1')} t1"
                defined.append(Metric(name, (arm, bench), (arm, f"{ref}-t1")))
    for arm in GATE_ARMS:
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
    """A metric's value (or an A/B change) with its 95% interval."""

    value: float
    low: float
    high: float
    processes: int
    """Fewest processes of the cells involved."""

    def as_dict(self) -> dict[str, float | int | None]:
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
    return {arm: f"{arm}.{name}" if name else arm for arm in GATE_ARMS}


def _statistics(cells: Cells, side: Side, cell: tuple[str, str], kind: str) -> list[float]:
    arm, bench = cell
    processes = cells.get(side.get(arm, ""), {}).get(bench, [])
    return [stats.process_statistic(values, kind) for values in processes if values]


def _estimate(terms: list[tuple[float, list[float]]], invert: bool = False) -> Estimate:
    fewest = min(len(samples) for _, samples in terms)
    if fewest < 1:
        return Estimate(math.nan, math.nan, math.nan, fewest)
    sign = -1.0 if invert else 1.0
    point, low, high = stats.contrast_interval(
        [(sign * w, stats.log_location(samples)) for w, samples in terms]
    )
    return Estimate(point, low, high, fewest)


def value(metric: Metric, cells: Cells, side: Side) -> Estimate:
    """The metric on one side of the sweep, with its interval."""
    kind = metric.kind
    return _estimate(
        [
            (1.0, _statistics(cells, side, metric.num, kind)),
            (-1.0, _statistics(cells, side, metric.den, kind)),
        ]
    )


def change(metric: Metric, cells: Cells, base: Side, head: Side) -> Estimate:
    """head / base of the metric (> 1 is worse), with the interval over all four cells."""
    kind = metric.kind
    return _estimate(
        [
            (1.0, _statistics(cells, head, metric.num, kind)),
            (-1.0, _statistics(cells, head, metric.den, kind)),
            (-1.0, _statistics(cells, base, metric.num, kind)),
            (1.0, _statistics(cells, base, metric.den, kind)),
        ],
        invert=not metric.higher_is_worse,
    )


def load_cells(directory: Path, sides: Iterable[str]) -> tuple[CellsDict, dict[str, list[str]]]:
    """Each side's cells from ``directory/bench-<side>.json`` (analysis.load, all files
    read in one go), and per side the calibration slowdowns its files record; LoadError
    if a file is unreadable."""
    paths = {side: directory / f"bench-{side}.json" for side in sides}
    present = {side: path for side, path in paths.items() if path.is_file()}
    frame = load_bench(list(present.values())) if present else None
    cells: CellsDict = {side: {} for side in paths}
    injected: dict[str, list[str]] = {}
    names = frame["source"].map(lambda source: Path(source).name) if frame is not None else None
    for side, path in present.items():
        assert frame is not None and names is not None
        rows = frame[names == path.name]  # one directory: the file name is the side
        cells[side] = cells_from_frame(rows)
        injected[side] = sorted({str(v) for v in rows["injected_slowdown"].dropna().unique()})
    return cells, injected


def cells_from_frame(frame: pd.DataFrame) -> dict[str, list[Process]]:
    """benchmark -> each process's values, from analysis.load rows."""
    found: dict[str, list[Process]] = {}
    for key, run in frame.groupby(["source", "benchmark", "run"], sort=False):
        found.setdefault(str(key[1]), []).append([float(v) for v in run["value"]])
    return found


def merge(first: Cells, second: Cells) -> CellsDict:
    """The processes of both measurements, cell by cell (a re-measurement adds to a cell)."""
    merged = {side: {b: list(v) for b, v in benches.items()} for side, benches in first.items()}
    for side, benches in second.items():
        for bench, samples in benches.items():
            merged.setdefault(side, {}).setdefault(bench, []).extend(samples)
    return merged


def paired_change(metric: Metric, cells: Cells, base: Side, head: Side) -> Estimate:
    """head / base of the metric paired by round: each round's own change (its four
    processes, one per cell, measured within seconds of each other), then the trimmed
    geometric mean of the rounds' changes with its interval (concepts.stats).

    A disturbance that lasts a round or longer moves all four processes of a round and
    cancels in that round's change, where the unpaired estimate (``change``) counts it
    as spread. Rounds are matched by position: the i-th process of every cell ran in
    the i-th round (one process per side and round); a cell with fewer processes
    limits the rounds used."""
    kind = metric.kind
    columns = [
        (1.0, _statistics(cells, head, metric.num, kind)),
        (-1.0, _statistics(cells, head, metric.den, kind)),
        (-1.0, _statistics(cells, base, metric.num, kind)),
        (1.0, _statistics(cells, base, metric.den, kind)),
    ]
    rounds = min(len(samples) for _, samples in columns)
    if rounds < 1:
        return Estimate(math.nan, math.nan, math.nan, rounds)
    sign = 1.0 if metric.higher_is_worse else -1.0
    per_round = [
        math.exp(sign * math.fsum(w * math.log(samples[i]) for w, samples in columns))
        for i in range(rounds)
    ]
    point, low, high = stats.location_interval(per_round)
    return Estimate(point, low, high, rounds)


ESTIMATORS = {"unpaired": change, "paired": paired_change}
"""The gate's estimators of a change, by name (``rejudge --estimator`` compares them)."""
