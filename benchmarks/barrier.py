"""barrier: phases per second for N threads meeting at one ``threading.Barrier(N)``.

The barrier of the seed chapter (concepts/__init__.py) pauses every thread until all
have reached it, then lets them all go: one *phase*. Its cost is a wake-up of every
other thread per phase, so it is dominated by how quickly the slowest thread gets
scheduled, and a GIL adds a hand-off per waiting thread. ``shared`` is that: all
``threads`` threads wait ``ops`` times at one ``Barrier(threads)``; an operation is one
phase (so the run has ``ops`` operations, whatever the thread count). At 1 thread
``Barrier(1)`` never waits but is still timed: it is the primitive's own cost.
``per-thread`` is the no-sharing control: each thread passes its own ``Barrier(1)``
``ops`` times (``threads * ops`` phases in all), which shows what the barrier costs when
nobody has to be woken.

Who creates what: the ``shared`` Barrier is shared by all threads and created by the
preparing (main) thread. In ``per-thread`` each thread creates its own ``Barrier(1)`` in
its setup step (before the Barrier that starts the run, untimed), so it owns it (on a
free-threaded build an object is cheap to reference-count only for its creating thread).
Each thread writes its tally once, after its loop, into a slot created by the preparing
thread.

The check: ``Barrier.wait`` returns a distinct index in ``range(parties)`` to each
thread of a phase, so index 0 must have been seen exactly ``ops`` times per barrier and
every thread must have passed ``ops`` phases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

OPS = 10_000
HANDOFF_OPS = 1_000
"""Phases of ``shared``: fewer, because each one wakes every other thread. A phase costs
about 1 µs alone but 30-150 µs at 2 threads and more oversubscribed (2 cores), and the
count is the same at every thread count, so sizing it like ``per-thread`` would make
one 4-thread run take seconds."""


def _waiter(barrier: threading.Barrier, ops: int, tally: list[int]) -> Callable[[], None]:
    """Pass ``barrier`` ops times; tally[0] counts phases passed, tally[1] phases led."""

    def work() -> None:
        passed = led = 0
        try:
            for _ in range(ops):
                if barrier.wait() == 0:
                    led += 1
                passed += 1
        finally:
            tally[0], tally[1] = passed, led
            if passed != ops:
                barrier.abort()  # wake the others instead of leaving them parked forever

    return work


def _check(tallies: list[list[int]], ops: int, barriers: int) -> Callable[[], None]:
    def check() -> None:
        passed = [tally[0] for tally in tallies]
        led = sum(tally[1] for tally in tallies)
        if passed != [ops] * len(tallies):
            raise WorkloadError(f"threads passed {passed} phases, want {ops} each")
        if led != ops * barriers:
            raise WorkloadError(f"{led} phases led (index 0), want {ops * barriers}")

    return check


@workload(
    "barrier", "shared", ops_per_thread=HANDOFF_OPS, unit="phases", count_ops=lambda t, ops: ops
)
def shared(threads: int, ops: int) -> Prepared:
    """All threads meet ops times at one Barrier(threads); an operation is one phase."""
    barrier = threading.Barrier(threads)
    tallies = [[0, 0] for _ in range(threads)]
    workers = [_waiter(barrier, ops, tally) for tally in tallies]
    return Prepared(workers, ops, _check(tallies, ops, barriers=1))


@workload("barrier", "per-thread", ops_per_thread=OPS, unit="phases")
def per_thread(threads: int, ops: int) -> Prepared:
    """Each thread passes its own Barrier(1) ops times: the barrier's cost with nobody to wake."""
    tallies = [[0, 0] for _ in range(threads)]

    def setup(tally: list[int]) -> ThreadSetup:
        # In the worker thread: its own Barrier(1).
        return ThreadSetup(lambda: _waiter(threading.Barrier(1), ops, tally))

    workers = [setup(tally) for tally in tallies]
    return Prepared(workers, threads * ops, _check(tallies, ops, barriers=threads))
