"""increment: the seed's unprotected ``x[0] += 1`` on a shared list, and its control.

The seed's first lesson: ``x[0] += 1`` from several threads is a read-modify-write, so
updates can be lost. Here it is timed (the race-loss counts live in runners.races); the
``per-thread`` variant keeps one counter per thread and sums at the end, the no-sharing
control that shows what contention on one list slot costs a free-threaded build.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks._registry import Prepared, WorkloadError, workload

OPS = 200_000


@workload("increment", "shared-list", ops_per_thread=OPS, unit="increments")
def shared_list(threads: int, ops: int) -> Prepared:
    """Unprotected x[0] += 1 on one shared list from every thread (the seed's example)."""
    x = [0]

    def work() -> None:
        for _ in range(ops):
            x[0] += 1

    def check() -> None:
        # Lost updates are expected here; more than expected would be a harness bug.
        if not 0 < x[0] <= threads * ops:
            raise WorkloadError(f"counter {x[0]} outside (0, {threads * ops}]")

    return Prepared([work] * threads, threads * ops, check)


@workload("increment", "per-thread", ops_per_thread=OPS, unit="increments")
def per_thread(threads: int, ops: int) -> Prepared:
    """Each thread increments its own list slot; slots are summed after the run (no sharing)."""
    slots = [[0] for _ in range(threads)]

    def make(slot: list[int]) -> Callable[[], None]:
        def work() -> None:
            for _ in range(ops):
                slot[0] += 1

        return work

    def check() -> None:
        total = sum(slot[0] for slot in slots)
        if total != threads * ops:
            raise WorkloadError(f"per-thread counters sum to {total}, want {threads * ops}")

    return Prepared([make(slot) for slot in slots], threads * ops, check)
