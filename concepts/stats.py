"""The estimator and its intervals: one definition for the runner, the report and the gate.

Standard library only, so that measurement processes can import it. The choices below
were made on one raw sweep of this project's 2-core machine, every candidate emulated
on the same data (``python -m analysis.design_study``, docs/precision-2core.md).

**Kinds of row.** A benchmark runs *alone* when one thread does all its work (one
measured thread, no helper thread): then interference from the machine can only add
time, and a process's fastest value is the least noisy view of the code's own speed.
Everything else is *shared*: two or more threads share the cores, and how the schedule
falls (GIL hand-offs, lock contention, which thread waits) is part of what is measured,
so a process's fastest value would pick its luckiest schedule. Each kind has its
per-process statistic (:data:`PER_PROCESS`).

**Like with like.** A ratio compares two cells of the same kind (ft/gil at one thread
count). A speedup t(1)/t(N) divides cells of different kinds, so it uses the shared
statistic on both (:func:`common_kind`).

**Across processes.** Processes are the independent samples (values inside one process
are not). The benchmark's number is the ``TRIM``-trimmed mean of the logs of its
process statistics, back-transformed (a geometric mean that ignores the most extreme
processes: on a shared host a whole process is sometimes 1.5x slow). A ratio of two
cells, a change between two ratios, a geometric mean of ratios are all sums of such
log locations; their interval is Welch's t interval with Yuen's variance of a trimmed
mean (:func:`contrast_interval`). Unlike a bootstrap of a minimum, it is consistent:
more processes make it narrower at the rate the data allows, and it covers a slowdown
that hits only some processes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from concepts.tdist import regularized_beta, t_quantile

CONFIDENCE = 0.95
MIN_CI_PROCESSES = 4
"""Fewest independent processes per side for an interval to be labelled a 95% CI: in
the A/A study of docs/precision-2core.md, intervals from 4 processes per side covered
1.0 in 94-95% of the benchmarks at 95%, and in 43-51% at 50%."""
TRIM = 0.2
"""Share of process statistics cut from each end before averaging their logs (Yuen)."""

ALONE = "alone"
SHARED = "shared"
KINDS = (ALONE, SHARED)

PER_PROCESS: dict[str, Callable[[Sequence[float]], float]] = {
    ALONE: min,
    SHARED: statistics.fmean,
}
"""One process's statistic per kind of row: its fastest value when one thread runs
alone (interference only adds time); its mean value when threads share the cores (the
schedule's effect stays in)."""

PER_PROCESS_NAMES = {ALONE: "fastest value", SHARED: "mean value"}

TARGETS = {ALONE: 0.05, SHARED: 0.10}
"""Wanted relative half-width of a 95% CI: ratios of single-thread cells, and the rest
(ratios at 2+ threads, speedups)."""


def row_kind(threads: int, helper_threads: int = 0) -> str:
    """ALONE when one thread does all the work (no helper thread), else SHARED."""
    return ALONE if threads + helper_threads <= 1 else SHARED


def common_kind(*kinds: str) -> str:
    """The kind whose statistic a comparison of cells of these kinds uses (like with like)."""
    return ALONE if all(kind == ALONE for kind in kinds) else SHARED


def process_statistic(values: Sequence[float], kind: str) -> float:
    """One process's statistic for a row of ``kind`` (:data:`PER_PROCESS`)."""
    if not values:
        raise ValueError("a process without values has no statistic")
    return PER_PROCESS[kind](values)


def describe(kind: str) -> str:
    """One line naming the estimator for rows of ``kind``, for reports and result files."""
    return (
        f"each process's {PER_PROCESS_NAMES[kind]}; geometric mean over processes, "
        f"{TRIM:.0%} trimmed each end; Welch-Yuen t interval"
    )


ESTIMATOR = "; ".join(f"{kind} rows: {describe(kind)}" for kind in KINDS)
"""Both kinds' estimator in one line (result files, run status records)."""


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class LogLocation:
    """A sample's location on the log scale, the variance of that estimate and its
    degrees of freedom: the pieces a Welch-Satterthwaite interval combines."""

    center: float
    variance: float
    df: float
    n: int


def log_location(samples: Sequence[float], trim: float = TRIM) -> LogLocation:
    """The ``trim``-trimmed mean of log(samples), with Yuen's variance of it.

    With g = floor(trim x n) values cut from each end and h = n - 2g kept, the variance
    is the winsorized sum of squares / (h (h - 1)) with h - 1 degrees of freedom (Yuen
    1974); ``trim`` = 0 is the plain mean of the logs with s^2 / n. NaN variance with
    fewer than 2 kept values.
    """
    if any(not (value > 0 and math.isfinite(value)) for value in samples):
        raise ValueError("samples must be positive and finite")
    logs = sorted(math.log(value) for value in samples)
    n = len(logs)
    if n == 0:
        return LogLocation(math.nan, math.nan, math.nan, 0)
    g = math.floor(trim * n)
    kept = logs[g : n - g]
    h = len(kept)
    center = math.fsum(kept) / h
    if h < 2:
        return LogLocation(center, math.nan, math.nan, n)
    winsorized = [kept[0]] * g + kept + [kept[-1]] * g
    mean_w = math.fsum(winsorized) / n
    squares = math.fsum((value - mean_w) ** 2 for value in winsorized)
    return LogLocation(center, squares / (h * (h - 1)), h - 1.0, n)


def location(samples: Sequence[float]) -> float:
    """The benchmark's number: the trimmed geometric mean of its process statistics."""
    return math.exp(log_location(samples).center) if samples else math.nan


# --------------------------------------------------------------------------- intervals


def contrast_interval(
    terms: Sequence[tuple[float, LogLocation]], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """(exp(sum w x center), lo, hi) for a weighted sum of independent log locations.

    A ratio a / b is the terms ((1, a), (-1, b)); the change of a ratio between two sides
    has four terms; a geometric mean of k ratios has weights +-1/k. The interval is
    Welch-Satterthwaite's: the t quantile at df = V^2 / sum((w^2 v)^2 / df), where
    V = sum(w^2 v). NaN bounds when a term has no variance (fewer than 2 kept values).
    """
    if not terms:
        return math.nan, math.nan, math.nan
    log_point = math.fsum(w * loc.center for w, loc in terms)
    point = math.exp(log_point)
    parts = [w * w * loc.variance for w, loc in terms]
    if any(not math.isfinite(p) for p in parts):
        return point, math.nan, math.nan
    variance = math.fsum(parts)
    if variance == 0:
        return point, point, point
    df = variance**2 / math.fsum(
        p * p / loc.df for p, (_, loc) in zip(parts, terms, strict=True) if p > 0
    )
    half = t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(variance)
    return point, math.exp(log_point - half), math.exp(log_point + half)


def location_interval(
    samples: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """(location, lo, hi) of one cell's process statistics."""
    return contrast_interval([(1.0, log_location(samples))], confidence)


def ratio_interval(
    num: Sequence[float], den: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """(location(num) / location(den), lo, hi) of two independent cells."""
    return contrast_interval([(1.0, log_location(num)), (-1.0, log_location(den))], confidence)


def difference_interval(
    a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """(location(a) - location(b), lo, hi), the delta method on the two log locations.

    Each location exp(c) has the variance exp(c)^2 v; the difference's interval is
    Welch's with those two variances.
    """
    la, lb = log_location(a), log_location(b)
    ea, eb = math.exp(la.center), math.exp(lb.center)
    point = ea - eb
    va, vb = ea * ea * la.variance, eb * eb * lb.variance
    if not (math.isfinite(va) and math.isfinite(vb)):
        return point, math.nan, math.nan
    variance = va + vb
    if variance == 0:
        return point, point, point
    df = variance**2 / math.fsum(v * v / loc.df for v, loc in ((va, la), (vb, lb)) if v > 0)
    half = t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(variance)
    return point, point - half, point + half


def geomean_interval(
    pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
    weights: Sequence[float] | None = None,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """Weighted geometric mean of location(a) / location(b) over ``pairs``, with its interval.

    ``weights`` (default: equal) sum to 1; every cell is an independent term.
    """
    if not pairs:
        raise ValueError("no pairs")
    weights = list(weights) if weights is not None else [1.0 / len(pairs)] * len(pairs)
    terms = []
    for weight, (a, b) in zip(weights, pairs, strict=True):
        terms += [(weight, log_location(a)), (-weight, log_location(b))]
    return contrast_interval(terms, confidence)


# --------------------------------------------------------------------------- helpers


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


def median(values: Sequence[float]) -> float:
    """The median (the 0.5 :func:`quantile`), NaN for no values."""
    return quantile(sorted(values), 0.5)


def relative_halfwidth(point: float, low: float, high: float) -> float:
    """The larger distance from ``point`` to a bound, relative to ``point`` (inf if unknown)."""
    if not (math.isfinite(point) and math.isfinite(low) and math.isfinite(high)) or point == 0:
        return math.inf
    return max(point - low, high - point) / abs(point)


def interval_basis(processes_per_side: Sequence[int], confidence: float = CONFIDENCE) -> str:
    """What an interval over sides with these process counts may be called.

    "95% CI" only with at least ``MIN_CI_PROCESSES`` processes on every side, else
    "t interval of N processes" (too few processes to be trusted as a CI,
    N the fewest per side), or "none" below 2.
    """
    fewest = min(processes_per_side) if processes_per_side else 0
    if fewest >= MIN_CI_PROCESSES:
        return f"{100 * confidence:.0f}% CI"
    if fewest >= 2:
        return f"t interval of {fewest} processes"
    return "none (1 process)" if fewest == 1 else "none"


def binomial_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval of a proportion: ``successes`` of ``trials``."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"{successes} of {trials} is not a proportion")
    alpha = 1.0 - confidence

    def beta_quantile(p: float, a: float, b: float) -> float:
        low, high = 0.0, 1.0
        for _ in range(100):
            middle = 0.5 * (low + high)
            if regularized_beta(a, b, middle) < p:
                low = middle
            else:
                high = middle
        return 0.5 * (low + high)

    lower = 0.0 if successes == 0 else beta_quantile(alpha / 2, successes, trials - successes + 1)
    upper = (
        1.0
        if successes == trials
        else beta_quantile(1 - alpha / 2, successes + 1, trials - successes)
    )
    return lower, upper
