"""The gated metrics: within-run ratios of two benchmarks' typical undisturbed time per op.

Absolute times move between CI jobs; ratios of two benchmarks measured in the same job
do not (much). Every metric here is location(numerator) / location(denominator) of two
benchmarks of one result set, where each pyperf process contributes one number and
the location is a quantile over the undisturbed processes (see ``Statistic``):

- ``ft/gil``: free-threaded time per op / default-build time per op, one benchmark at
  1 thread (also ``ft-gil/gil`` when that arm ran). Higher is worse.
- ``speedup``: t(1) / t(2) time per op within one arm (values are seconds per op over
  all threads, so 2.0 is perfect scaling on 2 cores). Lower is worse.
- ``lock-overhead``: the lock cost over unshared work (concepts.lock_overhead): a
  locked-increment variant's time per op / its unshared, unlocked reference's
  (``increment-per-thread``), same arm and thread count. Higher is worse.

The confidence interval is concepts.stats' seeded percentile bootstrap: each side's
processes are resampled with replacement and the statistic recomputed (the same
bootstrap and quantile convention as the report's).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis._regress_data import Key, Process, ResultSet, ordered_arms
from concepts import lock_overhead, stats

LOCKED_FAMILY = "locked-increment-"
"""The gate's lock-cost metrics: the locked-increment variants (their reference is
concepts.lock_overhead.reference's)."""
SPEEDUP_THREADS = 2


