"""The five report plots (matplotlib, Agg backend), each written as PNG and SVG.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.load import KNOWN_ARMS
from analysis.metrics import PUBLISHED_OVERHEAD, arm_sort_key, family_sort_key, safe_variants
from concepts import lock_overhead as lock_def
from concepts import stats
from concepts.families import ideal_speedup
from concepts.files import atomic_path

FORMATS: tuple[str, ...] = ("png", "svg")
ARM_COLORS = {"gil": "#1f77b4", "ft": "#d62728", "ft-gil": "#ff7f0e"}
RACE_VARIANT_ORDER = (
    "inline",
    "call",
    "global",
    "attribute",
    "dict-item",
    "locked",
    "itertools-count",
)

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "gilbench",  # stable SVG ids, so reruns diff cleanly
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "font.size": 9,
        "axes.titlesize": 10,
    }
)


@dataclass(frozen=True)
class Context:
    """What every plot title says about where its numbers come from."""

    versions: str
    """e.g. "CPython 3.13.5 (gil) vs 3.13.5t (ft, ft-gil)"."""
    machine: str
    cores: int
    date: str
    group: str = ""

    def line(self) -> str:
        return f"{self.versions} · {self.machine} · {self.cores} cores · {self.date}"


def context_for(frames: Sequence[pd.DataFrame], group: str, cores: int) -> Context:
    """Context of one group from its bench and/or races rows."""
    rows = pd.concat(
        [f[f["group"] == group] for f in frames if not f.empty and "group" in f.columns]
    )
    by_version: dict[str, list[str]] = {}
    per_arm = rows.drop_duplicates("arm")
    for arm in sorted(per_arm["arm"].dropna().unique(), key=lambda a: arm_sort_key(str(a))):
        arm_rows = rows[rows["arm"] == arm]
        version = (
            str(arm_rows["python_version"].dropna().iloc[0])
            if arm_rows["python_version"].notna().any()
            else "?"
        )
        if bool(arm_rows["py_gil_disabled"].fillna(False).any()):
            version += "t"
        by_version.setdefault(version, []).append(str(arm))
    versions = "CPython " + " vs ".join(
        f"{version} ({', '.join(arms)})" for version, arms in by_version.items()
    )
    models = rows["cpu_model"].dropna().unique()
    machine = str(models[0]) if len(models) else "unknown CPU"
    if len(models) > 1:
        machine += f" (+{len(models) - 1} other)"
    days = sorted({str(d)[:10] for d in rows["date"].dropna()})
    date = days[0] if len(days) == 1 else (f"{days[0]} to {days[-1]}" if days else "date unknown")
    return Context(versions=versions, machine=machine, cores=cores, date=date, group=group)


def _title(fig: Figure, title: str, context: Context) -> None:
    fig.suptitle(f"{title}\n{context.line()}", fontsize=11)


def save(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.<fmt>`` for each format, atomically; close it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    # Lay the figure out once (constrained layout is the slow part), then keep it fixed
    # for every format instead of re-running it per savefig.
    fig.canvas.draw()
    fig.set_layout_engine("none")
    try:
        for fmt in formats:
            target = out_dir / f"{stem}.{fmt}"
            # Fixed metadata: no creation date, so identical inputs give identical files.
            metadata = {"Date": None} if fmt == "svg" else {"Software": "gilbench"}
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.1)
            written.append(target)
    finally:
        plt.close(fig)
    return written


def _ordered(values: Sequence[str], order: Sequence[str]) -> list[str]:
    known = [v for v in order if v in values]
    return known + sorted(v for v in values if v not in order)


THREAD_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#c44e52", "#937860", "#da8bc3")


def _thread_colors(threads: Sequence[int]) -> dict[int, str]:
    """A distinct colour per thread count (same count, same colour in every plot)."""
    return {t: THREAD_PALETTE[i % len(THREAD_PALETTE)] for i, t in enumerate(sorted(threads))}


def _threads_axis(ax: Axes, threads: Sequence[int]) -> None:
    """A log2 x axis with one tick per measured thread count."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(threads))
    ax.set_xticklabels([str(n) for n in threads])
    ax.minorticks_off()


def _threads_label(n: int) -> str:
    return f"{n} thread" if n == 1 else f"{n} threads"


def _yerr(points: pd.Series, lo: pd.Series, hi: pd.Series) -> np.ndarray:
    """Asymmetric error bars from CI bounds (zero length where a bound is NaN)."""
    low = (points - lo).clip(lower=0).fillna(0).to_numpy(dtype=float)
    high = (hi - points).clip(lower=0).fillna(0).to_numpy(dtype=float)
    return np.vstack([low, high])


# --------------------------------------------------------------------------- 1 races


