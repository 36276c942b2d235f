"""The estimator and the bootstrap: one definition for the runner, the report and the gate.

Standard library only, so that measurement processes can import it.

Why this estimator. On shared machines a benchmark's noise is not Gaussian: processes
that run undisturbed agree within a few percent, and for bursts of seconds a whole
process runs 1.5-2x slower because another tenant holds a core. Interference only ever
slows a process down. So (following Chen and Revels, "Robust benchmarking in noisy
environments", 2016) each process is summarised by its fastest value, processes more
than ``DISTURBED_FACTOR`` x slower than the fastest process are dropped as disturbed,
and the benchmark's number is the median of the rest. A real slowdown moves every
process, the fastest included, so it survives the cut; what this gives up is a
slowdown that hits only some processes (bimodal behaviour). For multi-threaded code the
spread can be the effect itself (an unfair lock, a scheduling-dependent hand-off), so
the spread is reported separately (fairness, finish spread) and never hidden in here.

Intervals: a percentile bootstrap over processes (the independent samples), both sides
of a ratio resampled independently, the estimator recomputed in each replicate. With
fewer than ``MIN_CI_PROCESSES`` processes on a side, an interval is not called a 95% CI.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence

DISTURBED_FACTOR = 1.3
"""A process whose value exceeds this multiple of the fastest process is disturbed."""
MIN_CI_PROCESSES = 5
"""Fewest independent processes per side for an interval to be labelled a 95% CI."""
N_BOOT = 2000
SEED = 0
CONFIDENCE = 0.95

ESTIMATOR = (
    "median of undisturbed processes (each process's fastest value; processes over "
    f"{DISTURBED_FACTOR:g}x the fastest one dropped)"
)
"""One line naming the estimator, for reports and result files."""


def process_value(values: Sequence[float]) -> float:
    """One process's statistic: its fastest value (interference only slows a process)."""
    if not values:
        raise ValueError("a process without values has no statistic")
    return min(values)


def undisturbed(samples: Sequence[float], factor: float = DISTURBED_FACTOR) -> list[float]:
    """The process values within ``factor`` x the fastest one, in their original order."""
    if not samples:
        return []
    limit = factor * min(samples)
    return [value for value in samples if value <= limit]


def location(samples: Sequence[float], factor: float = DISTURBED_FACTOR) -> float:
    """The benchmark's estimate: median of the undisturbed process values (NaN if none)."""
    kept = undisturbed(samples, factor)
    return statistics.median(kept) if kept else math.nan


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of already sorted values, linearly interpolated.

    The one convention used everywhere (numpy's default ``linear`` method, and
    ``statistics.quantiles(method="inclusive")``).
    """
    if not sorted_values:
        return math.nan
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} outside [0, 1]")
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * weight


def _interval(replicates: list[float], confidence: float) -> tuple[float, float]:
    finite = sorted(value for value in replicates if math.isfinite(value))
    if not finite:
        return math.nan, math.nan
    alpha = (1.0 - confidence) / 2.0
    return quantile(finite, alpha), quantile(finite, 1.0 - alpha)


def bootstrap_location(
    samples: Sequence[float],
    *,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(location, lo, hi): percentile bootstrap over the process values; NaN bounds below 2."""
    return bootstrap_statistic(
        [samples], lambda s: location(s[0]), confidence=confidence, n_boot=n_boot, seed=seed
    )


def bootstrap_ratio(
    num: Sequence[float],
    den: Sequence[float],
    *,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(location(num) / location(den), lo, hi), both sides resampled independently.

    NaN bounds when either side has fewer than 2 processes.
    """
    return bootstrap_statistic(
        [num, den],
        lambda s: location(s[0]) / location(s[1]),
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
    )


def relative_halfwidth(point: float, low: float, high: float) -> float:
    """The larger distance from ``point`` to a bound, relative to ``point`` (inf if unknown)."""
    if not (math.isfinite(point) and math.isfinite(low) and math.isfinite(high)) or point == 0:
        return math.inf
    return max(point - low, high - point) / abs(point)


def interval_basis(processes_per_side: Sequence[int], confidence: float = CONFIDENCE) -> str:
    """What an interval over sides with these process counts may be called.

    "95% CI" only with at least ``MIN_CI_PROCESSES`` processes on every side, else
    "range of N processes" (a bootstrap range, N the fewest per side), or "none" below 2.
    """
    fewest = min(processes_per_side) if processes_per_side else 0
    if fewest >= MIN_CI_PROCESSES:
        return f"{100 * confidence:.0f}% CI"
    if fewest >= 2:
        return f"range of {fewest} processes"
    return "none (1 process)" if fewest == 1 else "none"


def bootstrap_statistic(
    sides: Sequence[Sequence[float]],
    statistic: Callable[[Sequence[Sequence[float]]], float],
    *,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """(statistic(sides), lo, hi): the same percentile bootstrap for any statistic of samples.

    Every side is resampled independently (in order, from one seeded generator) and
    ``statistic`` recomputed per replicate: a difference of locations, a geometric mean
    of several ratios, a quantile of paired ratios. ``bootstrap_ratio(num, den)`` is
    this with ``location(num) / location(den)`` and gives the same numbers. NaN bounds
    when a side has fewer than 2 values.
    """
    point = statistic(sides) if sides and all(sides) else math.nan
    if not sides or any(len(side) < 2 for side in sides):
        return point, math.nan, math.nan
    rng = random.Random(seed)
    replicates = [
        statistic([rng.choices(side, k=len(side)) for side in sides]) for _ in range(n_boot)
    ]
    low, high = _interval(replicates, confidence)
    return point, low, high
