"""The gated metrics: within-run ratios, each a ratio of two benchmarks' medians.

Absolute times move between CI jobs; ratios of two benchmarks measured in the same job
do not (much). Every metric here is median(numerator) / median(denominator) over the
per-process means of two benchmarks of one result set:

- ``ft/gil``: free-threaded time per op / default-build time per op, one benchmark at
  1 thread (also ``ft-gil/gil`` when that arm ran). Higher is worse.
- ``speedup``: t(1) / t(2) time per op within one arm (values are seconds per op over
  all threads, so 2.0 is perfect scaling on 2 cores). Lower is worse.
- ``lock-overhead``: a locked-increment variant's time per op / the unlocked
  per-thread increment's, same arm and thread count. Higher is worse.

The confidence interval is a seeded percentile bootstrap: each side's per-process
means are resampled with replacement and the ratio of medians recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis._regress_data import Key, ResultSet, ordered_arms

UNLOCKED = "increment-per-thread"
LOCKED_FAMILY = "locked-increment-"
SPEEDUP_THREADS = 2


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


def point(num: list[float], den: list[float]) -> float:
    """Ratio of the medians."""
    return float(np.median(num) / np.median(den))


def estimate(
    results: ResultSet, spec: MetricSpec, *, n_boot: int, seed: int, confidence: float = 0.95
) -> Estimate | None:
    """The metric's ratio of medians with a seeded bootstrap CI; None if a side is missing."""
    num = results.means.get(spec.num)
    den = results.means.get(spec.den)
    if not num or not den:
        return None
    rng = np.random.default_rng(seed)
    a = np.asarray(num, dtype=float)
    b = np.asarray(den, dtype=float)
    boot_a = np.median(rng.choice(a, size=(n_boot, a.size), replace=True), axis=1)
    boot_b = np.median(rng.choice(b, size=(n_boot, b.size), replace=True), axis=1)
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(boot_a / boot_b, [tail, 100 - tail])
    return Estimate(point(num, den), float(lo), float(hi), min(a.size, b.size))
