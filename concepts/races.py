"""When a race trial counts: its threads must have run at the same time.

A trial of the race experiment (runners.races) can only lose updates while two or more
threads are incrementing at once. On a busy 2-core machine the free-threaded build's
threads sometimes run one after another: such a trial loses nothing, and says nothing
about safety. So each trial records its **overlap**, the share of its span (first start
to last finish) during which at least two threads were incrementing, and a trial whose
overlap is below :data:`MIN_OVERLAP` counts as neither loss nor safety: the analysis
sets it aside and says how many it set aside. The schemas of the race and latency
files are defined here too, once for their writer and their reader. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence

RACES_SCHEMA = "gilbench.races/1"
"""The ``schema`` of a race-loss file (``races-<arm>.json``), written by runners.races and
read by analysis.load."""

LATENCY_SCHEMA = 1
"""The ``schema`` of a hand-off latency file (``latency-<arm>.json``), written by
runners.latency and read by analysis.load."""

MIN_OVERLAP = 0.5
"""Least overlap for a trial to count (its threads ran together for half its span)."""


def overlap(starts: Sequence[float], ends: Sequence[float]) -> float | None:
    """Share of the span from the first start to the last end during which at least two
    of the intervals [start, end] were open; None for fewer than two intervals."""
    if len(starts) < 2:
        return None
    span = max(ends) - min(starts)
    if span <= 0:
        return 0.0
    events = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends])
    running, together, since = 0, 0.0, 0.0
    for moment, step in events:
        if running >= 2:
            together += moment - since
        running += step
        since = moment
    return min(1.0, together / span)


def counts(value: object) -> bool:
    """Whether a trial with this recorded ``overlap`` counts (no record: an older file, or
    one thread, where there is nothing to overlap: it counts)."""
    if value is None or value != value:  # None or NaN
        return True
    return float(value) >= MIN_OVERLAP  # type: ignore[arg-type]
