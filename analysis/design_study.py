"""Which measurement design gives precise and honest ratios here: a study on one raw sweep.

    python -m analysis.design_study DIR [--output CSV] [--plot PNG]
        [--master-seconds S] [--process-seconds S]

``DIR`` holds one interleaved sweep of four sides on one interpreter pair,
``bench-gilA.json``, ``bench-ftA.json``, ``bench-gilB.json``, ``bench-ftB.json`` (the
command is in docs/precision-2core.md): every side ran the same rounds of the same
number of processes with the same number of values, more than any candidate design
uses, so every design is emulated on the same data by taking the first rounds and the
first values of each process. For each design it reports:

- **A/A** (gilA against gilB, ftA against ftB: one interpreter on both sides, so every
  ratio is 1 in truth): how often the 95% and the 50% intervals cover 1.0;
- **precision** of ft/gil at 1 thread and at 2 threads (the processes of sides A and B
  pooled in the order they ran), and of each arm's speedup t(1)/t(2): the share of
  the intervals within the targets (+-5% at 1 thread, +-10% otherwise);
- **minutes**: what the design would take for both arms over the whole matrix, from
  the values' own durations and the cost of starting a pyperf master and a worker
  process (``--master-seconds``, ``--process-seconds``, measured separately).

Candidates: the per-process statistic of each kind of row (fastest, median or mean
value), the interval (the old median of undisturbed processes with a percentile
bootstrap; the mean of the logs or their trimmed mean with Welch's t; pairs of
processes from the same round with a paired t), rounds and values per process. Then
the two-stage design (a first stage for every benchmark, the rest of a budget where the
intervals are widest relative to their target) is emulated at several budgets with the
allocation rule of concepts.allocation and with its alternative (widest first).

Writes one CSV row per design and, with ``--plot``, precision against minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concepts import allocation, stats
from concepts.families import traits
from concepts.tdist import t_quantile

SIDES = ("gilA", "ftA", "gilB", "ftB")
PER_ROUND = 2
"""Processes per side and round (every candidate, as the sweep measured them)."""
WARMUPS = 1
CORES = 2
LEVELS = (0.95, 0.50)

Processes = list[list[float]]
"""One cell on one side: each worker process's values, in the order the processes ran."""


@dataclass
class Data:
    """The sweep: per benchmark, its kind, its value durations and every side's processes."""

    processes: dict[str, dict[str, Processes]] = field(default_factory=dict)
    """benchmark -> side -> processes."""
    workload: dict[str, str] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)
    kind: dict[str, str] = field(default_factory=dict)
    value_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    """benchmark -> arm -> wall seconds of one value."""
    calibration_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    """benchmark -> arm -> wall seconds of pyperf's loop calibration run (first round)."""

    @property
    def rounds(self) -> int:
        return min(len(p) for cell in self.processes.values() for p in cell.values()) // PER_ROUND

    @property
    def values(self) -> int:
        return min(len(v) for c in self.processes.values() for p in c.values() for v in p)

    def pooled(self, name: str, arm: str) -> Processes:
        """The processes of sides A and B of ``arm``, interleaved in the order they ran."""
        a, b = self.processes[name][f"{arm}A"], self.processes[name][f"{arm}B"]
        return [p for pair in zip(a, b, strict=False) for p in pair]


def _suite_file(directory: Path, side: str) -> Path:
    """``bench-<side>.json``, or its gzipped copy (as committed)."""
    plain = directory / f"bench-{side}.json"
    return plain if plain.is_file() else plain.with_name(plain.name + ".gz")


def load(directory: Path) -> Data:
    """The benchmarks every side measured (pyperf suites ``bench-<side>.json``)."""
    import pyperf

    data = Data()
    suites = {s: pyperf.BenchmarkSuite.load(str(_suite_file(directory, s))) for s in SIDES}
    names = set.intersection(*(set(s.get_benchmark_names()) for s in suites.values()))
    for name in sorted(names):
        data.processes[name] = {}
        for side, suite in suites.items():
            bench = suite.get_benchmark(name)
            metadata = bench.get_metadata()
            runs = [run for run in bench.get_runs() if run.values]
            data.processes[name][side] = [list(run.values) for run in runs]
            if side.endswith("A"):
                arm = side[:-1]
                per_op = [
                    statistics.median(run.values)
                    * int(metadata.get("inner_loops", 1))
                    * int(run.get_metadata().get("loops", 1))
                    for run in runs
                ]
                data.value_seconds.setdefault(name, {})[arm] = statistics.median(per_op)
                calibration = [
                    float(run.get_metadata().get("duration", 0.0))
                    for run in bench.get_runs()
                    if not run.values
                ]
                data.calibration_seconds.setdefault(name, {})[arm] = statistics.fmean(
                    calibration or [0.0]
                )
            workload = f"{metadata['family']}-{metadata['variant']}"
            threads = int(metadata["threads"])
            data.workload[name] = workload
            data.threads[name] = threads
            data.kind[name] = stats.row_kind(threads, traits(workload).helper_threads)
    return data


