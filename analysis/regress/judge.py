"""Verdicts: one per metric, then the run's outcome and its exit status.

The rule: a change of a metric (> 1 is worse, with its 95% interval from
analysis.regress.metrics) is a

- **regression** when it is at least ``1 + tolerance`` and its interval excludes 1.0:
  slower by more than the tolerance, and not by chance;
- **pass** when it is below ``1 + tolerance`` and its interval stays below
  ``1 + 2 x tolerance``: whatever the truth, it is not a large regression;
- **inconclusive** otherwise: the data cannot decide (a change beyond the tolerance that
  chance could explain, an interval too wide to rule out a large regression, too few
  processes, a metric missing).

The run's outcome: regression if a gated metric regressed, else inconclusive if one was
inconclusive, else pass. Ungated metrics are judged and shown, never counted. A run in
which a calibration slowdown was injected (runners.inject) never passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.regress.metrics import MIN_PROCESSES, Estimate, Metric

PASS, REGRESSION, INCONCLUSIVE = "pass", "regression", "inconclusive"
EXIT_CODES = {PASS: 0, REGRESSION: 1, INCONCLUSIVE: 2}
"""The three outcomes' exit statuses."""
EXIT_USAGE = 64
"""Bad input or usage. Not 2 as in the rest of analysis: 2 is the inconclusive outcome,
which workflows already branch on."""
EXIT_MEASURE_FAILED = 3
DEFAULT_TOLERANCE = 0.075
"""The change a metric may show before it counts as a regression. Chosen on the pilot
data in results/baselines/pilot/ with the gate's earlier interval (a bootstrap); what
the current interval gives on the same data is in results/baselines/README.md."""


@dataclass(frozen=True)
class Verdict:
    """A metric's judged change."""

    metric: Metric
    estimate: Estimate | None
    verdict: str
    why: str
    remeasured: bool = False


def judge(metric: Metric, estimate: Estimate | None, tolerance: float) -> Verdict:
    """The verdict on one metric's change (see the module docstring)."""
    if estimate is None or not math.isfinite(estimate.value):
        return Verdict(metric, estimate, INCONCLUSIVE, "missing on a side")
    if estimate.processes < MIN_PROCESSES:
        why = f"only {estimate.processes} process(es) in a cell (need {MIN_PROCESSES})"
        return Verdict(metric, estimate, INCONCLUSIVE, why)
    limit = 1 + tolerance
    change = f"{(estimate.value - 1) * 100:+.1f}%"
    if estimate.value >= limit:
        if estimate.low > 1:
            return Verdict(metric, estimate, REGRESSION, f"{change}, beyond +{tolerance:.0%}")
        return Verdict(metric, estimate, INCONCLUSIVE, f"{change}, but the interval reaches 1.0")
    if estimate.high < 1 + 2 * tolerance:
        return Verdict(metric, estimate, PASS, f"{change}")
    wide = f"{change}, but the interval reaches {(estimate.high - 1) * 100:+.0f}%"
    return Verdict(metric, estimate, INCONCLUSIVE, wide)


def outcome(verdicts: list[Verdict], injected: list[str]) -> tuple[str, list[str]]:
    """The run's outcome from its gated verdicts, and the notes that explain it."""
    gated = [v for v in verdicts if v.metric.gated]
    notes: list[str] = []
    if any(v.verdict == REGRESSION for v in gated):
        result = REGRESSION
    elif any(v.verdict == INCONCLUSIVE for v in gated) or not gated:
        result = INCONCLUSIVE
    else:
        result = PASS
    if injected:
        notes.append(f"calibration slowdown injected: {'; '.join(injected)}")
        if result == PASS:
            result = INCONCLUSIVE
            notes.append("an injected slowdown must not pass: the gate missed it")
    return result, notes
