"""How precise a run's ft/gil ratios and speedups are, read against the main job's targets.

    python -m analysis.precision REPORT_DIR

``REPORT_DIR`` is what ``python -m analysis`` wrote (its ``ratios.csv`` and
``summary.csv`` are read). Per thread count: how many ft/gil ratios of single
primitives and controls have a 95% interval within the target (concepts.stats.TARGETS:
at 1 thread the target of a row where one thread runs alone, +-5%; at more threads that
of a row where threads share the cores, +-10%), and their median half-width.
Exit status: 0 printed, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from concepts import stats

PROG = "python -m analysis.precision"


def target_for(threads: int) -> float:
    """The half-width a ratio at ``threads`` threads should be within."""
    return stats.TARGETS[stats.ALONE if threads == 1 else stats.SHARED]


def ratio_precision(
    ratios: pd.DataFrame, num: str = "ft", den: str = "gil"
) -> list[dict[str, float]]:
    """One row per thread count: ratios, within target, median half-width (a fraction)."""
    rows = ratios[(ratios["num"] == num) & (ratios["den"] == den) & ratios["variant"].notna()]
    rows = rows[rows["role"].isin(["primitive", "control"])]
    found = []
    for threads in sorted({int(t) for t in rows["threads"]}):
        group = rows[rows["threads"] == threads]
        halves = [
            stats.relative_halfwidth(float(r), float(lo), float(hi))
            for r, lo, hi in zip(group["ratio"], group["lo"], group["hi"], strict=True)
        ]
        found.append(
            {
                "threads": threads,
                "ratios": len(group),
                "within_target": sum(h <= target_for(threads) for h in halves),
                "median_halfwidth": stats.median(halves),
            }
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.precision``."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a report directory (python -m analysis)")
    options = parser.parse_args(argv)
    path = options.report / "ratios.csv"
    if not path.is_file():
        print(f"{PROG}: error: no ratios.csv in {options.report}", file=sys.stderr)
        return 2
    table = ratio_precision(pd.read_csv(path))
    targets = f"+-{100 * target_for(1):g}% at 1 thread, +-{100 * target_for(2):g}% at more"
    print(f"ft/gil ratios with a 95% CI within target ({targets}):")
    for row in table:
        print(
            f"  {row['threads']:g} thread(s): {row['within_target']:g} of {row['ratios']:g}"
            f" within +-{100 * target_for(int(row['threads'])):g}%,"
            f" median half-width {100 * row['median_halfwidth']:.1f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