# --------------------------------------------------------------------------- candidates

PER_PROCESS: dict[str, Callable[[Sequence[float]], float]] = {
    "min": min,
    "median": statistics.median,
    "mean": statistics.fmean,
}


def _old_location(samples: Sequence[float]) -> float:
    """The estimator before this study: the median of processes within 1.3x the fastest."""
    kept = [s for s in samples if s <= 1.3 * min(samples)]
    return statistics.median(kept)


Interval = Callable[[Sequence[float], Sequence[float], float], tuple[float, float, float]]


def _old_bootstrap(
    num: Sequence[float], den: Sequence[float], level: float
) -> tuple[float, float, float]:
    rng = random.Random(0)
    point = _old_location(num) / _old_location(den)
    replicates = sorted(
        _old_location(rng.choices(num, k=len(num))) / _old_location(rng.choices(den, k=len(den)))
        for _ in range(400)
    )
    alpha = (1 - level) / 2
    return point, stats.quantile(replicates, alpha), stats.quantile(replicates, 1 - alpha)


def _welch(trim: float) -> Interval:
    def interval(
        num: Sequence[float], den: Sequence[float], level: float
    ) -> tuple[float, float, float]:
        terms = [(1.0, stats.log_location(num, trim)), (-1.0, stats.log_location(den, trim))]
        return stats.contrast_interval(terms, level)

    return interval


def _paired(num: Sequence[float], den: Sequence[float], level: float) -> tuple[float, float, float]:
    """Processes paired by position (the same round), a t interval on the log differences."""
    diffs = [math.log(a) - math.log(b) for a, b in zip(num, den, strict=False)]
    mean = statistics.fmean(diffs)
    half = (
        t_quantile(0.5 + level / 2, len(diffs) - 1)
        * statistics.stdev(diffs)
        / math.sqrt(len(diffs))
    )
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


INTERVALS: dict[str, Interval] = {
    "old: median of undisturbed, bootstrap": _old_bootstrap,
    "mean of logs, Welch t": _welch(0.0),
    f"{stats.TRIM:.0%}-trimmed mean of logs, Welch-Yuen t": _welch(stats.TRIM),
    "paired by round, t": _paired,
}
OLD, MEAN, TRIMMED, PAIRED = INTERVALS


@dataclass(frozen=True)
class Design:
    """A per-process statistic per kind of row, an interval, rounds and values per process."""

    alone: str
    shared: str
    interval: str
    rounds: int
    values: int

    def statistic(self, kind: str) -> Callable[[Sequence[float]], float]:
        return PER_PROCESS[self.alone if kind == stats.ALONE else self.shared]


def _take(
    processes: Processes, rounds: int, values: int, stat: Callable[[Sequence[float]], float]
) -> list[float]:
    return [stat(p[:values]) for p in processes[: rounds * PER_ROUND]]


