"""Statistics of pyperf results that runners.bench reports: precision and harness overhead.

Standard library only (the measurement environments have pyperf and nothing else).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from typing import Any

PRECISION_REPORT = 0.05
"""The CI half-width the end-of-run summary counts benchmarks against."""
EMPTY_WORKLOAD = "cpu-control-empty"
"""Empty workers: its value is the harness's own cost per timed run (benchmarks/overhead.py)."""


def format_seconds(value: float) -> str:
    """1.23e-6 -> '1.23 us'."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def process_means(bench: Any) -> list[float]:
    """The mean value of each worker process (calibration-only runs have no values)."""
    return [statistics.fmean(run.values) for run in bench.get_runs() if run.values]


def median_ci_halfwidth(
    samples: Sequence[float], confidence: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> float:
    """Relative half-width of the percentile-bootstrap CI of the median of ``samples``.

    The larger of (median - low) and (high - median), over the median: the same
    statistic as the analysis (bootstrap over per-process means), seeded. Infinite
    below two samples.
    """
    if len(samples) < 2:
        return math.inf
    rng = random.Random(seed)
    count = len(samples)
    medians = sorted(statistics.median(rng.choices(samples, k=count)) for _ in range(n_boot))
    alpha = (1 - confidence) / 2
    low = medians[int(alpha * (n_boot - 1))]
    high = medians[math.ceil((1 - alpha) * (n_boot - 1))]
    median = statistics.median(samples)
    return max(median - low, high - median) / median


def summarize(bench: Any) -> str:
    """Median per operation and its precision: the 95% CI over processes when there are
    several, else the relative standard deviation of the values."""
    median = bench.median()
    text = f"{format_seconds(median)}/op"
    means = process_means(bench)
    if len(means) >= 2:
        half = median_ci_halfwidth(means)
        text += f" +- {100 * half:.1f}% (95% CI, {len(means)} processes)"
    elif bench.get_nvalue() >= 2:
        text += f" +- {100 * bench.stdev() / median:.0f}% (stdev)"
    return text


def harness_overhead(benches: Sequence[Any]) -> list[dict[str, Any]]:
    """Per thread count: what share of a run's timed span the harness itself costs.

    The share of a benchmark is the empty workload's median span per run at the same
    thread count, divided by the benchmark's median span per run (its median value x
    its operations per run). Returns, per thread count, the median and the largest
    share over the other benchmarks.
    """
    empty: dict[int, float] = {}
    runs: dict[int, list[tuple[float, str]]] = {}
    for bench in benches:
        metadata = bench.get_metadata()
        threads = int(metadata["threads"])
        if f"{metadata['family']}-{metadata['variant']}" == EMPTY_WORKLOAD:
            empty[threads] = bench.median()
        else:
            span = bench.median() * int(metadata.get("inner_loops", 1))
            runs.setdefault(threads, []).append((span, bench.get_name()))
    rows = []
    for threads, empty_span in sorted(empty.items()):
        shares = sorted((empty_span / span, name) for span, name in runs.get(threads, ()))
        if not shares:
            continue
        rows.append(
            {
                "threads": threads,
                "empty_run_seconds": empty_span,
                "median_share": shares[len(shares) // 2][0],
                "max_share": shares[-1][0],
                "max_share_benchmark": shares[-1][1],
            }
        )
    return rows
