"""One gate run: measure, judge every metric, re-measure what did not pass, judge again.

A gated metric that does not pass on the first measurement is measured once more (just
the benchmarks it needs, every side of the sweep, interleaved as before) and judged on
the processes of both measurements together (``decide``): a regression is confirmed on
more data, and an inconclusive metric gets the chance to be decided. What is still undecided
after that is inconclusive because the data cannot decide.

Several comparisons can share one sweep (the trial measures a base and four heads
together); each is judged exactly as a two-sided run would be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from analysis.regress.judge import PASS, Verdict, judge, outcome
from analysis.regress.measure import GateSweep
from analysis.regress.metrics import (
    GATE_BENCHMARKS,
    Cells,
    Estimate,
    Metric,
    Side,
    load_cells,
    merge,
)


@dataclass
class Comparison:
    """What one comparison (base against one head) found."""

    base: Side
    head: Side
    verdicts: list[Verdict] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    outcome: str = ""
    notes: list[str] = field(default_factory=list)


Estimator = Callable[[Metric, Cells, Side, Side], Estimate]
"""(metric, cells, base, head) -> the change to judge (metrics.change for A/B)."""
Tolerance = Callable[[Metric], float]


def _judge_all(
    comparison: Comparison,
    metrics: tuple[Metric, ...],
    cells: Cells,
    estimate: Estimator,
    tolerance: Tolerance,
    remeasured: set[str],
) -> None:
    comparison.verdicts = []
    for metric in metrics:
        found = estimate(metric, cells, comparison.base, comparison.head)
        verdict = judge(metric, found, tolerance(metric))
        if metric.benchmarks & remeasured:
            verdict = Verdict(verdict.metric, verdict.estimate, verdict.verdict, verdict.why, True)
        comparison.verdicts.append(verdict)


def _undecided(comparison: Comparison) -> set[str]:
    """The benchmarks of the comparison's gated metrics that did not pass."""
    return {
        bench
        for verdict in comparison.verdicts
        if verdict.metric.gated and verdict.verdict != PASS
        for bench in verdict.metric.benchmarks
    }


def injected_into(comparison: Comparison, injected: Mapping[str, list[str]]) -> list[str]:
    """The calibration slowdowns recorded on any side the comparison involves."""
    involved = {*comparison.base.values(), *comparison.head.values()}
    return sorted({spec for side in involved for spec in injected.get(side, [])})


def decide(
    comparison: Comparison,
    metrics: tuple[Metric, ...],
    first: Cells,
    second: Cells | None,
    estimate: Estimator,
    tolerance: Tolerance,
) -> set[str]:
    """Judge ``comparison`` on the first measurement, then, where a gated metric did not
    pass and a second measurement exists, on both together; return what it re-measured.

    Only the comparison's own undecided benchmarks are taken from ``second`` (a sweep
    shared by several comparisons measures the union), so each is judged exactly as a
    gate run of its own would be.
    """
    _judge_all(comparison, metrics, first, estimate, tolerance, set())
    own = _undecided(comparison)
    if own and second is not None:
        extra = {side: {b: v for b, v in got.items() if b in own} for side, got in second.items()}
        _judge_all(comparison, metrics, merge(first, extra), estimate, tolerance, own)
    return own


def run(
    sweep: GateSweep,
    comparisons: Mapping[str, Comparison],
    metrics: tuple[Metric, ...],
    estimate: Estimator,
    tolerance: Tolerance,
    workdir: Path,
    log: Path | None = None,
) -> Cells:
    """Measure, judge, re-measure the undecided, judge again; fill ``comparisons``.

    Returns the cells of both measurements together."""
    sides = list(sweep.sides)
    sweep.run(GATE_BENCHMARKS, workdir / "measure-1", log)
    cells, injected = load_cells(workdir / "measure-1", sides)
    undecided = {
        bench
        for comparison in comparisons.values()
        for bench in decide(comparison, metrics, cells, None, estimate, tolerance)
    }
    more: Cells | None = None
    if undecided:
        sweep.run(undecided, workdir / "measure-2", log)
        more, more_injected = load_cells(workdir / "measure-2", sides)
        for side, specs in more_injected.items():
            injected[side] = sorted(set(injected.get(side, [])) | set(specs))
        for comparison in comparisons.values():
            decide(comparison, metrics, cells, more, estimate, tolerance)
    for comparison in comparisons.values():
        comparison.injected = injected_into(comparison, injected)
        comparison.outcome, comparison.notes = outcome(comparison.verdicts, comparison.injected)
    return merge(cells, more) if more is not None else cells
