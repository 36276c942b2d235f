"""Helpers for fixed-duration workloads (``@workload(..., duration=SECONDS)``).

In a fixed-duration run every timed callable is called as ``work(stop)``, does its
operation in batches of ``ops`` (the workload's ``ops_per_thread``: operations between
two looks at ``stop.now``), and returns how many it did. Each thread also leaves that
count once, after its loop, in a result slot, so that the check can compare it with
what the shared state says.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from benchmarks._registry import Prepared, Stop, WorkloadError

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


def guarded_increments(
    threads: int, ops: int, guard: AbstractContextManager[Any], what: str
) -> Prepared:
    """Every thread does ``with guard: x[0] += 1`` until stopped, counting its own.

    ``guard`` (a lock or semaphore) and the counter list are shared by all threads,
    created by the preparing thread; the check wants the counter to equal the sum of
    the per-thread counts (``what`` names the counter in the error).
    """
    x = [0]
    done = [0] * threads

    def make(index: int) -> Callable[[Stop], int]:
        def work(stop: Stop) -> int:
            counter, count = x, 0
            while not stop.now:
                for _ in range(ops):
                    with guard:
                        counter[0] += 1
                count += ops
            done[index] = count
            return count

        return work

    return Prepared([make(i) for i in range(threads)], 0, exact_total(done, lambda: x[0], what))


__all__ = ["POLL", "exact_total", "guarded_increments"]
