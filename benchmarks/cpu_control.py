"""cpu-control: pure-Python arithmetic with no shared state, the reference for scaling.

Every thread sums the squares of 0..ops-1 in local variables and stores its one result
at the end: no lock, no shared object written in the loop, no allocation another thread
touches. Nothing but the interpreter itself stands between this and ideal scaling, so
it is the harness's own fidelity figure: on a free-threaded build the speedup at 2
threads on 2 free cores should be close to 2, with the GIL close to 1. Every other
family's scaling reads against this one.

Who creates what: nothing is shared. Each thread builds its worker in its setup step
(before the Barrier, untimed), so even the function it runs was created by that thread;
it writes its one result into a slot of the preparing thread's list, after its loop.

One operation is one loop iteration (``total += i * i``); ``threads`` is the number of
summing threads. Each thread's sum is checked against the closed form.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

OPS = 250_000


@workload("cpu-control", "sum-squares", ops_per_thread=OPS, unit="iterations")
def sum_squares(threads: int, ops: int) -> Prepared:
    """Each thread sums i * i over range(ops) in locals; no shared state."""
    results: list[int | None] = [None] * threads
    want = (ops - 1) * ops * (2 * ops - 1) // 6

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], None]:
            def work() -> None:
                total = 0
                for i in range(ops):
                    total += i * i
                results[index] = total

            return work

        return ThreadSetup(make)

    def check() -> None:
        wrong = [r for r in results if r != want]
        if wrong:
            raise WorkloadError(f"{len(wrong)} of {threads} threads summed wrong: {wrong[:3]}")

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)
