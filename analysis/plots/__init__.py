"""The report's plots (matplotlib, Agg backend), each written as PNG and SVG, by topic:
style (what every plot shares), races_locks, scaling, overhead, runs, precision.

The five main plots of the report:

1. race-loss: loss rate per race variant x threads, one panel per arm and switch
   interval, every trial shown (median and IQR marked);
2. lock-cost: ns per op a locked benchmark costs over the same work unshared and
   unlocked (concepts.lock_overhead), per arm and thread count, with t intervals;
3. scaling: speedup vs threads, one panel per family and arm, with each workload's own
   ideal (min(N, cores), 1 for fixed work, relative to N = 2 for hand-off pairs), the
   core count marked and the oversubscribed region shaded;
4. ft-vs-gil: time-per-op ratio of each benchmark to gil at 1 thread and at the core
   count, with CIs (ft, and ft-gil where measured);
5. single-thread-overhead: the free-threaded build's overhead at 1 thread per family,
   next to the published figures for 3.13t and 3.14t.

Every figure is titled with the interpreter versions, CPU model, core count and date.
Files are written to a temporary name and renamed, so a reader never sees half a plot.
"""

from __future__ import annotations

from analysis.plots.overhead import (
    plot_sets,
    plot_single_thread,
    plot_trend,
)
from analysis.plots.precision import plot_precision
from analysis.plots.races_locks import (
    plot_lock_overhead,
    plot_race_loss,
)
from analysis.plots.runs import (
    plot_fairness,
    plot_ownership,
)
from analysis.plots.scaling import (
    plot_ratios,
    plot_scaling,
)
from analysis.plots.style import (
    ARM_COLORS,
    FORMATS,
    IDEAL_LABELS,
    IDEAL_STYLES,
    RACE_VARIANT_ORDER,
    THREAD_PALETTE,
    VARIANT_STYLES,
    Context,
    context_for,
    save,
)

__all__ = [
    "ARM_COLORS",
    "FORMATS",
    "IDEAL_LABELS",
    "IDEAL_STYLES",
    "RACE_VARIANT_ORDER",
    "THREAD_PALETTE",
    "VARIANT_STYLES",
    "Context",
    "context_for",
    "plot_fairness",
    "plot_lock_overhead",
    "plot_ownership",
    "plot_precision",
    "plot_race_loss",
    "plot_ratios",
    "plot_scaling",
    "plot_sets",
    "plot_single_thread",
    "plot_trend",
    "save",
]

ALL_PLOTS: tuple[tuple[str, str], ...] = (
    ("race-loss", "Race-loss rates"),
    ("lock-cost", "Lock cost over unshared work"),
    ("scaling", "Scaling"),
    ("ft-vs-gil", "ft vs gil per benchmark"),
    ("single-thread-overhead", "Single-thread overhead"),
)
"""(file stem, heading) of the five main plots, in report order. The run-metadata
sections add ``fairness`` and ``ownership`` plots where the files have the data."""
