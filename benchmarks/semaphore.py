"""semaphore: threads sharing a pool of k resources through ``threading.Semaphore(k)``.

The semaphore of the seed chapter (concepts/__init__.py): "something that never runs
more than k at a time", for a resource you do not want every thread to hit at once. Each
thread repeatedly acquires the semaphore, takes one of k tokens from a shared pool (the
resource), uses it (counts one use on that token), puts it back and releases. With k = 1
the semaphore is a lock built in Python on a Condition; with k = the number of usable
cores, up to that many threads hold it at once, so a free-threaded build could overlap
them, yet every acquire and release still passes through the semaphore's one internal
lock. ``BoundedSemaphore`` adds a check on release.

The pool is also the check, at no extra synchronisation: ``list.pop``/``append`` are
atomic on every build, so a holder that finds the pool empty proves more than k holders
were inside at once, and a token is only ever used by the thread that holds it, so the
per-token use counts must add up to the exact number of acquisitions.

Who creates what: the semaphore, the token pool and the use counts are shared by all
threads on purpose and created by the preparing (main) thread. The ``unlocked`` control
shares nothing: each thread creates its own pool and count in its setup step (before the
Barrier, untimed), so it owns them (on a free-threaded build an object is cheap to
reference-count only for the thread that created it; the ``ownership`` family measures
that difference on its own).

One operation is one acquire/use/release; ``threads`` is the number of acquiring threads.

Fixed-duration mode: ``k1-duration`` has every thread take one shared ``Semaphore(1)``
around an increment of one shared counter for a fixed time, each counting its own
acquisitions: a thread the semaphore starves shows as a low Jain's fairness index in the
run metadata, as CPython's ``Tools/lockbench`` reports for ``PyMutex`` at the C level.
The counter must equal the sum of the per-thread counts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from benchmarks._duration import POLL, guarded_increments
from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload
from concepts.fairness import FIXED_DURATION

OPS = 12_000

SemaphoreFactory = Callable[[int], threading.Semaphore]


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _token_pool(k: int) -> list[int]:
    """The k shared resources, as token numbers 0..k-1."""
    return list(range(k))


def _holders(threads: int, ops: int, k: int, make: SemaphoreFactory) -> Prepared:
    sem = make(k)
    pool = _token_pool(k)
    uses = [0] * k

    def work() -> None:
        take, give = pool.pop, pool.append
        for _ in range(ops):
            with sem:
                try:
                    token = take()
                except IndexError:
                    raise WorkloadError(
                        f"a holder found all {k} tokens taken: more than k={k} holders"
                    ) from None
                uses[token] += 1
                give(token)

    def check() -> None:
        total = sum(uses)
        if total != threads * ops:
            raise WorkloadError(f"{total} token uses, want {threads * ops} acquisitions")
        if sorted(pool) != list(range(k)):
            raise WorkloadError(f"token pool ended as {sorted(pool)}, want 0..{k - 1}")

    return Prepared([work] * threads, threads * ops, check)


@workload("semaphore", "k1", ops_per_thread=OPS, unit="acquisitions")
def k1(threads: int, ops: int) -> Prepared:
    """Threads acquire a Semaphore(1) around taking and returning one pooled token."""
    return _holders(threads, ops, 1, threading.Semaphore)


@workload("semaphore", "k-cores", ops_per_thread=OPS, unit="acquisitions")
def k_cores(threads: int, ops: int) -> Prepared:
    """Threads acquire a Semaphore(usable cores) around taking and returning a pooled token."""
    return _holders(threads, ops, usable_cores(), threading.Semaphore)


@workload("semaphore", "bounded-k-cores", ops_per_thread=OPS, unit="acquisitions")
def bounded_k_cores(threads: int, ops: int) -> Prepared:
    """As k-cores, with a BoundedSemaphore (release checks the bound)."""
    return _holders(threads, ops, usable_cores(), threading.BoundedSemaphore)


# Ten times the others' work per thread: without a semaphore a run would last ~2 ms.
@workload("semaphore", "unlocked", ops_per_thread=10 * OPS, unit="acquisitions")
def unlocked(threads: int, ops: int) -> Prepared:
    """The same take/use/return of a token, on a per-thread pool with no semaphore (control).

    The reference the analysis subtracts to get what the semaphore itself adds per
    acquisition: identical work, no synchronisation and no sharing. Each thread makes
    its own pool in its setup step (untimed), so on a free-threaded build its objects
    are owned by (and reference-counted locally in) the thread that uses them.
    """
    uses = [0] * threads

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], None]:
            pool = _token_pool(1)
            used = [0]

            def work() -> None:
                take, give = pool.pop, pool.append
                for _ in range(ops):
                    token = take()
                    used[token] += 1
                    give(token)
                uses[index] = used[0]

            return work

        return ThreadSetup(make)

    def check() -> None:
        if sum(uses) != threads * ops:
            raise WorkloadError(f"{sum(uses)} token uses, want {threads * ops}")

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)


@workload(
    "semaphore", "k1-duration", ops_per_thread=POLL, unit="acquisitions", duration=FIXED_DURATION
)
def k1_duration(threads: int, ops: int) -> Prepared:
    """Threads take one shared Semaphore(1) around an increment, for a fixed time per run."""
    sem = threading.Semaphore(1)
    return guarded_increments(threads, ops, sem, "the counter under Semaphore(1)")
