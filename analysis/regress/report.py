"""The gate's Markdown: the outcome, one row per metric, the notes.

Printed on stdout, and appended to ``$GITHUB_STEP_SUMMARY`` (the job summary page of
GitHub Actions) when that variable is set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from analysis.markdown import md_table
from analysis.regress.judge import REGRESSION, Verdict
from analysis.regress.metrics import ESTIMATOR


def _interval(verdict: Verdict) -> str:
    est = verdict.estimate
    if est is None or not math.isfinite(est.value):
        return "–"
    if not (math.isfinite(est.low) and math.isfinite(est.high)):
        return f"{est.value:.3f}"
    return f"{est.value:.3f} [{est.low:.3f}, {est.high:.3f}]"


def render(
    title: str,
    result: str,
    verdicts: Sequence[Verdict],
    tolerance: float,
    lines: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """The report of one comparison."""
    out = [f"## {title}: **{result.upper()}**", ""]
    out += [f"- {line}" for line in lines]
    out += [
        f"- change = head / base of each ratio, > 1 worse; 95% Welch-Yuen t interval over "
        f"processes; estimator: {ESTIMATOR}",
        f"- regression: change >= {round(1 + tolerance, 4):g} with the interval above 1; "
        f"pass: change < {round(1 + tolerance, 4):g} with the interval below "
        f"{round(1 + 2 * tolerance, 4):g}; "
        "else inconclusive",
        "",
    ]
    table = []
    for v in verdicts:
        verdict = f"**{v.verdict.upper()}**" if v.verdict == REGRESSION else v.verdict
        verdict += " (re-measured)" if v.remeasured else ""
        processes = v.estimate.processes if v.estimate else 0
        gated = "yes" if v.metric.gated else "no"
        table.append([v.metric.name, gated, _interval(v), str(processes), verdict, v.why])
    header = ["metric", "gated", "change [95% CI]", "processes", "verdict", "why"]
    out.append(md_table(header, table))
    if notes:
        out += ["", *[f"- {note}" for note in notes]]
    return "\n".join(out) + "\n"


def append_step_summary(text: str) -> None:
    """Append ``text`` to $GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(text + "\n")
