"""Race-loss rates over the trials whose threads ran together (concepts.races)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.metrics.cells import _sorted
from concepts import stats
from concepts.race_variants import VARIANTS
from concepts.races import counts as race_counts


def race_loss(races: pd.DataFrame) -> pd.DataFrame:
    """Loss-rate distribution per (group, arm, variant, threads, switch_interval).

    Only trials whose threads overlapped count (concepts.races: a trial whose threads
    ran one after another is neither loss nor safety); ``set_aside`` says how many were
    left out. Columns: group, arm, variant, threads, switch_interval, trials, set_aside,
    trials_with_loss, median, q1, q3, iqr, max, mean, gil_valid. Rates are fractions
    (lost / expected); NaN where no trial counted.
    """
    columns = [
        "group",
        "arm",
        "variant",
        "threads",
        "switch_interval",
        "trials",
        "set_aside",
        "trials_with_loss",
        "median",
        "q1",
        "q3",
        "iqr",
        "max",
        "mean",
        "gil_valid",
    ]
    if races.empty:
        return pd.DataFrame(columns=columns)
    keys = ["group", "arm", "variant", "threads", "switch_interval"]
    records = []
    frame = races.copy()
    frame["switch_interval"] = frame["switch_interval"].fillna(-1.0)
    for key, whole in frame.groupby(keys, sort=True):
        overlapped = [race_counts(v) for v in whole["overlap"]] if "overlap" in whole else None
        cell = whole if overlapped is None else whole[overlapped]
        rates = np.asarray(cell["loss_rate"], dtype=float)
        ordered = sorted(float(r) for r in rates)
        q1, median, q3 = (stats.quantile(ordered, q) for q in (0.25, 0.5, 0.75))
        records.append(
            {
                **dict(zip(keys, key, strict=True)),
                "trials": len(rates),
                "set_aside": len(whole) - len(cell),
                "trials_with_loss": int((cell["lost"] > 0).sum()),
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
                "iqr": float(q3 - q1),
                "max": float(rates.max()) if len(rates) else math.nan,
                "mean": float(rates.mean()) if len(rates) else math.nan,
                "gil_valid": bool(whole["gil_valid"].fillna(True).all()),
            }
        )
    out = pd.DataFrame(records, columns=columns)
    out["switch_interval"] = out["switch_interval"].where(out["switch_interval"] >= 0)
    return _sorted(out, ["group", "variant", "arm", "threads", "switch_interval"])


SAFE_RACE_VARIANTS: tuple[str, ...] = tuple(n for n, v in VARIANTS.items() if v.safe)
"""Race variants that must lose nothing, for races files that do not list their own
(newer files record ``safe_variants``)."""


def safe_variants(races: pd.DataFrame) -> tuple[str, ...]:
    """The race variants that must lose nothing: as the races files record them
    (``safe_variants``), else :data:`SAFE_RACE_VARIANTS` (older files)."""
    if not races.empty and "safe_variants" in races:
        recorded = {
            name.strip()
            for value in races["safe_variants"].dropna()
            for name in str(value).split(",")
            if name.strip()
        }
        if recorded:
            return tuple(sorted(recorded))
    return SAFE_RACE_VARIANTS
