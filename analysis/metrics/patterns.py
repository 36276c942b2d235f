"""Shared-object patterns (the ``shared-object`` family): which ones stop scaling.

Each pattern is measured twice, on one object every thread shares (``<pattern>-shared``)
and on each thread's own object (``<pattern>-own``, concepts.families). A pattern *does
not scale* on an arm when its shared variant's speedup at the core count lies wholly
below its own twin's (the two 95% intervals do not overlap, shared below): sharing the
object, not the work, is what costs. The free-threaded build's cost for the pattern is
its own twin's ft/gil ratio at 1 thread.
"""

from __future__ import annotations

import pandas as pd

from analysis.metrics.cells import at_cores
from concepts.families import OWN_SUFFIX, SHARED_OBJECT_FAMILY, SHARED_SUFFIX

COLUMNS = [
    "group",
    "pattern",
    "threads",
    "ft_speedup_shared",
    "ft_speedup_shared_lo",
    "ft_speedup_shared_hi",
    "ft_speedup_own",
    "ft_speedup_own_lo",
    "ft_speedup_own_hi",
    "does_not_scale",
    "ft_gil_shared",
    "ft_gil_shared_lo",
    "ft_gil_shared_hi",
    "build_cost",
    "build_cost_lo",
    "build_cost_hi",
]


def shared_patterns(summary: pd.DataFrame, ratios: pd.DataFrame, cores: int) -> pd.DataFrame:
    """One row per pattern and group: the ft arm's speedups at the core count of the shared
    variant and its own twin, whether the pattern does not scale, the shared variant's
    ft/gil ratio there, and the build's cost (the own twin's ft/gil at 1 thread)."""
    if summary.empty or "family" not in summary:
        return pd.DataFrame(columns=COLUMNS)
    rows = summary[(summary["family"] == SHARED_OBJECT_FAMILY) & (summary["arm"] == "ft")]
    found = []
    for group, in_group in rows.groupby("group"):
        n = at_cores(sorted({int(t) for t in in_group["threads"]}), cores)
        if n is None or n < 2:
            continue
        patterns = sorted(
            str(v)[: -len(SHARED_SUFFIX)]
            for v in in_group["variant"].dropna().unique()
            if str(v).endswith(SHARED_SUFFIX)
        )
        for pattern in patterns:
            shared = _cell(in_group, pattern + SHARED_SUFFIX, n)
            own = _cell(in_group, pattern + OWN_SUFFIX, n)
            if shared is None or own is None:
                continue
            ratio = _ratio(ratios, group, pattern + SHARED_SUFFIX, n)
            cost = _ratio(ratios, group, pattern + OWN_SUFFIX, 1)
            found.append(
                {
                    "group": group,
                    "pattern": pattern,
                    "threads": n,
                    "ft_speedup_shared": shared["speedup"],
                    "ft_speedup_shared_lo": shared["speedup_lo"],
                    "ft_speedup_shared_hi": shared["speedup_hi"],
                    "ft_speedup_own": own["speedup"],
                    "ft_speedup_own_lo": own["speedup_lo"],
                    "ft_speedup_own_hi": own["speedup_hi"],
                    "does_not_scale": bool(shared["speedup_hi"] < own["speedup_lo"]),
                    "ft_gil_shared": ratio[0],
                    "ft_gil_shared_lo": ratio[1],
                    "ft_gil_shared_hi": ratio[2],
                    "build_cost": cost[0],
                    "build_cost_lo": cost[1],
                    "build_cost_hi": cost[2],
                }
            )
    return pd.DataFrame(found, columns=COLUMNS)


def _cell(rows: pd.DataFrame, variant: str, threads: int) -> pd.Series | None:
    chosen = rows[(rows["variant"] == variant) & (rows["threads"] == threads)]
    return None if chosen.empty else chosen.iloc[0]


def _ratio(ratios: pd.DataFrame, group: object, variant: str, threads: int) -> tuple[float, ...]:
    """ft/gil of one shared-object benchmark: (ratio, lo, hi), NaN when not measured."""
    nan = float("nan")
    if ratios.empty:
        return (nan, nan, nan)
    chosen = ratios[
        (ratios["group"] == group)
        & (ratios["num"] == "ft")
        & (ratios["den"] == "gil")
        & (ratios["family"] == SHARED_OBJECT_FAMILY)
        & (ratios["variant"] == variant)
        & (ratios["threads"] == threads)
    ]
    if chosen.empty:
        return (nan, nan, nan)
    row = chosen.iloc[0]
    return (float(row["ratio"]), float(row["lo"]), float(row["hi"]))
