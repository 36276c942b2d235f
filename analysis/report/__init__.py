"""The report: results/report/README.md with the plots, summary tables and warnings, plus CSVs.

``build_report`` takes loaded :class:`~analysis.load.Results`, computes the metrics
(analysis.metrics), draws the plots (analysis.plots) and writes, each atomically:

- ``README.md``: interpreter pair and any mismatch warning, what is missing, the
  summary table per family, the five plots, race-loss and lock-cost tables, the
  run-metadata sections (parallelism, fairness, latency, memory, ownership),
  definitions;
- ``summary.csv`` (the per-family summary), ``benchmarks.csv`` (every benchmark
  cell), ``ratios.csv``, ``lock-cost.csv``, ``race-loss.csv``, ``parallelism.csv``,
  ``fairness.csv``, ``latency.csv``, ``memory.csv``, ``ownership.csv``,
  ``single-thread-overhead.csv``;
- the plots as PNG and SVG.

Missing inputs (an arm, the race files, a family, an unlocked reference) never stop
the report: the sections that need them say what is missing instead.
"""

from __future__ import annotations

from analysis.markdown import (
    fmt_ns,
    fmt_pct,
    fmt_ratio,
    md_table,
    num,
    slug,
)
from analysis.report.build import (
    build_report,
)
from analysis.report.group import (
    GroupData,
    ReportOutcome,
)
from analysis.report.interpreters import (
    interpreter_table,
    mismatch_warnings,
)
from analysis.report.sections import (
    ESTIMATOR_LINE,
    RUN_PLOTS,
    render_group,
)
from analysis.report.tables import (
    DEFINITIONS,
    SINGLE_THREAD_CAVEAT,
)

__all__ = [
    "DEFINITIONS",
    "ESTIMATOR_LINE",
    "RUN_PLOTS",
    "SINGLE_THREAD_CAVEAT",
    "GroupData",
    "ReportOutcome",
    "build_report",
    "fmt_ns",
    "fmt_pct",
    "fmt_ratio",
    "interpreter_table",
    "md_table",
    "mismatch_warnings",
    "num",
    "render_group",
    "slug",
]
