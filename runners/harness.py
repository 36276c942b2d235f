"""The timed region: threads created first, released together, timed to the last finish.

``time_workload`` is the pyperf time function of every gilbench benchmark. For each of
pyperf's ``loops`` it prepares fresh state (untimed), starts one thread per worker
(untimed; each thread parks on a Barrier), and times the span from the first thread
leaving the Barrier to the last thread finishing. Only that span is summed, so pyperf's
value (sum / (loops * total_ops)) is seconds per operation of the work itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from benchmarks import Workload


def run_timed(workers: Sequence[Callable[[], object]]) -> float:
    """Run each callable in its own thread, released together; return the timed span.

    The span runs from the earliest start (just after the Barrier releases) to the
    latest finish, so thread creation and join are outside it. An exception in a
    worker is re-raised here after every thread has ended.
    """
    count = len(workers)
    if count == 0:
        raise ValueError("a timed run needs at least one worker")
    barrier = threading.Barrier(count)
    starts = [0.0] * count
    ends = [0.0] * count
    errors: list[BaseException] = []
    clock = time.perf_counter

    def run(index: int, work: Callable[[], object]) -> None:
        barrier.wait()
        starts[index] = clock()
        try:
            work()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        ends[index] = clock()

    threads = [
        threading.Thread(target=run, args=(i, work), name=f"gilbench-worker-{i}")
        for i, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return max(ends) - min(starts)


def time_workload(workload: Workload, threads: int, ops_per_thread: int, loops: int) -> float:
    """pyperf time function: total timed seconds of ``loops`` fresh runs of ``workload``."""
    total = 0.0
    for _ in range(loops):
        prepared = workload.prepare(threads, ops_per_thread)
        expected_ops = workload.count_ops(threads, ops_per_thread)
        if prepared.total_ops != expected_ops:
            raise ValueError(
                f"{workload.name}: prepare reports {prepared.total_ops} ops, "
                f"count_ops says {expected_ops}"
            )
        try:
            total += run_timed(prepared.workers)
            if prepared.check is not None:
                prepared.check()
        finally:
            if prepared.cleanup is not None:
                prepared.cleanup()
    return total
