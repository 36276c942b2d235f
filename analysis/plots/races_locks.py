"""Plots of race-loss rates and of what a lock costs over unshared work."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.metrics import safe_variants
from analysis.plots.style import (
    ARM_COLORS,
    RACE_VARIANT_ORDER,
    Context,
    error_bars,
    in_order,
    save,
    thread_colors,
    threads_label,
    title_with_context,
)
from concepts import lock_overhead as lock_def
from concepts import stats
from concepts.arms import arm_sort_key
from concepts.families import family_sort_key

# --------------------------------------------------------------------------- 1 races


def plot_race_loss(races: pd.DataFrame, context: Context, out_dir: Path, stem: str) -> list[Path]:
    """Plot 1: every trial's loss rate, variant x threads, one panel per arm x interval."""
    arms = sorted(races["arm"].dropna().unique(), key=lambda a: arm_sort_key(str(a)))
    intervals = sorted(races["switch_interval"].fillna(-1).unique(), reverse=True)
    variants = in_order(list(races["variant"].unique()), RACE_VARIANT_ORDER)
    threads = sorted(int(t) for t in races["threads"].unique())
    colors = thread_colors(threads)
    safe = safe_variants(races)
    width = 0.8 / len(threads)
    fig, axes = plt.subplots(
        len(intervals),
        len(arms),
        figsize=(
            max(4.5, 0.55 * len(variants) * max(len(threads), 2)) * len(arms) / 1.6 + 1,
            3.4 * len(intervals) + 1,
        ),
        squeeze=False,
        layout="constrained",
        sharey=True,
    )
    rng = np.random.default_rng(0)  # jitter only; fixed so plots are reproducible
    for row, interval in enumerate(intervals):
        for col, arm in enumerate(arms):
            ax = axes[row][col]
            cell = races[(races["arm"] == arm) & (races["switch_interval"].fillna(-1) == interval)]
            if cell.empty:
                ax.text(
                    0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", color="dimgrey"
                )
            for vi, variant in enumerate(variants):
                for ti, n in enumerate(threads):
                    rates = 100.0 * cell[(cell["variant"] == variant) & (cell["threads"] == n)][
                        "loss_rate"
                    ].to_numpy(dtype=float)
                    if rates.size == 0:
                        continue
                    x = vi - 0.4 + width * (ti + 0.5)
                    jitter = rng.uniform(-0.3, 0.3, rates.size) * width
                    ordered = sorted(float(r) for r in rates)
                    q1, med, q3 = (stats.quantile(ordered, q) for q in (0.25, 0.5, 0.75))
                    ax.vlines(x, q1, q3, color="grey", lw=4, alpha=0.45, zorder=2)
                    ax.hlines(
                        med, x - width * 0.4, x + width * 0.4, color="black", lw=1.5, zorder=3
                    )
                    ax.scatter(
                        x + jitter,
                        rates,
                        s=16,
                        color=colors[n],
                        alpha=0.85,
                        edgecolors="white",
                        linewidths=0.3,
                        zorder=4,
                    )
            ax.set_yscale("symlog", linthresh=0.1, linscale=0.5)
            ax.set_ylim(-0.02, 120)
            ax.set_yticks([0, 0.1, 1, 10, 100])
            ax.set_yticklabels(["0%", "0.1%", "1%", "10%", "100%"])
            ax.set_xticks(range(len(variants)))
            ax.set_xticklabels(
                [f"{v}\n(must be 0)" if v in safe else v for v in variants],
                rotation=30,
                ha="right",
            )
            ax.set_xlim(-0.6, len(variants) - 0.4)
            label = "default" if interval < 0 else f"{interval:g} s"
            ax.set_title(f"arm {arm} · switch interval {label}", color=ARM_COLORS.get(arm))
            if col == 0:
                ax.set_ylabel("lost updates / expected (%)")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=colors[n], label=threads_label(n))
        for n in threads
    ]
    handles.append(plt.Line2D([], [], color="black", lw=1.5, label="median"))
    handles.append(plt.Line2D([], [], color="grey", alpha=0.45, lw=4, label="interquartile range"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    title_with_context(
        fig, "Race-loss rate of unprotected increments (each dot is one trial)", context
    )
    return save(fig, out_dir, stem)


# --------------------------------------------------------------------------- 2 locks


def plot_lock_overhead(
    overhead: pd.DataFrame, context: Context, out_dir: Path, stem: str
) -> list[Path]:
    """Plot 2: ns/op added by each locked benchmark over its unlocked reference.

    One panel per arm; one row per locked benchmark (labelled with its primitive and
    the unlocked benchmark it is compared with); one bar per thread count, with CI.
    """
    arms = sorted(overhead["arm"].unique(), key=lambda a: arm_sort_key(str(a)))
    labels = (
        overhead[["family", "variant", "primitive", "reference"]]
        .drop_duplicates(["family", "variant"])
        .sort_values(
            ["family", "variant"],
            key=lambda c: c.map(lambda f: family_sort_key(str(f))) if c.name == "family" else c,
        )
    )
    threads = sorted(int(t) for t in overhead["threads"].unique())
    colors = thread_colors(threads)
    height = 0.8 / len(threads)
    fig, axes = plt.subplots(
        1,
        len(arms),
        figsize=(3.4 * len(arms) + 3.2, 0.42 * len(labels) * max(len(threads), 2) / 2 + 2.2),
        squeeze=False,
        layout="constrained",
        sharey=True,
        sharex=True,  # one scale, so arms compare at a glance
    )
    for col, arm in enumerate(arms):
        ax = axes[0][col]
        per_arm = overhead[overhead["arm"] == arm]
        for li, label in enumerate(labels.itertuples()):
            for ti, n in enumerate(threads):
                cell = per_arm[
                    (per_arm["family"] == label.family)
                    & (per_arm["variant"] == label.variant)
                    & (per_arm["threads"] == n)
                ]
                if cell.empty:
                    continue
                y = li - 0.4 + height * (ti + 0.5)
                ax.barh(
                    y,
                    cell["overhead_ns"],
                    height * 0.9,
                    color=colors[n],
                    xerr=error_bars(
                        cell["overhead_ns"], cell["overhead_lo_ns"], cell["overhead_hi_ns"]
                    ),
                    capsize=2,
                    error_kw={"lw": 0.8},
                )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(
            [
                f"{r.family}/{r.variant}\n{r.primitive}, vs {r.reference}"
                for r in labels.itertuples()
            ],
            fontsize=7.5,
        )
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_title(f"arm {arm}", color=ARM_COLORS.get(arm))
        ax.set_xlabel("added time per op (ns): locked − unshared unlocked")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colors[n], label=threads_label(n)) for n in threads
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        frameon=False,
        title="each locked benchmark vs the same work unshared and unlocked, same arm and N",
        title_fontsize=8,
    )
    title_with_context(
        fig, f"{lock_def.NAME.capitalize()}: added time per operation (95% t interval)", context
    )
    return save(fig, out_dir, stem)
