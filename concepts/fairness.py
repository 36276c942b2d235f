"""Fairness of a multi-threaded run: Jain's index and the finish spread. Standard library only.

One definition for the measurement worker that records them (``fairness_jain``,
``thread_finish_spread`` in each run's metadata) and the analysis that reports them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FIXED_DURATION = 0.25
"""Seconds of one fixed-duration run (the ``-duration`` workloads; one run per value):
50 of CPython's default switch intervals, so that a GIL arm's threads take turns often
enough for its fairness index to mean something (at 0.05 s, ten turns decided it)."""

DEFAULT_SWITCH_INTERVAL = 0.005
"""CPython's default ``sys.getswitchinterval()`` (seconds): a fixed-duration run lasts
``FIXED_DURATION / DEFAULT_SWITCH_INTERVAL`` of them on a GIL arm."""

MIN_SWITCH_INTERVALS = 20
"""Fewest switch intervals a GIL arm's fixed-duration run must last for the report to
read its fairness index as the primitive's: below it, the index mostly shows how a
handful of turns were dealt."""


def jain_index(throughputs: Sequence[float]) -> float:
    """Jain's fairness index of per-thread throughputs: (sum x)^2 / (n * sum x^2).

    1 when every thread got the same share, 1/n when one thread got everything; NaN for
    no threads or no work at all.
    """
    xs = [float(x) for x in throughputs]
    if not xs or not any(xs):
        return math.nan
    return sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))


def finish_spread(finish_times: Sequence[float], start: float) -> float:
    """(last finish - first finish) / (last finish - start): 0 when all threads finished
    together, near 1 when one thread finished long after the others."""
    if not finish_times:
        return math.nan
    span = max(finish_times) - start
    if span <= 0:
        return math.nan
    return (max(finish_times) - min(finish_times)) / span
