"""Plots of the single-thread overhead, the interpreter sets and the gate's trend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.metrics import PUBLISHED_OVERHEAD
from analysis.plots.style import ARM_COLORS, Context, error_bars, save, title_with_context
from concepts.arms import arm_sort_key
from concepts.families import family_sort_key

# --------------------------------------------------------------------------- 5 overhead


def _profiles(rows: pd.DataFrame) -> str:
    """The build profiles of a single-thread-overhead row set: "plain", "optimized vs plain"."""
    if "profile_num" not in rows:
        return "profile unknown"
    pairs = {
        (str(a), str(b))
        for a, b in zip(rows["profile_num"], rows["profile_den"], strict=True)
        if isinstance(a, str)
    }
    texts = sorted(a if a == b else f"{a} vs {b}" for a, b in pairs)
    return ", ".join(texts) or "profile unknown"


def plot_single_thread(
    overhead: pd.DataFrame, context: Context, out_dir: Path, stem: str
) -> list[Path]:
    """Plot 5: 1-thread overhead vs gil per family and overall, with published figures."""
    families = sorted(
        (f for f in overhead["family"].unique() if f != "all"),
        key=lambda f: family_sort_key(str(f)),
    )
    families = ["all", *families]
    nums = sorted(overhead["num"].unique(), key=lambda a: arm_sort_key(str(a)))
    height = 0.8 / max(len(nums), 1)
    fig, ax = plt.subplots(
        figsize=(8.5, 0.3 * len(families) * max(len(nums), 1) + 2.0), layout="constrained"
    )
    for ref in PUBLISHED_OVERHEAD:
        low = 100 * float(ref["low"])  # type: ignore[arg-type]
        high = 100 * float(ref["high"])  # type: ignore[arg-type]
        color = "purple" if ref["version"] == "3.13" else "green"
        if math.isclose(low, high):
            ax.axvline(
                low, color=color, ls="--", lw=1.5, zorder=3, label=f"published: {ref['label']}"
            )
        else:
            ax.axvspan(
                low, high, color=color, alpha=0.18, zorder=0, label=f"published: {ref['label']}"
            )
    for k, num in enumerate(nums):
        rows = overhead[overhead["num"] == num].set_index("family").reindex(families)
        y = np.arange(len(families)) - 0.4 + height * (k + 0.5)
        values = 100 * rows["overhead"]
        ax.barh(
            y,
            values,
            height * 0.9,
            color=ARM_COLORS.get(str(num), "grey"),
            xerr=error_bars(values, 100 * rows["overhead_lo"], 100 * rows["overhead_hi"]),
            capsize=2,
            error_kw={"lw": 0.8},
            label=f"measured: {num} vs gil ({_profiles(rows)} builds)",
        )
        ends = np.fmax(
            values.to_numpy(dtype=float), 100 * rows["overhead_hi"].to_numpy(dtype=float)
        )
        for yi, value, end in zip(y, values, ends, strict=True):
            if np.isfinite(value):
                ax.text(max(end, 0), yi, f"  {value:+.0f}%", va="center", fontsize=7.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(families)))
    counts = overhead.groupby("family")["n_benchmarks"].max()
    ax.set_yticklabels(
        [
            ("all families, one weight each" if f == "all" else f) + f" ({int(counts.get(f, 0))})"
            for f in families
        ]
    )
    ax.set_ylim(len(families) - 0.5, -0.5)
    ax.set_xlabel(
        "single-thread time per op vs gil: geometric mean over families − 1 (%), 95% t interval"
    )
    fig.legend(loc="outside lower center", ncol=2, fontsize=7.5, frameon=False)
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_xlim(right=max(ax.get_xlim()[1], 45) * 1.08)
    title_with_context(fig, "Single-thread overhead of the free-threaded build (1 thread)", context)
    return save(fig, out_dir, stem)


def plot_sets(table: pd.DataFrame, sets: Sequence[str], out_dir: Path, stem: str) -> list[Path]:
    """Interpreter sets on the x axis, ft/gil time per op at 1 thread per primitive.

    One line per primitive (family/variant), so a primitive that got better from one set
    to the next slopes down; the dashed line is parity with the GIL build.
    """
    fig, ax = plt.subplots(figsize=(8.5, 5.5), layout="constrained")
    x = np.arange(len(sets))
    for (family, variant), rows in table.groupby(["family", "variant"], sort=False):
        by_set = rows.set_index("interpreter_set")["ft_vs_gil_t1"]
        values = [float(by_set.get(s, np.nan)) for s in sets]
        ax.plot(x, values, marker="o", lw=1, alpha=0.8, label=f"{family}/{variant}")
    ax.axhline(1.0, color="black", ls="--", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(list(sets))
    ax.set_ylabel("ft / gil time per op at 1 thread (above 1: ft slower)")
    ax.set_yscale("log")
    fig.legend(loc="outside right upper", fontsize=6.5, frameon=False)
    fig.suptitle("Interpreter sets: the free-threaded build's cost per primitive, set by set")
    return save(fig, out_dir, stem)


def plot_trend(rows: Sequence[dict[str, object]], out_dir: Path) -> list[Path]:
    """The gated ratios across runs (analysis.regress.history.trend_rows): one panel per
    metric, each run's value with its 95% interval, steps beyond the tolerance in red."""
    frame = pd.DataFrame(list(rows))
    names = list(dict.fromkeys(frame["metric"]))
    fig, axes = plt.subplots(
        len(names), 1, figsize=(8, 1.9 * len(names) + 0.8), sharex=False, layout="constrained"
    )
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        part = frame[frame["metric"] == name].reset_index(drop=True)
        x = np.arange(len(part))
        values = part["value"].astype(float).to_numpy()
        low = part["low"].astype(float).fillna(part["value"]).to_numpy()
        high = part["high"].astype(float).fillna(part["value"]).to_numpy()
        ax.errorbar(x, values, yerr=[values - low, high - values], fmt="o-", capsize=3, lw=1)
        jumps = part.index[part["step_exceeds"].astype(bool)]
        ax.plot(jumps, values[jumps], "o", color="red", ms=9, mfc="none", label="step")
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_xticks(
            x,
            [
                f"{str(d)[:10]}\n{c or '?'}"[:19]
                for d, c in zip(part["date"], part["commit"], strict=True)
            ],
            fontsize=7,
        )
        ax.grid(alpha=0.3)
    fig.suptitle(
        "gated ratios across runs (95% intervals; red: a step beyond the tolerance)", fontsize=10
    )
    return save(fig, out_dir, "trend")
