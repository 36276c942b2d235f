"""The timed region: threads created first, released together, timed to the last finish.

``time_workload`` is the pyperf time function of every gilbench benchmark. For each of
pyperf's ``loops`` it prepares fresh state (untimed), starts one thread per worker
(untimed; each thread first runs its own setup step, when it has one, so that state a
thread uses alone is created by that thread, then parks on a Barrier), and times the
span from the first thread leaving the Barrier to the last thread finishing. Only that
span is summed, so pyperf's value (sum / (loops * total_ops)) is seconds per operation
of the work itself.

A fixed-duration workload (``Workload.duration``) runs its threads until a Stop flag is
set ``duration`` seconds after the release; each thread returns its own operation
count, and the value is the span over the operations done (``inner_loops`` = 1, one
run per value: see ``runners.bench.master.fixed_loops``).

Every timed run also leaves a ``RunRecord`` in ``RECORDS`` (what the run really got:
process CPU time over the span, the threads alive, each thread's start, finish and
operations); the gilbench pyperf hook (runners.pyperf_hook) turns them into run
metadata.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import Stop, ThreadSetup, Worker, Workload
from concepts.fairness import finish_spread, jain_index


@dataclass(frozen=True)
class RunRecord:
    """What one timed run really got."""

    span: float
    """Seconds from the first thread's start to the last thread's finish."""
    cpu: float
    """Process CPU seconds (all threads) from the release to the last finish."""
    threads_alive: int
    """Threads of the process at the release, the idle main thread not counted: the
    workers plus any helper threads (executor pools...)."""
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    ops: tuple[int, ...] | None
    """Operations per thread (fixed-duration runs); None when every thread had the
    same fixed work."""


RECORDS: list[RunRecord] = []
"""The runs timed in this process since the hook last cleared it (runners.pyperf_hook)."""


def run_timed(workers: Sequence[Worker], duration: float | None = None) -> float:
    """Run each worker in its own thread, released together; return the timed span.

    A ThreadSetup's ``make`` runs in its thread before the Barrier. The span runs from
    the earliest start (just after the Barrier releases) to the latest finish, so thread
    creation, setup and join are outside it. With ``duration``, each timed callable gets
    a Stop flag that is set ``duration`` seconds after the release, and returns its
    operation count (in the run's record: ``RECORDS[-1].ops``). An exception in a worker
    (or its setup) is re-raised here after every thread has ended.
    """
    count = len(workers)
    if count == 0:
        raise ValueError("a timed run needs at least one worker")
    starts = [0.0] * count
    ends = [0.0] * count
    ops = [0] * count
    errors: list[BaseException] = []
    stop = Stop()
    released = threading.Event()
    clock = time.perf_counter
    cpu_clock = time.process_time
    marks: dict[str, float] = {}
    finish_lock = threading.Lock()
    running = [count]

    def on_release() -> None:
        # Runs in the last thread to arrive, before any thread is released.
        marks["threads"] = threading.active_count() - 1
        marks["cpu_start"] = cpu_clock()
        released.set()

    barrier = threading.Barrier(count, action=on_release)

    def run(index: int, item: Worker) -> None:
        try:
            work = item.make() if isinstance(item, ThreadSetup) else item
        except BaseException as exc:  # a setup that fails must not strand the others
            errors.append(exc)
            barrier.abort()
            return
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        starts[index] = clock()
        try:
            if duration is None:
                work()
            else:
                done = work(stop)
                if not isinstance(done, int):
                    raise TypeError(f"a fixed-duration worker returned {done!r}, not its op count")
                ops[index] = done
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        ends[index] = clock()
        with finish_lock:
            running[0] -= 1
            if running[0] == 0:
                marks["cpu_end"] = cpu_clock()

    threads = [
        threading.Thread(target=run, args=(i, item), name=f"gilbench-worker-{i}")
        for i, item in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    if duration is not None:
        # Wait for the release (or a broken barrier), then let the threads run.
        while not released.wait(0.05):
            if barrier.broken or not any(t.is_alive() for t in threads):
                break
        if released.is_set():
            time.sleep(duration)
        stop.now = True
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    span = max(ends) - min(starts)
    RECORDS.append(
        RunRecord(
            span=span,
            cpu=marks["cpu_end"] - marks["cpu_start"],
            threads_alive=int(marks["threads"]),
            starts=tuple(starts),
            ends=tuple(ends),
            ops=None if duration is None else tuple(ops),
        )
    )
    return span


def time_workload(workload: Workload, threads: int, ops_per_thread: int, loops: int) -> float:
    """pyperf time function: total timed seconds of ``loops`` fresh runs of ``workload``.

    For a fixed-duration workload (pyperf's inner_loops = 1) each run contributes its
    span divided by the operations it did, so the value is again seconds per operation.
    """
    total = 0.0
    for _ in range(loops):
        prepared = workload.prepare(threads, ops_per_thread)
        if workload.duration is None:
            expected_ops = workload.count_ops(threads, ops_per_thread)
            if prepared.total_ops != expected_ops:
                raise ValueError(
                    f"{workload.name}: prepare reports {prepared.total_ops} ops, "
                    f"count_ops says {expected_ops}"
                )
        try:
            span = run_timed(prepared.workers, workload.duration)
            done = RECORDS[-1].ops
            if done is None:
                total += span
            else:
                if sum(done) <= 0:
                    raise ValueError(f"{workload.name}: no operation done in {span:.3g} s")
                total += span / sum(done)
            if prepared.check is not None:
                prepared.check()
        finally:
            if prepared.cleanup is not None:
                prepared.cleanup()
    return total


def summarize_records(records: Sequence[RunRecord]) -> dict[str, float | int]:
    """Run metadata from a process's timed runs: parallelism, threads, finish spread, fairness.

    ``cpu_per_wall`` is total CPU over total span (achieved parallelism);
    ``threads_total`` the most threads seen at a release; with 2+ threads,
    ``thread_finish_spread`` is the median over runs of (last finish - first finish) /
    span and ``fairness_jain`` the median over runs of Jain's index of per-thread
    throughput (operations / own busy time; with fixed work per thread, 1 / busy time).
    """
    if not records:
        return {}
    spans = sum(r.span for r in records)
    result: dict[str, float | int] = {
        "cpu_per_wall": round(sum(r.cpu for r in records) / spans, 4) if spans > 0 else 0.0,
        "threads_total": max(r.threads_alive for r in records),
        "timed_runs": len(records),
    }
    if len(records[0].starts) >= 2:
        spreads, fairness = [], []
        for r in records:
            if r.span > 0:
                spreads.append(finish_spread(r.ends, min(r.starts)))
            busy = [end - start for start, end in zip(r.starts, r.ends, strict=True)]
            if all(b > 0 for b in busy):
                work = r.ops or (1,) * len(busy)
                fairness.append(jain_index([w / b for w, b in zip(work, busy, strict=True)]))
        if spreads:
            result["thread_finish_spread"] = round(statistics.median(spreads), 4)
        if fairness:
            result["fairness_jain"] = round(statistics.median(fairness), 4)
    return result


__all__ = [
    "RECORDS",
    "RunRecord",
    "jain_index",
    "run_timed",
    "summarize_records",
    "time_workload",
]
