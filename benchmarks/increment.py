"""increment: the seed's unprotected ``x[0] += 1`` on a shared list, and its control.

The seed's first lesson: ``x[0] += 1`` from several threads is a read-modify-write, so
updates can be lost. Here it is timed (the race-loss counts live in runners.races); the
``per-thread`` variant runs the very same loop on a list that only its own thread ever
sees, the no-sharing control: the difference between the two is what sharing one list
slot costs (on a free-threaded build: contended reference counts and cache lines).

One operation is one ``+= 1``; ``threads`` is the number of incrementing threads.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks._registry import Prepared, WorkloadError, workload

OPS = 250_000


@workload("increment", "shared-list", ops_per_thread=OPS, unit="increments")
def shared_list(threads: int, ops: int) -> Prepared:
    """Unprotected x[0] += 1 on one shared list from every thread (the seed's example)."""
    x = [0]

    def work() -> None:
        counter = x  # a local, as in per-thread: the two loops differ only in sharing
        for _ in range(ops):
            counter[0] += 1

    def check() -> None:
        # Lost updates are expected with several threads; more than expected, or any
        # loss from a single thread, would be a harness bug.
        low = threads * ops if threads == 1 else 1
        if not low <= x[0] <= threads * ops:
            raise WorkloadError(f"counter {x[0]} outside [{low}, {threads * ops}]")

    return Prepared([work] * threads, threads * ops, check)


@workload("increment", "per-thread", ops_per_thread=OPS, unit="increments")
def per_thread(threads: int, ops: int) -> Prepared:
    """Each thread increments a list of its own; the counts are summed after the run."""
    totals = [0] * threads

    def make(index: int) -> Callable[[], None]:
        def work() -> None:
            # Allocated by the thread itself: no list (nor its item array) shares a
            # cache line or a reference count with another thread's.
            counter = [0]
            for _ in range(ops):
                counter[0] += 1
            totals[index] = counter[0]

        return work

    def check() -> None:
        total = sum(totals)
        if total != threads * ops:
            raise WorkloadError(f"per-thread counters sum to {total}, want {threads * ops}")

    return Prepared([make(i) for i in range(threads)], threads * ops, check)
