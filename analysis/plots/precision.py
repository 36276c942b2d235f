"""Precision against minutes: the design study's figure (analysis.design_study's CSV rows)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from analysis.plots.style import save


def plot_precision(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Precision against minutes: one panel per target, one line per design family."""
    panels = (
        ("ratio_t1_within_target", "ft/gil at 1 thread within +-5%"),
        ("ratio_t2_within_target", "ft/gil at 2 threads within +-10%"),
        ("speedup_within_target", "speedups t(1)/t(2) within +-10%"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True)
    # Static designs at the most values per process (fewer values were always worse
    # for the same minutes), two-stage designs from the cheaper first stage.
    most = max(int(r["values"]) for r in rows if r["design"] == "static")
    shown = [
        r
        for r in rows
        if (r["design"] == "static" and int(r["values"]) == most and r["alone"] == "min")
        or (r["design"] != "static" and int(r["rounds"]) == 2)
    ]
    families: dict[str, list[dict[str, Any]]] = {}
    for row in shown:
        families.setdefault(str(row["family"]), []).append(row)
    for ax, (column, title) in zip(axes, panels, strict=True):
        for family, chosen in families.items():
            chosen = sorted(chosen, key=lambda r: float(r["minutes"]))
            ax.plot([float(r["minutes"]) for r in chosen], [100 * float(r[column]) for r in chosen],
                    marker="o", markersize=3, label=family)  # fmt: skip
        ax.axhline(90, color="grey", linestyle=":", linewidth=1)
        ax.axvline(25, color="grey", linestyle="--", linewidth=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("minutes for both arms, whole default matrix (modelled)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("% of intervals within target")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Precision against time, designs emulated on one committed raw sweep; static"
                 f" designs at {most} values per process (dotted: the 90% target; dashed: the"
                 " 25-minute budget)", fontsize=10)  # fmt: skip
    fig.tight_layout()
    save(fig, path.parent, path.stem, ("png",))
