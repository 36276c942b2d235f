"""Plots of run metadata: fairness and ownership cost."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.plots.style import (
    ARM_COLORS,
    THREAD_PALETTE,
    VARIANT_STYLES,
    Context,
    error_bars,
    save,
    threads_axis,
    title_with_context,
)
from concepts.arms import arm_sort_key
from concepts.families import family_sort_key

# --------------------------------------------------------------------------- run metadata


def plot_fairness(table: pd.DataFrame, context: Context, out_dir: Path, stem: str) -> list[Path]:
    """Jain's index vs threads per contended primitive (one panel per arm), median and min."""
    arms = sorted(table["arm"].unique(), key=lambda a: arm_sort_key(str(a)))
    labels = sorted(
        {f"{f}/{v}" for f, v in zip(table["family"], table["variant"], strict=True)},
        key=lambda s: (family_sort_key(s.split("/")[0]), s),
    )
    threads = sorted(int(t) for t in table["threads"].unique())
    fig, axes = plt.subplots(
        1, len(arms), figsize=(4.6 * len(arms) + 2.5, 3.6), squeeze=False, layout="constrained",
        sharey=True,
    )  # fmt: skip
    for col, arm in enumerate(arms):
        ax = axes[0][col]
        per_arm = table[table["arm"] == arm]
        for li, label in enumerate(labels):
            family, variant = label.split("/", 1)
            line = per_arm[(per_arm["family"] == family) & (per_arm["variant"] == variant)]
            line = line.sort_values("threads")
            if line.empty:
                continue
            marker, style = VARIANT_STYLES[li % len(VARIANT_STYLES)]
            color = THREAD_PALETTE[li % len(THREAD_PALETTE)]
            ax.errorbar(
                line["threads"],
                line["jain"],
                yerr=np.vstack(
                    [(line["jain"] - line["jain_min"]).clip(lower=0).fillna(0), 0 * line["jain"]]
                ),
                marker=marker, ls=style, color=color, ms=4, lw=1.1, capsize=2, label=label,
            )  # fmt: skip
        threads_axis(ax, threads)
        ax.set_xlim(min(threads) / 1.4, max(threads) * 1.4)
        ax.set_ylim(0, 1.05)
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_title(f"arm {arm}", color=ARM_COLORS.get(str(arm)))
        ax.set_xlabel("threads N")
        if col == 0:
            ax.set_ylabel("Jain's index (1: equal shares)")
    axes[0][-1].legend(fontsize=6.5, loc="lower left", framealpha=0.7)
    title_with_context(
        fig,
        "Fairness of contended primitives: median Jain's index, bar to the minimum run",
        context,
    )
    return save(fig, out_dir, stem)


def plot_ownership(table: pd.DataFrame, context: Context, out_dir: Path, stem: str) -> list[Path]:
    """Ownership cost t(other)/t(own) per object and thread count, one marker per arm."""
    objects = sorted(table["object"].unique())
    arms = sorted(table["arm"].unique(), key=lambda a: arm_sort_key(str(a)))
    threads = sorted(int(t) for t in table["threads"].unique())
    fig, axes = plt.subplots(
        1, len(objects), figsize=(3.6 * len(objects) + 1.5, 3.4), squeeze=False,
        layout="constrained", sharey=True,
    )  # fmt: skip
    shift = {arm: 2 ** (0.07 * (i - (len(arms) - 1) / 2)) for i, arm in enumerate(arms)}
    for col, thing in enumerate(objects):
        ax = axes[0][col]
        for arm in arms:
            line = table[(table["object"] == thing) & (table["arm"] == arm)].sort_values("threads")
            if line.empty:
                continue
            ax.errorbar(
                line["threads"] * shift[arm],
                line["ratio"],
                yerr=error_bars(line["ratio"], line["lo"], line["hi"]),
                color=ARM_COLORS.get(str(arm), "black"), marker="o", ms=4, lw=1.1, capsize=2,
                label=f"arm {arm}",
            )  # fmt: skip
        ax.axhline(1.0, color="black", lw=0.8)
        threads_axis(ax, threads)
        ax.set_title(f"{thing}: created by another thread vs by itself")
        ax.set_xlabel("threads N")
        if col == 0:
            ax.set_ylabel("t(X-other) / t(X-own)")
    axes[0][-1].legend(fontsize=7.5)
    title_with_context(
        fig, "Ownership cost: using an object another thread created (95% t interval)", context
    )
    return save(fig, out_dir, stem)