def evaluate(design: Design, data: Data) -> dict[str, float]:
    """A/A coverage and the share of intervals within target for one static design."""
    interval = INTERVALS[design.interval]
    aa: list[tuple[bool, bool]] = []
    hits: dict[str, list[bool]] = {"ratio_t1": [], "ratio_t2": [], "speedup": []}
    widths: dict[str, list[float]] = {k: [] for k in hits}

    def judge(num: list[float], den: list[float]) -> tuple[float, list[tuple[float, float]]]:
        found = [interval(num, den, level) for level in LEVELS]
        return found[0][0], [(lo, hi) for _, lo, hi in found]

    for name in data.processes:
        stat = design.statistic(data.kind[name])
        if design.rounds <= data.rounds:
            for arm in ("gil", "ft"):
                a = _take(data.processes[name][f"{arm}A"], design.rounds, design.values, stat)
                b = _take(data.processes[name][f"{arm}B"], design.rounds, design.values, stat)
                _, bounds = judge(b, a)
                aa.append(tuple(lo <= 1.0 <= hi for lo, hi in bounds))  # type: ignore[arg-type]
        ft = _take(data.pooled(name, "ft"), design.rounds, design.values, stat)
        gil = _take(data.pooled(name, "gil"), design.rounds, design.values, stat)
        point, bounds = judge(ft, gil)
        key = "ratio_t1" if data.threads[name] == 1 else "ratio_t2"
        width = stats.relative_halfwidth(point, *bounds[0])
        hits[key].append(width <= (0.05 if key == "ratio_t1" else 0.10))
        widths[key].append(width)
        if data.threads[name] == 2 and traits(data.workload[name]).ideal != "pair":
            one = name.removesuffix("-t2") + "-t1"
            if one not in data.processes:
                continue
            shared = PER_PROCESS[design.shared]  # like with like: one statistic for both
            for arm in ("gil", "ft"):
                t1 = _take(data.pooled(one, arm), design.rounds, design.values, shared)
                t2 = _take(data.pooled(name, arm), design.rounds, design.values, shared)
                point, bounds = judge(t1, t2)
                width = stats.relative_halfwidth(point, *bounds[0])
                hits["speedup"].append(width <= 0.10)
                widths["speedup"].append(width)
    row: dict[str, float] = {
        "aa_intervals": len(aa),
        "aa_cover95": _share([c[0] for c in aa]),
        "aa_cover50": _share([c[1] for c in aa]),
    }
    for key in hits:
        row[f"{key}_within_target"] = _share(hits[key])
        row[f"{key}_median_halfwidth"] = stats.median(widths[key])
    return row


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else math.nan


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Costs:
    """Seconds a round costs: a pyperf master per side, a worker per process, the values."""

    master: float
    process: float

    def round_seconds(self, data: Data, name: str, values: int, first: bool = False) -> float:
        """One round of benchmark ``name`` on both arms (the first adds loop calibration)."""
        total = 0.0
        for arm, seconds in data.value_seconds[name].items():
            total += self.master + PER_ROUND * (self.process + (WARMUPS + values) * seconds)
            if first:
                total += self.process + data.calibration_seconds[name][arm]
        return total

    def minutes(self, data: Data, rounds: int, values: int) -> float:
        """A static design: every benchmark ``rounds`` rounds."""
        total = 0.0
        for name in data.processes:
            total += self.round_seconds(data, name, values, first=True)
            total += (rounds - 1) * self.round_seconds(data, name, values)
        return total / 60.0


# --------------------------------------------------------------------------- two stages


@dataclass(eq=False)
class Emulated:
    """A benchmark of the study as concepts.allocation sees a sweep's cell: it gets the
    next round of its recorded processes each time the rule gives it one."""

    name: str
    workload: str
    threads: int
    kind: str
    pools: dict[str, Processes]
    values: int
    seconds_per_round: float
    rounds: int = 0
    failed: bool = False

    def statistics(self, side: str, kind: str) -> list[float]:
        stat = stats.PER_PROCESS[kind]
        return [stat(p[: self.values]) for p in self.pools[side][: self.rounds * PER_ROUND]]


def emulate(
    data: Data,
    costs: Costs,
    budget_minutes: float,
    first_rounds: int,
    values: int,
    rule: allocation.Rule,
    sides: tuple[str, str] = ("gil", "ft"),
    pools: Callable[[str, str], Processes] | None = None,
    max_rounds: int | None = None,
) -> list[allocation.Comparison]:
    """The two-stage design on the data: every cell ``first_rounds`` rounds, then rounds
    where ``rule`` says until ``budget_minutes`` (both arms) are spent; the comparisons."""
    pool = pools or data.pooled
    cells = []
    spent = 0.0
    for name in data.processes:
        cell = Emulated(
            name, data.workload[name], data.threads[name], data.kind[name],
            {side: pool(name, side) for side in sides}, values,
            costs.round_seconds(data, name, values),
        )  # fmt: skip
        cell.rounds = first_rounds
        spent += costs.round_seconds(data, name, values, first=True)
        spent += (first_rounds - 1) * cell.seconds_per_round
        cells.append(cell)
    available = min(len(p) for c in cells for p in c.pools.values()) // PER_ROUND
    limit = min(max_rounds or available, available)
    wanted = allocation.comparisons(cells, sides, CORES, dict(stats.TARGETS))
    while True:
        chosen = allocation.next_cell(wanted, PER_ROUND, limit, 60 * budget_minutes - spent, rule)
        if chosen is None:
            break
        assert isinstance(chosen, Emulated)
        chosen.rounds += 1
        spent += chosen.seconds_per_round
    return wanted


