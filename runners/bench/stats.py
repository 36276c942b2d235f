"""Statistics of pyperf results that runners.bench reports: precision and harness overhead.

Standard library only (the measurement environments have pyperf and nothing else).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from concepts import stats

EMPTY_WORKLOAD = "cpu-control-empty"
"""Empty workers: its value is the harness's own cost per timed run (benchmarks/overhead.py)."""


def format_seconds(value: float) -> str:
    """1.23e-6 -> '1.23 us'."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def describe_cell(bench: Any, kind: str) -> str:
    """The benchmark's estimate per operation and its precision (concepts.stats, the
    statistic of its ``kind`` of row): a 95% CI over processes when there are enough of
    them, else what the interval's basis is."""
    values = [stats.process_statistic(run.values, kind) for run in bench.get_runs() if run.values]
    point, low, high = stats.location_interval(values)
    text = f"{format_seconds(point)}/op"
    half = stats.relative_halfwidth(point, low, high)
    if math.isfinite(half):
        text += f" +- {100 * half:.1f}% ({stats.interval_basis([len(values)])},"
        text += f" {len(values)} processes)"
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
            empty[threads] = _estimate(bench)
        elif metadata.get("mode") == "duration":
            continue  # one value is one fixed-duration run per op: no span per run to share
        else:
            span = _estimate(bench) * int(metadata.get("inner_loops", 1))
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


def _estimate(bench: Any) -> float:
    """The location of a benchmark's per-process means (a span per run is a mean quantity)."""
    return stats.location(
        [
            stats.process_statistic(run.values, stats.SHARED)
            for run in bench.get_runs()
            if run.values
        ]
    )