@dataclass(frozen=True)
class Statistic:
    """How processes become one number per benchmark.

    Default: each process contributes its *fastest* value; processes more than ``trim``
    (30%) slower than the benchmark's fastest process are dropped as disturbed; the
    benchmark's number is the *median* of the processes kept. Why: on the shared 2-core
    machines interference only ever slows a value down, and it comes in bursts of
    seconds during which a whole process runs 1.5-2x slower (the virtual CPU gets half
    a physical core); undisturbed processes agree within a few percent. A median over
    a mix of the two modes jumps between them (bootstrap intervals 40-100% wide); the
    median of the undisturbed processes does not. A real slowdown of the code moves every
    process, the fastest included, so dropping is relative to the same benchmark's
    fastest process and cannot hide it; a regression that slows only some processes
    (a bimodal one) is what this statistic gives up. ``per_process="mean", quantile=0.5,
    trim=0`` gives the analysis' plain median of per-process means. A baseline records
    its statistic; the gate uses it.
    """

    per_process: str = "min"
    """"min" or "mean" of a process's values."""
    quantile: float = 0.5
    """Quantile over the processes kept (0.5: the median)."""
    trim: float = 0.3
    """Drop processes slower than (1 + trim) x the fastest one (0: keep all; unpaired only)."""
    paired: bool = False
    """Pair the k-th process of the numerator with the k-th of the denominator (the
    same interleaved round, seconds apart) and take the quantile of the pair ratios."""

    def __post_init__(self) -> None:
        if self.per_process not in ("min", "mean") or not 0 < self.quantile < 1:
            raise ValueError(f"bad statistic {self.per_process}/{self.quantile}")
        if not self.trim >= 0:  # also refuses NaN
            raise ValueError(f"bad trim {self.trim}")

    def reduce(self, processes: list[Process]) -> np.ndarray:
        """One number per process kept (disturbed processes dropped, see ``trim``)."""
        return np.asarray(self._kept(list(self.each_process(processes))), dtype=float)

    def _kept(self, values: Sequence[float]) -> list[float]:
        if self.trim > 0:
            return stats.undisturbed(values, 1 + self.trim)
        return list(values)

    def locate(self, samples: Sequence[float]) -> float:
        """The quantile of ``samples`` (concepts.stats' one quantile convention)."""
        return stats.quantile(sorted(float(v) for v in samples), self.quantile)

    def each_process(self, processes: list[Process]) -> np.ndarray:
        """One number per process, nothing dropped (concepts.stats.process_value for min)."""
        pick = stats.process_value if self.per_process == "min" else statistics.fmean
        return np.asarray([pick(values) for values in processes], dtype=float)

    def all_sides(self, num: list[Process], den: list[Process]) -> list[list[float]]:
        """What the bootstrap resamples: every process of each side, or the paired ratios."""
        if self.paired:
            n = min(len(num), len(den))
            a, b = self.each_process(num[:n]), self.each_process(den[:n])
            return [[float(x) for x in a / b]]
        return [list(map(float, self.each_process(num))), list(map(float, self.each_process(den)))]

    def value(self, sides: Sequence[Sequence[float]]) -> float:
        """The metric from :meth:`all_sides` (disturbed processes dropped in here)."""
        if self.paired:
            return self.locate(sides[0])
        return self.locate(self._kept(sides[0])) / self.locate(self._kept(sides[1]))

    def sides(self, num: list[Process], den: list[Process]) -> tuple[np.ndarray, np.ndarray]:
        """The per-process numbers each side contributes (kept processes / paired ones)."""
        if self.paired:
            n = min(len(num), len(den))
            return self.each_process(num[:n]), self.each_process(den[:n])
        return self.reduce(num), self.reduce(den)

    def ratio(self, a: np.ndarray, b: np.ndarray) -> float:
        """The metric's value from the two sides' per-process numbers (``sides``)."""
        if self.paired:
            return self.locate(list(a / b))
        return self.locate(list(a)) / self.locate(list(b))

    def interval(
        self,
        num: list[Process],
        den: list[Process],
        *,
        n_boot: int,
        seed: int,
        confidence: float,
    ) -> tuple[float, float, float]:
        """(value, lo, hi) with concepts.stats' bootstrap (bootstrap_ratio for the default)."""
        sides = self.all_sides(num, den)
        if self == Statistic():
            return stats.bootstrap_ratio(
                sides[0], sides[1], confidence=confidence, n_boot=n_boot, seed=seed
            )
        return stats.bootstrap_statistic(
            sides, self.value, confidence=confidence, n_boot=n_boot, seed=seed
        )

    def describe(self) -> str:
        where = "median" if self.quantile == 0.5 else f"{self.quantile:g} quantile"
        kind = "minima" if self.per_process == "min" else "means"
        if self.paired:
            return (
                f"{where} over interleaved rounds of the ratio of per-process {kind} "
                "measured in the same round"
            )
        text = f"{where} of per-process {kind}"
        if self.trim > 0:
            text += f" (processes over {1 + self.trim:g}x the fastest dropped as disturbed)"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "per_process": self.per_process,
            "quantile": self.quantile,
            "trim": self.trim,
            "paired": self.paired,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Statistic:
        """A baseline's statistic; baselines without one used medians of means."""
        if not data:
            return cls("mean", 0.5, 0.0)
        return cls(
            str(data["per_process"]),
            float(data["quantile"]),
            float(data.get("trim", 0)),
            bool(data.get("paired", False)),
        )


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
    """Fewest processes kept on either side of the ratio."""
    dropped: int = 0
    """Processes dropped as disturbed, both sides together (``Statistic.trim``)."""


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
            reference = lock_overhead.reference(bench)
            if reference is None:
                continue
            for threads in sorted({k[2] for k in present if k[:2] == (arm, bench)}):
                num, den = (arm, bench, threads), (arm, reference, threads)
                if den in present:
                    name = f"lock-overhead {arm} {bench} t{threads}"
                    specs.append(MetricSpec(name, "lock-overhead", num, den, True))
    return specs


def point(results: ResultSet, spec: MetricSpec, statistic: Statistic) -> float:
    """The metric's value in ``results`` (KeyError if a benchmark is missing)."""
    a, b = statistic.sides(results.processes[spec.num], results.processes[spec.den])
    return statistic.ratio(a, b)


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
    num, den = results.processes.get(spec.num), results.processes.get(spec.den)
    if not num or not den:
        return None
    a, b = statistic.sides(num, den)
    _, lo, hi = statistic.interval(num, den, n_boot=n_boot, seed=seed, confidence=confidence)
    return Estimate(
        statistic.ratio(a, b),
        float(lo),
        float(hi),
        min(a.size, b.size),
        # Paired mode leaves unmatched processes out; they were not judged disturbed.
        0 if statistic.paired else len(num) + len(den) - a.size - b.size,
    )