def adaptive_row(wanted: Sequence[allocation.Comparison]) -> dict[str, float]:
    """Shares within target of the emulated comparisons (ratios by kind, speedups)."""
    row: dict[str, float] = {}
    for key, chosen in (
        ("ratio_t1", [c for c in wanted if not c.speedup and c.kind == stats.ALONE]),
        ("ratio_t2", [c for c in wanted if not c.speedup and c.kind == stats.SHARED]),
        ("speedup", [c for c in wanted if c.speedup]),
    ):
        widths = [c.halfwidth() for c in chosen]
        row[f"{key}_within_target"] = _share(
            [w <= c.target for w, c in zip(widths, chosen, strict=True)]
        )
        row[f"{key}_median_halfwidth"] = stats.median(widths)
    return row


def adaptive_aa(
    data: Data, costs: Costs, budget_minutes: float, first_rounds: int, values: int
) -> dict[str, float]:
    """A/A coverage of the two-stage design (gilA vs gilB, ftA vs ftB), the rounds it
    stops at chosen by the same rule from the same data (optional stopping included)."""
    flags: list[tuple[bool, bool]] = []
    for arm in ("gil", "ft"):
        wanted = emulate(
            data, costs, budget_minutes / 2, first_rounds, values, allocation.cheapest_first,
            sides=("A", "B"),
            pools=lambda name, side, arm=arm: data.processes[name][f"{arm}{side}"],  # type: ignore[misc]
        )  # fmt: skip
        for comparison in wanted:
            if comparison.speedup:
                continue
            bounds = [comparison.interval(level) for level in LEVELS]
            flags.append(tuple(lo <= 1.0 <= hi for _, lo, hi in bounds))  # type: ignore[arg-type]
    return {"aa_intervals": len(flags), "aa_cover95": _share([f[0] for f in flags]),
            "aa_cover50": _share([f[1] for f in flags])}  # fmt: skip


# --------------------------------------------------------------------------- projection

SHARE = 0.90
"""The share of comparisons a target asks to be within it."""


def projection(data: Data, costs: Costs, values: int) -> list[dict[str, Any]]:
    """What would meet each target with the chosen estimator: from every comparison's
    half-width on all the data (both sides pooled), the processes per arm it needs
    (the half-width falls as 1 / sqrt(processes)); then the minutes for all benchmarks
    to get the 90th percentile of them (static), and for each benchmark to get just what
    its own comparisons need, the costliest 10% of each target left out (an oracle
    allocation: the best any two-stage rule could do with this noise)."""
    rounds = 2 * data.rounds
    wanted = emulate(data, costs, 0.0, rounds, values, allocation.cheapest_first)
    groups = {
        "ft/gil at 1 thread, +-5%": [c for c in wanted if not c.speedup and c.kind == stats.ALONE],
        "ft/gil at 2 threads, +-10%": [
            c for c in wanted if not c.speedup and c.kind == stats.SHARED
        ],
        "speedups t1/t2, +-10%": [c for c in wanted if c.speedup],
    }
    processes = rounds * PER_ROUND
    rows: list[dict[str, Any]] = []
    rounds_by_cell: dict[str, int] = {}
    for label, chosen in groups.items():
        needed = sorted(
            (processes * (c.halfwidth() / c.target) ** 2, c)
            for c in chosen
            if math.isfinite(c.halfwidth())
        )
        if not needed:
            continue
        share_index = max(0, math.ceil(SHARE * len(needed)) - 1)
        p90 = needed[share_index][0]
        for count, comparison in needed[: share_index + 1]:
            for cell in comparison.cells:
                want = max(1, math.ceil(count / PER_ROUND))
                rounds_by_cell[cell.name] = max(rounds_by_cell.get(cell.name, 1), want)
        static_rounds = max(1, math.ceil(p90 / PER_ROUND))
        rows.append(
            {
                "target": label,
                "comparisons": len(needed),
                "processes_per_arm_now": processes,
                "median_halfwidth_now": round(stats.median([c.halfwidth() for _, c in needed]), 4),
                "within_target_now": round(
                    _share([c.halfwidth() <= c.target for _, c in needed]), 3
                ),
                "processes_per_arm_for_90pct": math.ceil(p90),
                "static_minutes_for_90pct": round(costs.minutes(data, static_rounds, values), 1),
            }
        )
    oracle = sum(
        costs.round_seconds(data, name, values, first=True)
        + (rounds_by_cell.get(name, 1) - 1) * costs.round_seconds(data, name, values)
        for name in data.processes
    )
    for row in rows:
        row["oracle_minutes_all_targets"] = round(oracle / 60.0, 1)
    return rows


