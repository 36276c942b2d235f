"""cpu-control/empty: what the timed region costs when the workers do nothing.

Every gilbench value is a timed span (first thread leaving the Barrier to the last one
finishing) divided by the operations in it. With empty workers the whole span is the
harness: the Barrier release reaching every thread, plus reading the clock. One
"operation" here is one timed run, so the value is the harness cost per run; dividing it
by another benchmark's run time (its value x its operations per run) gives the share of
that value the harness costs.
"""

from __future__ import annotations

from benchmarks._registry import Prepared, workload


def _runs(threads: int, ops: int) -> int:
    # One operation = one timed run, whatever the thread count.
    return ops


@workload("cpu-control", "empty", ops_per_thread=1, unit="runs", count_ops=_runs)
def empty(threads: int, ops: int) -> Prepared:
    """Empty workers: the harness's own cost per timed run (Barrier release, clock reads)."""

    def work() -> None:
        pass

    return Prepared([work] * threads, ops)
