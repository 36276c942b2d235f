"""executor: one CPU-bound pure-Python job through thread, process and interpreter pools.

``concurrent.futures`` offers three pools behind one interface, and which one makes
CPU-bound Python code scale is exactly what the free-threaded build changes: threads
share one GIL on the default build (no speedup), processes do not (speedup, paid for
in start-up and pickling), and on a free-threaded build plain threads should scale
too. ``InterpreterPoolExecutor`` (3.14+, one interpreter with its own GIL per worker) is
the third way; where the running Python lacks it the workload is skipped, and the
runner records the skip.

The job is a Monte Carlo estimate of pi: ``SAMPLES`` points from ``random.Random(seed)``,
counting those inside the unit circle. It is deterministic per seed, so every result is
checked exactly against the same job computed in this process (outside the timed region).

``threads`` is the pool's ``max_workers`` (always passed explicitly). The pool is
created and all its workers started in ``prepare`` (untimed) and shut down in
``cleanup``; the timed region is one submitting thread that submits ``threads * ops``
jobs (``ops`` per worker) and waits for their results. An operation is one job.

Who creates what: the pool is shared by the submitter and the pool's workers on purpose,
created by the preparing (main) thread (its worker threads or processes are started
there too); the submitting thread creates the futures; each job creates its own
``random.Random`` where it runs, so the job's loop uses only its own objects.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor

from benchmarks._registry import Prepared, WorkloadError, workload

OPS = 16
"""Jobs per worker in one timed run."""
SAMPLES = 6_000
"""Points per job: about a millisecond of pure-Python work."""


def pi_hits(seed: int, samples: int) -> int:
    """The job: how many of ``samples`` seeded random points fall inside the unit circle.

    Module-level so that worker processes and interpreters can import it by name.
    """
    rand = random.Random(seed).random
    hits = 0
    for _ in range(samples):
        x, y = rand(), rand()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def _worker_id(delay: float) -> tuple[int, int]:
    """Warm-up job: hold a worker for ``delay`` seconds and say which worker it was."""
    time.sleep(delay)
    return os.getpid(), threading.get_ident()


_EXPECTED: dict[tuple[int, int], int] = {}


def _expected(seeds: int, samples: int) -> list[int]:
    """The jobs' correct results, computed here once per process and cached."""
    for seed in range(seeds):
        if (seed, samples) not in _EXPECTED:
            _EXPECTED[seed, samples] = pi_hits(seed, samples)
    return [_EXPECTED[seed, samples] for seed in range(seeds)]


def _start_all_workers(pool: Executor, workers: int) -> None:
    """Make the pool start every worker now, not inside the timed region.

    Pools start workers lazily, one per submitted job while none is idle: submitting
    ``workers`` jobs that each hold their worker for a while starts them all, and the
    distinct (pid, thread) answers prove it. Slow starters get a longer hold.
    """
    delay, seen = 0.005, 0
    for _ in range(8):
        futures = [pool.submit(_worker_id, delay) for _ in range(workers)]
        seen = len({future.result() for future in futures})
        if seen == workers:
            return
        delay *= 2
    raise WorkloadError(f"pool answered from {seen} distinct workers, want {workers}")


def _prepare(pool: Executor, threads: int, ops: int) -> Prepared:
    """Warm ``pool`` up and return the timed submitter, the exact check and the shutdown."""
    try:
        _start_all_workers(pool, threads)
        expected = _expected(threads * ops, SAMPLES)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    results: list[int] = []

    def submit_all() -> None:
        futures = [pool.submit(pi_hits, seed, SAMPLES) for seed in range(threads * ops)]
        results.extend(future.result() for future in futures)

    def check() -> None:
        if results != expected:
            wrong = sum(got != want for got, want in zip(results, expected, strict=False))
            raise WorkloadError(
                f"{len(results)} results, {wrong} differ from the {len(expected)} expected"
            )

    def cleanup() -> None:
        pool.shutdown(wait=True, cancel_futures=True)

    return Prepared([submit_all], threads * ops, check, cleanup)


def _jobs(threads: int, ops: int) -> int:
    """Jobs in one run: ``ops`` per worker; ``threads`` is max_workers, not submitters."""
    return threads * ops


@workload("executor", "thread-pool", ops_per_thread=OPS, unit="jobs", count_ops=_jobs)
def thread_pool(threads: int, ops: int) -> Prepared:
    """Monte Carlo pi jobs through ThreadPoolExecutor(max_workers=threads)."""
    return _prepare(ThreadPoolExecutor(max_workers=threads), threads, ops)


def _process_context_name() -> str:
    """forkserver where the platform has it: forking a threaded process is unsafe
    (deprecated since 3.12), and spawn would re-import the runner's main module."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


@workload("executor", "process-pool", ops_per_thread=OPS, unit="jobs", count_ops=_jobs)
def process_pool(threads: int, ops: int) -> Prepared:
    """Monte Carlo pi jobs through ProcessPoolExecutor(max_workers=threads), forkserver."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(_process_context_name())
    return _prepare(ProcessPoolExecutor(max_workers=threads, mp_context=context), threads, ops)


def _no_interpreter_pool() -> str | None:
    """Skip reason where concurrent.futures.InterpreterPoolExecutor is missing."""
    try:
        from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        return "InterpreterPoolExecutor needs Python 3.14+"
    return None


@workload(
    "executor",
    "interpreter-pool",
    ops_per_thread=OPS,
    unit="jobs",
    count_ops=_jobs,
    skip_reason=_no_interpreter_pool,
)
def interpreter_pool(threads: int, ops: int) -> Prepared:
    """Monte Carlo pi jobs through InterpreterPoolExecutor(max_workers=threads) (3.14+)."""
    from concurrent import futures

    # A new interpreter does not inherit sys.path changes (CPython gh-126714), yet it
    # must import this module to unpickle the job: give it ours first, through a
    # builtin, since nothing of ours is importable there yet.
    adopt_path: tuple[str, dict[str, object]] = (f"import sys; sys.path[:] = {sys.path!r}", {})
    pool: Executor = futures.InterpreterPoolExecutor(  # type: ignore[attr-defined]
        max_workers=threads, initializer=exec, initargs=adopt_path
    )
    return _prepare(pool, threads, ops)
