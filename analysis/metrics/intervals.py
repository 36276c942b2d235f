"""Intervals and their labels: what a "95% CI" rests on, ratio and difference intervals
(concepts.stats underneath), geometric means."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from concepts import stats

CONFIDENCE = stats.CONFIDENCE


MIN_CI_PROCESSES = stats.MIN_CI_PROCESSES


# --------------------------------------------------------------------------- intervals


def basis_label(counts: Sequence[int], confidence: float = CONFIDENCE) -> str:
    """What an interval over sides with these process counts may be called
    (:func:`concepts.stats.interval_basis`)."""
    return stats.interval_basis(counts, confidence)


def _clean(values: Iterable[float]) -> list[float]:
    array = [float(v) for v in values]
    if not array:
        raise ValueError("empty sample")
    if not all(math.isfinite(v) for v in array):
        raise ValueError("sample contains NaN or infinity")
    return array


def location_ci(values: Iterable[float]) -> tuple[float, float, float]:
    """(location, lo, hi) of process statistics (concepts.stats.location_interval)."""
    return stats.location_interval(_clean(values))


def ratio_ci(a_values: Iterable[float], b_values: Iterable[float]) -> tuple[float, float, float]:
    """(location(a) / location(b), lo, hi): concepts.stats.ratio_interval over processes."""
    return stats.ratio_interval(_clean(a_values), _clean(b_values))


def diff_ci(a_values: Iterable[float], b_values: Iterable[float]) -> tuple[float, float, float]:
    """(location(a) - location(b), lo, hi): concepts.stats.difference_interval."""
    return stats.difference_interval(_clean(a_values), _clean(b_values))


def geomean_ratio_ci(groups: Sequence[Any]) -> tuple[float, float, float]:
    """Geometric mean of location(a)/location(b) ratios, with its t interval.

    ``groups``: a list of (a, b) pairs (one geometric mean over them), or a list of such
    lists (a geometric mean over the groups of each group's geometric mean: one weight
    per group, e.g. per family). Every cell is an independent term of one contrast
    (concepts.stats.geomean_interval).
    """
    nested: list[list[tuple[list[float], list[float]]]]
    if groups and isinstance(groups[0], tuple):
        nested = [[(_clean(a), _clean(b)) for a, b in groups]]
    else:
        nested = [[(_clean(a), _clean(b)) for a, b in g] for g in groups]
    nested = [g for g in nested if g]
    if not nested:
        raise ValueError("no pairs")
    pairs = [pair for g in nested for pair in g]
    weights = [1.0 / (len(nested) * len(g)) for g in nested for _ in g]
    return stats.geomean_interval(pairs, weights)


def geomean(values: Iterable[float]) -> float:
    """Geometric mean of positive values (NaN for none)."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(array))))
