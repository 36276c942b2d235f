"""increment: the unprotected ``x[0] += 1`` on a shared list, and its control.

The first lesson of the seed chapter (concepts/__init__.py): ``x[0] += 1`` from several
threads is a read-modify-write, so updates can be lost. Here it is timed (the race-loss
counts live in runners.races); the ``per-thread`` variant runs the very same loop on a
list that only its own thread ever sees, the no-sharing control: the difference between
the two is what sharing one list slot costs (on a free-threaded build: contended
reference counts and cache lines).

Who creates what: in ``shared-list`` the one list is shared by all threads and created
by the preparing (main) thread. In ``per-thread`` each thread creates its own list in
its setup step (before the Barrier, untimed), so that on a free-threaded build the list
is owned by the thread that uses it (biased reference counting: see the ``ownership``
family, which measures the difference); the thread writes its count once, after its
loop, into a result slot.

One operation is one ``+= 1``; ``threads`` is the number of incrementing threads.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

OPS = 250_000


@workload("increment", "shared-list", ops_per_thread=OPS, unit="increments")
def shared_list(threads: int, ops: int) -> Prepared:
    """Unprotected x[0] += 1 on one shared list from every thread (the tutorial's example)."""
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

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], None]:
            # Runs in the worker thread: the list (and its item array) is created, and
            # so owned, by the thread that increments it.
            own = [0]

            def work() -> None:
                counter = own
                for _ in range(ops):
                    counter[0] += 1
                totals[index] = counter[0]

            return work

        return ThreadSetup(make)

    def check() -> None:
        total = sum(totals)
        if total != threads * ops:
            raise WorkloadError(f"per-thread counters sum to {total}, want {threads * ops}")

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)