# --------------------------------------------------------------------------- main


def static_designs(data: Data) -> list[Design]:
    """Every candidate that fits the data."""
    designs = []
    for rounds in (2, 3, 4, 6, 8):
        if rounds > 2 * data.rounds:
            continue
        for values in (5, 10, 20, 40):
            if values > data.values:
                continue
            designs.append(Design("min", "min", OLD, rounds, values))
            for shared in PER_PROCESS:
                designs.append(Design("min", shared, MEAN, rounds, values))
                designs.append(Design("min", shared, TRIMMED, rounds, values))
            designs.append(Design("mean", "mean", TRIMMED, rounds, values))
            designs.append(Design("min", "mean", PAIRED, rounds, values))
    return designs


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.design_study``."""
    from analysis.plots.precision import plot_precision

    parser = argparse.ArgumentParser(prog="python -m analysis.design_study", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--output", type=Path, help="CSV of one row per design")
    parser.add_argument("--plot", type=Path, help="PNG of precision against minutes")
    parser.add_argument(
        "--projection", type=Path, help="CSV of what would meet each target (and no designs)"
    )
    parser.add_argument("--master-seconds", type=float, default=0.22)
    parser.add_argument("--process-seconds", type=float, default=0.22)
    parser.add_argument("--values", type=int, default=40, help="values per process, two-stage")
    parser.add_argument(
        "--replot", type=Path, metavar="CSV", help="draw --plot from an earlier --output CSV"
    )
    options = parser.parse_args(argv)
    if options.replot and options.plot:
        with open(options.replot, newline="") as handle:
            plot_precision(list(csv.DictReader(handle)), options.plot)
        return 0
    data = load(options.directory)
    costs = Costs(options.master_seconds, options.process_seconds)
    if options.projection:
        found = projection(data, costs, options.values)
        with open(options.projection, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(found[0]))
            writer.writeheader()
            writer.writerows(found)
        for line in found:
            print(json.dumps(line), flush=True)
        return 0
    rows: list[dict[str, Any]] = []
    for design in static_designs(data):
        row: dict[str, Any] = {
            "family": f"static: {design.alone}/{design.shared}, {design.interval}",
            "design": "static",
            "alone": design.alone,
            "shared": design.shared,
            "interval": design.interval,
            "rounds": design.rounds,
            "values": design.values,
            "budget": "",
            "minutes": round(costs.minutes(data, design.rounds, design.values), 1),
        }
        row.update(evaluate(design, data))
        rows.append(row)
        print(json.dumps(row), flush=True)
    chosen = f"{stats.PER_PROCESS_NAMES[stats.ALONE]}/{stats.PER_PROCESS_NAMES[stats.SHARED]}"
    for rule_name, rule in (("cheapest first", allocation.cheapest_first),
                            ("widest first", allocation.widest_first)):  # fmt: skip
        for first_rounds in (2, 3):
            for budget in (15, 20, 25, 30, 40, 50):
                wanted = emulate(data, costs, budget, first_rounds, options.values, rule)
                row = {
                    "family": f"two-stage ({chosen}), first {first_rounds} rounds, {rule_name}",
                    "design": "two-stage",
                    "alone": stats.PER_PROCESS_NAMES[stats.ALONE],
                    "shared": stats.PER_PROCESS_NAMES[stats.SHARED],
                    "interval": TRIMMED,
                    "rounds": first_rounds,
                    "values": options.values,
                    "budget": budget,
                    # the first stage always runs: beyond a budget it cannot fit in
                    "minutes": max(
                        budget, round(costs.minutes(data, first_rounds, options.values), 1)
                    ),
                }
                row.update(adaptive_row(wanted))
                if rule is allocation.cheapest_first:
                    row.update(adaptive_aa(data, costs, budget, first_rounds, options.values))
                rows.append(row)
                print(json.dumps(row), flush=True)
    if options.output:
        fields = list(dict.fromkeys(k for row in rows for k in row))
        with open(options.output, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    if options.plot:
        plot_precision(rows, options.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
