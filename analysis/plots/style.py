"""What every plot shares: colours, styles, titles with their context, and the atomic save."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from concepts.arms import arm_sort_key
from concepts.files import atomic_path
from concepts.race_variants import VARIANTS

FORMATS: tuple[str, ...] = ("png", "svg")


ARM_COLORS = {"gil": "#1f77b4", "ft": "#d62728", "ft-gil": "#ff7f0e"}


RACE_VARIANT_ORDER = tuple(VARIANTS)
"""Race variants in the order concepts.race_variants registers them."""


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


def title_with_context(fig: Figure, title: str, context: Context) -> None:
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


def in_order(values: Sequence[str], order: Sequence[str]) -> list[str]:
    known = [v for v in order if v in values]
    return known + sorted(v for v in values if v not in order)


THREAD_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#c44e52", "#937860", "#da8bc3")


def thread_colors(threads: Sequence[int]) -> dict[int, str]:
    """A distinct colour per thread count (same count, same colour in every plot)."""
    return {t: THREAD_PALETTE[i % len(THREAD_PALETTE)] for i, t in enumerate(sorted(threads))}


def threads_axis(ax: Axes, threads: Sequence[int]) -> None:
    """A log2 x axis with one tick per measured thread count."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(threads))
    ax.set_xticklabels([str(n) for n in threads])
    ax.minorticks_off()


def threads_label(n: int) -> str:
    return f"{n} thread" if n == 1 else f"{n} threads"


def error_bars(points: pd.Series, lo: pd.Series, hi: pd.Series) -> np.ndarray:
    """Asymmetric error bars from CI bounds (zero length where a bound is NaN)."""
    low = (points - lo).clip(lower=0).fillna(0).to_numpy(dtype=float)
    high = (hi - points).clip(lower=0).fillna(0).to_numpy(dtype=float)
    return np.vstack([low, high])


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
