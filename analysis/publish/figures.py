"""The figures the pages show, each regenerated from committed data (``publish_figures``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from analysis import plots
from analysis.plots.precision import plot_precision
from analysis.publish.sources import (
    CORE16_CONTEXT,
    DOCS,
    PRECISION,
    SETS,
    Sources,
    read_csv,
)
from concepts.families import traits

FIGURES = ("scaling.png", "precision-2core.png", "scaling-16core.png", "sets-2core.png")
"""Every figure in docs/: each one a product of ``publish_figures``."""


def publish_figures(src: Sources, docs: Path = DOCS) -> list[Path]:
    """Regenerate every figure into ``docs`` (and the default run's ratios table into
    its data folder); return the files written."""
    written = []
    src.default_run  # noqa: B018  (writes the report, its scaling.png among them)
    ratios = docs / PRECISION.relative_to(DOCS) / "default-run-ratios.csv"
    ratios.parent.mkdir(parents=True, exist_ok=True)
    for source, target in (("scaling.png", docs / "scaling.png"), ("ratios.csv", ratios)):
        shutil.copyfile(src.report_dir / source, target)
        written.append(target)
    records = [
        {str(k): v for k, v in row.items()}
        for row in src.designs.astype(object).fillna("").to_dict("records")
    ]
    plot_precision(records, docs / "precision-2core.png")
    written.append(docs / "precision-2core.png")
    written += _save_as(plots.plot_scaling(core16_summary(src), CORE16_CONTEXT, src.report_dir,
                                           "scaling-16core"), docs)  # fmt: skip
    sets = read_csv(SETS)
    order = list(dict.fromkeys(sets["interpreter_set"]))
    written += _save_as(plots.plot_sets(sets, order, src.report_dir, "sets-2core"), docs)
    return written


def _save_as(files: list[Path], folder: Path) -> list[Path]:
    """Copy the PNG of a plot's files into ``folder`` (the docs keep PNGs only)."""
    out = []
    for path in files:
        if path.suffix == ".png":
            shutil.copyfile(path, folder / path.name)
            out.append(folder / path.name)
    return out


def core16_summary(src: Sources) -> pd.DataFrame:
    """The 16-core CSV with what plot_scaling needs of each workload (concepts.families)."""
    rows = src.core16.copy()
    found = [traits(f"{f}-{v}") for f, v in zip(rows["family"], rows["variant"], strict=True)]
    rows["role"] = [t.role for t in found]
    rows["ideal_rule"] = [t.ideal for t in found]
    rows["mode"] = [t.mode for t in found]
    rows["helper_threads"] = [t.helper_threads for t in found]
    return rows
