"""The gate's Markdown: a heading with the verdict, one table row per metric, the notes.

Printed on stdout and appended to ``$GITHUB_STEP_SUMMARY`` (the job summary page of
GitHub Actions) when that variable is set.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis._regress_gate import EXIT_CODES, MISSING, PASS, REGRESSION, GateReport, Row
from concepts.stats import MIN_CI_PROCESSES

_KIND = {
    "ft/gil": "time ratio",
    "speedup": "t(1)/t(2)",
    "lock-overhead": "lock cost: locked/unshared",
}


def _change(row: Row) -> str:
    if row.now is None:
        return "–"
    change = row.now.value / row.metric.value - 1
    worse = row.worse(row.now.value) > 1
    return f"{change * 100:+.1f}% ({'worse' if worse else 'better'})"


def _verdict(row: Row) -> str:
    text = {REGRESSION: "**REGRESSION**", PASS: "pass", MISSING: "missing"}.get(
        row.verdict, row.verdict
    )
    return text + (" (re-measured)" if row.remeasured else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: GateReport) -> str:
    """The whole report as Markdown (ends with a newline)."""
    s = report.settings
    code = EXIT_CODES[report.verdict]
    lines = [
        f"## gilbench regression gate: {report.verdict.upper()} (exit {code})",
        "",
        f"Baseline `{report.baseline_source}`; run `{report.results_source}`. "
        f"Tolerance per metric = max({s.fixed_tolerance * 100:.0f}%, "
        f"{s.spread_factor:g} × baseline spread); a regression needs the whole "
        f"interval beyond it: a {s.confidence * 100:.0f}% CI where each side kept at least "
        f"{MIN_CI_PROCESSES} processes, else the bootstrap's range of the processes there "
        f"are (bootstrap over processes, {s.n_boot} resamples, seed {s.seed}). "
        "Each value is a ratio within one run of the "
        f"{report.statistic}; absolute times are not gated.",
        "",
        "| metric | kind | baseline | now | CI | change | tolerance | verdict | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report.rows:
        m = row.metric
        baseline = f"{m.value:.3f} ±{m.spread * 100:.1f}% (n={m.samples})"
        now = f"{row.now.value:.3f}" if row.now else "–"
        ci = f"{row.now.lo:.3f}–{row.now.hi:.3f}" if row.now else "–"
        if row.now and row.now.processes < MIN_CI_PROCESSES:
            ci += f" (range of {row.now.processes} processes)"
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    row.name,
                    _KIND.get(m.spec.kind, m.spec.kind),
                    baseline,
                    now,
                    ci,
                    _change(row),
                    f"{row.tolerance * 100:.1f}%",
                    _verdict(row),
                    "; ".join(row.notes),
                )
            )
            + " |"
        )
    lines.append("")
    if report.env_differences:
        lines.append("**Environment differs from the baseline** (run is inconclusive):")
        lines += [f"- {diff}" for diff in report.env_differences]
        lines.append("")
    else:
        lines.append(
            "Environment matches the baseline (cpu count, versions, build flags, GIL state)."
        )
        lines.append("")
    if report.notes:
        lines.append("Notes:")
        lines += [f"- {note}" for note in report.notes]
        lines.append("")
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    lines.append(
        "Metrics: " + ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items())) + "."
    )
    return "\n".join(lines) + "\n"


def append_step_summary(markdown: str) -> Path | None:
    """Append ``markdown`` to $GITHUB_STEP_SUMMARY when set; return the file (None if unset)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    return path
