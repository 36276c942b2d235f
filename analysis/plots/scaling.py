"""Plots of speedup against threads (with each workload's ideal) and of ft/gil ratios."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist

from analysis.plots.style import (
    ARM_COLORS,
    IDEAL_LABELS,
    IDEAL_STYLES,
    VARIANT_STYLES,
    Context,
    error_bars,
    save,
    threads_axis,
    title_with_context,
)
from concepts.arms import arm_sort_key
from concepts.families import family_sort_key, ideal_speedup


def plot_scaling(summary: pd.DataFrame, context: Context, out_dir: Path, stem: str) -> list[Path]:
    """Plot 3: speedup t(1)/t(N) vs threads, one panel per family, arms as colours.

    Each variant is one line per arm (marker and line style per variant); the dashed
    black lines are the workloads' ideals (min(N, cores), 1 for fixed work, min(N/2, cores)
    for pairs), the dotted grey line the core count, and the grey region the
    oversubscribed thread counts (more threads than cores, helper threads included).
    """
    summary = summary[(summary["role"] != "harness") & (summary["mode"] != "duration")]
    families = sorted(summary["family"].unique(), key=lambda f: family_sort_key(str(f)))
    arms = sorted(summary["arm"].unique(), key=lambda a: arm_sort_key(str(a)))
    threads = sorted(int(t) for t in summary["threads"].unique())
    cores = context.cores
    x_max = max([*threads, cores]) * 1.35
    ncols = min(4, len(families))
    nrows = math.ceil(len(families) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.5 * ncols + 0.4, 3.0 * nrows + 1.0),
        squeeze=False,
        layout="constrained",
    )
    # Arms side by side around each thread count (log2 offsets), so error bars don't hide.
    shift = {arm: 2 ** (0.07 * (i - (len(arms) - 1) / 2)) for i, arm in enumerate(arms)}
    shaded = False
    for index, family in enumerate(families):
        ax = axes[index // ncols][index % ncols]
        per_family = summary[summary["family"] == family]
        variants = sorted(per_family["variant"].unique())
        rules = sorted(set(per_family["ideal_rule"].dropna()))
        ideal_x = np.array(sorted({*threads, cores, 1}))
        for rule in rules:
            ys = np.array([ideal_speedup(rule, int(n), cores) for n in ideal_x])
            ax.plot(ideal_x, ys, color="black", ls=IDEAL_STYLES.get(rule, "--"), lw=1)
        ax.axvline(cores, color="grey", ls=":", lw=1.2)
        # Oversubscribed: more threads than cores, helper threads included (a pipeline's
        # producer and consumer, an executor's submitter...).
        helpers = sorted({int(h) for h in per_family["helper_threads"].dropna()}) or [0]
        boundary = cores - helpers[-1]
        if max(threads) > boundary:
            ax.axvspan(max(boundary, 0.8), x_max, color="grey", alpha=0.12, lw=0)
            shaded = True
        for vi, variant in enumerate(variants):
            marker, style = VARIANT_STYLES[vi % len(VARIANT_STYLES)]
            for arm in arms:
                line = per_family[
                    (per_family["arm"] == arm) & (per_family["variant"] == variant)
                ].sort_values("threads")
                if line.empty:
                    continue
                ax.errorbar(
                    line["threads"] * shift[arm],
                    line["speedup"],
                    yerr=error_bars(line["speedup"], line["speedup_lo"], line["speedup_hi"]),
                    color=ARM_COLORS.get(str(arm), "black"),
                    marker=marker,
                    ls=style,
                    ms=4,
                    lw=1.2,
                    capsize=2,
                    elinewidth=0.7,
                    alpha=0.85,
                )
        top = float(np.nanmax(per_family["speedup_hi"].fillna(per_family["speedup"])))
        ax.set_ylim(0, max(min(max(threads), cores) * 1.15, top * 1.08))
        threads_axis(ax, threads)
        ax.set_xlim(0.8, x_max)
        title = family
        if helpers[-1]:
            extra = f"+{helpers[-1]} helper thread" + ("s" if helpers[-1] > 1 else "")
            title += f" ({extra}" + (" in some variants)" if len(helpers) > 1 else ")")
        ax.set_title(title)
        ax.set_xlabel("threads N")
        if index % ncols == 0:
            ax.set_ylabel("speedup t(base) / t(N)")
        ax.text(
            cores,
            0.98,
            f"{cores} cores ",
            transform=ax.get_xaxis_transform(),
            fontsize=7,
            color="dimgrey",
            ha="right",
            va="top",
        )
        variant_handles = [
            plt.Line2D(
                [],
                [],
                color="dimgrey",
                marker=VARIANT_STYLES[i % len(VARIANT_STYLES)][0],
                ls=VARIANT_STYLES[i % len(VARIANT_STYLES)][1],
                ms=4,
                label=v,
            )
            for i, v in enumerate(variants)
        ]
        ax.legend(handles=variant_handles, fontsize=6.5, loc="upper left", framealpha=0.7)
    for index in range(len(families), nrows * ncols):
        axes[index // ncols][index % ncols].set_visible(False)
    handles: list[Artist] = [
        plt.Line2D([], [], color=ARM_COLORS.get(str(arm), "black"), lw=2, label=f"arm {arm}")
        for arm in arms
    ]
    for rule in sorted(set(summary["ideal_rule"].dropna())):
        handles.append(
            plt.Line2D(
                [],
                [],
                color="black",
                ls=IDEAL_STYLES.get(rule, "--"),
                lw=1,
                label=IDEAL_LABELS.get(rule, f"ideal ({rule})"),
            )
        )
    handles.append(plt.Line2D([], [], color="grey", ls=":", lw=1.2, label="core count"))
    if shaded:
        handles.append(
            plt.Rectangle((0, 0), 1, 1, color="grey", alpha=0.12, label="oversubscribed")
        )
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    title_with_context(
        fig, "Scaling: speedup vs threads within each arm, against each workload's ideal", context
    )
    return save(fig, out_dir, stem)


# --------------------------------------------------------------------------- 4 ratios


def plot_ratios(
    ratio_table: pd.DataFrame, context: Context, out_dir: Path, stem: str, n_cores: int | None
) -> list[Path]:
    """Plot 4: each benchmark's time ratio vs gil at 1 thread and at the core count."""
    vs_gil = ratio_table[ratio_table["den"] == "gil"]
    panels = [(1, "1 thread")]
    if n_cores is not None and n_cores != 1:
        panels.append((n_cores, f"{n_cores} threads (core count)"))
    names = (
        vs_gil[["family", "variant"]]
        .drop_duplicates()
        .sort_values(
            ["family", "variant"],
            key=lambda c: c.map((lambda f: family_sort_key(str(f))) if c.name == "family" else str),
        )
    )
    labels = [f"{r.family} / {r.variant}" for r in names.itertuples()]
    y_of = {(r.family, r.variant): i for i, r in enumerate(names.itertuples())}
    nums = sorted(vs_gil["num"].unique(), key=lambda a: arm_sort_key(str(a)))
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(5.2 * len(panels) + 2.5, 0.28 * len(labels) + 2.2),
        squeeze=False,
        layout="constrained",
        sharey=True,
    )
    finite = vs_gil[["ratio", "lo", "hi"]].to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    lo_lim = min(0.5, float(finite.min()) / 1.15) if finite.size else 0.5
    hi_lim = max(2.0, float(finite.max()) * 1.15) if finite.size else 2.0
    for col, (threads, title) in enumerate(panels):
        ax = axes[0][col]
        for k, num in enumerate(nums):
            rows = vs_gil[(vs_gil["num"] == num) & (vs_gil["threads"] == threads)]
            if rows.empty:
                continue
            offset = (k - (len(nums) - 1) / 2) * 0.25
            y = np.array([y_of[(r.family, r.variant)] for r in rows.itertuples()]) + offset
            ax.errorbar(
                rows["ratio"],
                y,
                xerr=error_bars(rows["ratio"], rows["lo"], rows["hi"]),
                fmt="o" if num == "ft" else "s",
                ms=4,
                color=ARM_COLORS.get(str(num), "black"),
                mfc=ARM_COLORS.get(str(num), "black") if num == "ft" else "white",
                capsize=2,
                lw=1,
                label=f"{num} / gil",
            )
        ax.axvline(1.0, color="black", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(lo_lim, hi_lim)
        ticks = [t for t in (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20) if lo_lim <= t <= hi_lim]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}×" for t in ticks])
        ax.minorticks_off()
        ax.set_title(title)
        ax.set_xlabel("time per op relative to gil (log; > 1: slower than gil)")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=7.5)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.text(
            0.01,
            1.0,
            "◀ faster than gil",
            transform=ax.transAxes,
            fontsize=7,
            va="bottom",
            color="dimgrey",
        )
        ax.text(
            0.99,
            1.0,
            "slower than gil ▶",
            transform=ax.transAxes,
            fontsize=7,
            va="bottom",
            ha="right",
            color="dimgrey",
        )
    axes[0][-1].legend(loc="lower right", fontsize=8)
    title_with_context(
        fig, "Free-threaded vs default build per benchmark (ratio, 95% t interval)", context
    )
    return save(fig, out_dir, stem)
