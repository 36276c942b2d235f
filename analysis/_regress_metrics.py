"""The gated metrics: within-run ratios of two benchmarks' typical undisturbed time per op.

Absolute times move between CI jobs; ratios of two benchmarks measured in the same job
do not (much). Every metric here is location(numerator) / location(denominator) of two
benchmarks of one result set, where each pyperf process contributes one number and
the location is a quantile over processes (see ``Statistic``):

- ``ft/gil``: free-threaded time per op / default-build time per op, one benchmark at
  1 thread (also ``ft-gil/gil`` when that arm ran). Higher is worse.
- ``speedup``: t(1) / t(2) time per op within one arm (values are seconds per op over
  all threads, so 2.0 is perfect scaling on 2 cores). Lower is worse.
- ``lock-overhead``: a locked-increment variant's time per op / the unlocked
  per-thread increment's, same arm and thread count. Higher is worse.

The confidence interval is a seeded percentile bootstrap: each side's processes are
resampled with replacement and the ratio recomputed.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis._regress_data import Key, Process, ResultSet, ordered_arms

UNLOCKED = "increment-per-thread"
LOCKED_FAMILY = "locked-increment-"
SPEEDUP_THREADS = 2


@dataclass(frozen=True)
class Statistic:
    """How processes become one number per benchmark.

    Default: each process contributes its *fastest* value and the benchmark its *lower
    quartile* over processes. Why: on a shared machine interference only ever slows a
    value down, in bursts of seconds that can cover several processes (values 1.8x
    slower); the median of per-process means moves with each burst, the lower quartile
    of per-process minima does not (baseline spread about 1% instead of 3-15% on the
    2-core machines). ``per_process="mean", quantile=0.5`` gives the analysis' plain
    median of per-process means. A baseline records its statistic; the gate uses it.
    """

    per_process: str = "min"
    """"min" or "mean" of a process's values."""
    quantile: float = 0.25
    """Quantile over processes (0.5: the median)."""

    def __post_init__(self) -> None:
        if self.per_process not in ("min", "mean") or not 0 < self.quantile < 1:
            raise ValueError(f"bad statistic {self.per_process}/{self.quantile}")

    def reduce(self, processes: list[Process]) -> np.ndarray:
        """One number per process."""
        pick = min if self.per_process == "min" else statistics.fmean
        return np.asarray([pick(values) for values in processes], dtype=float)

    def locate(self, samples: np.ndarray) -> np.ndarray:
        """The quantile over the last axis."""
        return np.quantile(samples, self.quantile, axis=-1)

    def describe(self) -> str:
        where = "median" if self.quantile == 0.5 else f"{self.quantile:g} quantile"
        return f"{where} of per-process {'minima' if self.per_process == 'min' else 'means'}"

    def as_dict(self) -> dict[str, Any]:
        return {"per_process": self.per_process, "quantile": self.quantile}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Statistic:
        """A baseline's statistic; baselines without one used medians of means."""
        if not data:
            return cls("mean", 0.5)
        return cls(str(data["per_process"]), float(data["quantile"]))


@dataclass(frozen=True)
class MetricSpec:
    """How to compute one metric from a result set."""

    name: str
    kind: str
    """"ft/gil", "speedup" or "lock-overhead"."""
    num: Key
    den: Key
    higher_is_worse: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "num": {"arm": self.num[0], "benchmark": self.num[1], "threads": self.num[2]},
            "den": {"arm": self.den[0], "benchmark": self.den[1], "threads": self.den[2]},
            "higher_is_worse": self.higher_is_worse,
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> MetricSpec:
        def key(side: dict[str, Any]) -> Key:
            return (str(side["arm"]), str(side["benchmark"]), int(side["threads"]))

        return cls(
            name,
            str(data["kind"]),
            key(data["num"]),
            key(data["den"]),
            bool(data["higher_is_worse"]),
        )


@dataclass(frozen=True)
class Estimate:
    """A metric's value in one result set with its bootstrap confidence interval."""

    value: float
    lo: float
    hi: float
    processes: int
    """Fewest processes on either side of the ratio."""


def discover(keys: Iterable[Key]) -> list[MetricSpec]:
    """Every metric the benchmarks in ``keys`` allow, in a stable order."""
    present = set(keys)
    arms = ordered_arms(k[0] for k in present)
    benches = sorted({k[1] for k in present})
    specs: list[MetricSpec] = []
    for other in ("ft", "ft-gil"):
        for bench in benches:
            num, den = (other, bench, 1), ("gil", bench, 1)
            if num in present and den in present:
                specs.append(MetricSpec(f"{other}/gil {bench} t1", "ft/gil", num, den, True))
    for arm in arms:
        for bench in benches:
            num, den = (arm, bench, 1), (arm, bench, SPEEDUP_THREADS)
            if num in present and den in present:
                name = f"speedup t{SPEEDUP_THREADS} {arm} {bench}"
                specs.append(MetricSpec(name, "speedup", num, den, False))
    for arm in arms:
        for bench in benches:
            if not bench.startswith(LOCKED_FAMILY):
                continue
            for threads in sorted({k[2] for k in present if k[:2] == (arm, bench)}):
                num, den = (arm, bench, threads), (arm, UNLOCKED, threads)
                if den in present:
                    name = f"lock-overhead {arm} {bench} t{threads}"
                    specs.append(MetricSpec(name, "lock-overhead", num, den, True))
    return specs


def point(results: ResultSet, spec: MetricSpec, statistic: Statistic) -> float:
    """The metric's value in ``results`` (KeyError if a benchmark is missing)."""
    num = statistic.reduce(results.processes[spec.num])
    den = statistic.reduce(results.processes[spec.den])
    return float(statistic.locate(num) / statistic.locate(den))


def estimate(
    results: ResultSet,
    spec: MetricSpec,
    *,
    statistic: Statistic,
    n_boot: int,
    seed: int,
    confidence: float = 0.95,
) -> Estimate | None:
    """The metric's value with a seeded bootstrap CI; None if a benchmark is missing."""
    if not results.processes.get(spec.num) or not results.processes.get(spec.den):
        return None
    a = statistic.reduce(results.processes[spec.num])
    b = statistic.reduce(results.processes[spec.den])
    rng = np.random.default_rng(seed)
    boot_a = statistic.locate(rng.choice(a, size=(n_boot, a.size), replace=True))
    boot_b = statistic.locate(rng.choice(b, size=(n_boot, b.size), replace=True))
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(boot_a / boot_b, [tail, 100 - tail])
    value = float(statistic.locate(a) / statistic.locate(b))
    return Estimate(value, float(lo), float(hi), min(a.size, b.size))