def plot_race_loss(races: pd.DataFrame, context: Context, out_dir: Path, stem: str) -> list[Path]:
    """Plot 1: every trial's loss rate, variant x threads, one panel per arm x interval."""
    arms = sorted(races["arm"].dropna().unique(), key=lambda a: arm_sort_key(str(a)))
    intervals = sorted(races["switch_interval"].fillna(-1).unique(), reverse=True)
    variants = _ordered(list(races["variant"].unique()), RACE_VARIANT_ORDER)
    threads = sorted(int(t) for t in races["threads"].unique())
    colors = _thread_colors(threads)
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
        plt.Line2D([], [], marker="o", ls="", color=colors[n], label=_threads_label(n))
        for n in threads
    ]
    handles.append(plt.Line2D([], [], color="black", lw=1.5, label="median"))
    handles.append(plt.Line2D([], [], color="grey", alpha=0.45, lw=4, label="interquartile range"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    _title(fig, "Race-loss rate of unprotected increments (each dot is one trial)", context)
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
    colors = _thread_colors(threads)
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
                    xerr=_yerr(cell["overhead_ns"], cell["overhead_lo_ns"], cell["overhead_hi_ns"]),
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
        plt.Rectangle((0, 0), 1, 1, color=colors[n], label=_threads_label(n)) for n in threads
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        frameon=False,
        title="each locked benchmark vs the same work unshared and unlocked, same arm and N",
        title_fontsize=8,
    )
    _title(fig, f"{lock_def.NAME.capitalize()}: added time per operation (95% t interval)", context)
    return save(fig, out_dir, stem)


# --------------------------------------------------------------------------- 3 scaling


VARIANT_STYLES: tuple[tuple[str, str], ...] = (
    ("o", "-"),
    ("s", "--"),
    ("^", "-."),
    ("D", ":"),
    ("v", "-"),
    ("P", "--"),
)
"""(marker, line style) per variant within a scaling panel; colour is the arm."""


IDEAL_STYLES = {"per-thread": "--", "fixed": (0, (1, 1)), "pair": "-."}
IDEAL_LABELS = {
    "per-thread": "ideal min(N, cores): per-thread work",
    "fixed": "ideal 1: fixed work shared by N threads",
    "pair": "ideal min(N/2, cores), vs N = 2: hand-off pairs",
}


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
                    yerr=_yerr(line["speedup"], line["speedup_lo"], line["speedup_hi"]),
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
        _threads_axis(ax, threads)
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
    _title(
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
                xerr=_yerr(rows["ratio"], rows["lo"], rows["hi"]),
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
    _title(fig, "Free-threaded vs default build per benchmark (ratio, 95% t interval)", context)
    return save(fig, out_dir, stem)


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
            xerr=_yerr(values, 100 * rows["overhead_lo"], 100 * rows["overhead_hi"]),
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
    _title(fig, "Single-thread overhead of the free-threaded build (1 thread)", context)
    return save(fig, out_dir, stem)


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
        _threads_axis(ax, threads)
        ax.set_xlim(min(threads) / 1.4, max(threads) * 1.4)
        ax.set_ylim(0, 1.05)
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_title(f"arm {arm}", color=ARM_COLORS.get(str(arm)))
        ax.set_xlabel("threads N")
        if col == 0:
            ax.set_ylabel("Jain's index (1: equal shares)")
    axes[0][-1].legend(fontsize=6.5, loc="lower left", framealpha=0.7)
    _title(
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
                yerr=_yerr(line["ratio"], line["lo"], line["hi"]),
                color=ARM_COLORS.get(str(arm), "black"), marker="o", ms=4, lw=1.1, capsize=2,
                label=f"arm {arm}",
            )  # fmt: skip
        ax.axhline(1.0, color="black", lw=0.8)
        _threads_axis(ax, threads)
        ax.set_title(f"{thing}: created by another thread vs by itself")
        ax.set_xlabel("threads N")
        if col == 0:
            ax.set_ylabel("t(X-other) / t(X-own)")
    axes[0][-1].legend(fontsize=7.5)
    _title(fig, "Ownership cost: using an object another thread created (95% t interval)", context)
    return save(fig, out_dir, stem)


ALL_PLOTS: tuple[tuple[str, str], ...] = (
    ("race-loss", "Race-loss rates"),
    ("lock-cost", "Lock cost over unshared work"),
    ("scaling", "Scaling"),
    ("ft-vs-gil", "ft vs gil per benchmark"),
    ("single-thread-overhead", "Single-thread overhead"),
)
"""(file stem, heading) of the five main plots, in report order. The run-metadata
sections add ``fairness`` and ``ownership`` plots where the files have the data."""

__all__ = [
    "ALL_PLOTS",
    "FORMATS",
    "KNOWN_ARMS",
    "Context",
    "context_for",
    "plot_fairness",
    "plot_lock_overhead",
    "plot_ownership",
    "plot_race_loss",
    "plot_ratios",
    "plot_scaling",
    "plot_single_thread",
    "save",
]


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
