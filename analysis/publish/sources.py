"""The committed data the published pages quote and draw, read once each; the numbers'
formats (percent, half-up integers, ns)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis import plots
from analysis.load import load_results
from analysis.report import build_report

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DATA = DOCS / "data"
PRECISION = DATA / "precision-2core"
DEFAULT_RUN = PRECISION / "default-run"
CORE16 = DATA / "scaling-16core-benchmarks.csv"
CORE16_RACES = DATA / "scaling-16core-race-loss.csv"
SETS = DATA / "sets-2core" / "interpreter-sets.csv"
TRIALS = ROOT / "results" / "baselines" / "trials"
"""The gate's committed calibration trials; the newest one is the gate as it is."""
SHARED_OBJECT = DATA / "shared-object-2core"
"""A sweep of the shared-object family on both arms (its bench-*.json files)."""

CORE16_CONTEXT = plots.Context(
    versions="CPython 3.13.5 (gil) vs 3.13.5t (ft), arms run one after the other",
    machine="16-CPU Xeon under gVisor, 4 processes per cell",
    cores=16,
    date="2026-11-24 to 2026-11-25",
)

CORE16_ROWS = (
    ("cpu-control", "sum-squares"),
    ("increment", "per-thread"),
    ("semaphore", "unlocked"),
    ("event-loop", "generator-loop"),
    ("barrier", "per-thread"),
    ("rlock", "lock-per-thread"),
    ("rlock", "rlock-nested-per-thread"),
    ("increment", "shared-list"),
    ("locked-increment", "lock-fine"),
    ("locked-increment", "rlock-fine"),
    ("semaphore", "k1"),
    ("queue-pipeline", "queue"),
    ("thread-local", "local-attr"),
    ("thread-local", "contextvar"),
    ("thread-local", "shared-attr"),
    ("executor", "thread-pool"),
)
"""The rows of docs/scaling-16core.md's speedup table, in its order."""

CORE16_SHARE_NOTHING = CORE16_ROWS[1:7]
"""The per-thread rows besides the CPU-bound control: the 16-core page's "share nothing"."""


class PublishError(Exception):
    """Input the publisher cannot use: one line for the user."""


def pct(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage, e.g. 0.614 -> "61%"."""
    return f"{100 * fraction:.{digits}f}%"


def half_up(value: float) -> str:
    """An integer rounded half up (114.5 -> "115"), as a reader rounds."""
    return str(math.floor(value + 0.5))


def ns(seconds: float) -> str:
    """Time per op in ns: whole ns from 10 ns up, two significant digits below; from
    100 µs up in µs or ms with three significant digits."""
    value = seconds * 1e9
    if value >= 1e6:
        return f"{value / 1e6:.3g} ms"
    if value >= 1e5:
        return f"{value / 1e3:.3g} µs"
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


@dataclass
class Sources:
    """The committed data, each file read once when first needed."""

    report_dir: Path
    """Where the default run's report is written (its scaling.png and CSVs)."""
    make_plots: bool = True

    @cached_property
    def default_run(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The default run's tables of ratios and of benchmark cells, from its report."""
        results = load_results([DEFAULT_RUN])
        if not results.files:
            raise PublishError(f"no result files in {DEFAULT_RUN}")
        # the one figure of this report that the docs show (the others: tox -e analysis)
        build_report(results, self.report_dir, make_plots=self.make_plots, only_plots={"scaling"})
        return (
            pd.read_csv(self.report_dir / "ratios.csv"),
            pd.read_csv(self.report_dir / "benchmarks.csv"),
        )

    @cached_property
    def designs(self) -> pd.DataFrame:
        return read_csv(PRECISION / "designs.csv", dtype={"budget": str})

    @cached_property
    def projection(self) -> pd.DataFrame:
        return read_csv(PRECISION / "projection.csv").set_index("target")

    @cached_property
    def core16(self) -> pd.DataFrame:
        return read_csv(CORE16)

    @cached_property
    def core16_races(self) -> pd.DataFrame:
        return read_csv(CORE16_RACES)

    @cached_property
    def shared_object(self) -> tuple[str, pd.DataFrame]:
        """The shared-object sweep's report (its README text) and its patterns table."""
        results = load_results([SHARED_OBJECT])
        if not results.files:
            raise PublishError(f"no result files in {SHARED_OBJECT}")
        out = self.report_dir / "shared-object"
        build_report(results, out, make_plots=False)
        return (out / "README.md").read_text(encoding="utf-8"), read_csv(out / "patterns.csv")

    def json(self, name: str) -> dict[str, object]:
        path = PRECISION / name
        try:
            found: dict[str, object] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise PublishError(f"cannot read {path}: {exc}") from None
        return found


def read_csv(path: Path, **options: object) -> pd.DataFrame:
    """A committed CSV; PublishError (one line) when it cannot be read."""
    try:
        return pd.read_csv(path, **options)  # type: ignore[call-overload]
    except (OSError, ValueError) as exc:
        raise PublishError(f"cannot read {path}: {exc}") from None
