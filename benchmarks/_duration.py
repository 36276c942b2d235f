"""Helpers for fixed-duration workloads (``@workload(..., duration=SECONDS)``).

In a fixed-duration run every timed callable is called as ``work(stop)``, does its
operation in batches of ``ops`` (the workload's ``ops_per_thread``: operations between
two looks at ``stop.now``), and returns how many it did. Each thread also leaves that
count once, after its loop, in a result slot, so that the check can compare it with
what the shared state says.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks._registry import WorkloadError

DURATION = 0.05
"""Seconds of one fixed-duration run (one run per pyperf value)."""
POLL = 100
"""Operations between two looks at the stop flag (the workloads' ``ops_per_thread``)."""


def exact_total(done: list[int], observed: Callable[[], int], what: str) -> Callable[[], None]:
    """A check: some work was done, and ``observed()`` equals the per-thread counts' sum."""

    def check() -> None:
        total = sum(done)
        if total == 0:
            raise WorkloadError("no thread did any operation")
        seen = observed()
        if seen != total:
            raise WorkloadError(f"{what} is {seen}, the threads counted {total} ({done})")

    return check


__all__ = ["DURATION", "POLL", "exact_total"]
