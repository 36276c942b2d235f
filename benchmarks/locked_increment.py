"""locked-increment: the mutex fix for ``x[0] += 1``, fine- and coarse-grained.

The second lesson of the seed chapter (concepts/__init__.py): wrap the increment in
``with lock:`` and every build gets the exact count, but only one thread at a time gets
through, so a free-threaded build is no faster. The chapter's advice is to lock around a
larger piece of work instead; the ``coarse`` variants take the lock once per batch of
``BATCH`` increments, the ``fine`` ones once per increment. ``threading.Lock`` and
``threading.RLock`` (which is reentrant, so it also tracks its owner and a recursion
count) are measured alike. Comparing with ``increment-shared-list`` gives the lock
overhead per increment.

Who creates what: the lock and the counter list are shared by all threads on purpose
and created by the preparing (main) thread, as ``increment-shared-list``'s list is, so
the lock-overhead subtraction compares like with like.

One operation is one increment, whichever the lock granularity; ``threads`` is the
number of incrementing threads. The count must be exact: a lost update fails the run.

Fixed-duration mode: ``lock-fine-duration`` runs the ``lock-fine`` loop for a fixed
``FIXED_DURATION`` instead of a fixed number of increments per thread; every thread counts its
own increments (checking the stop flag every ``POLL``), so a thread that the lock
starves shows up as a low Jain's fairness index in the run metadata (with fixed work a
starved thread only finishes late). This is what CPython's own ``Tools/lockbench``
reports for ``PyMutex`` at the C level (Jain's index of per-thread acquisitions in a
fixed time); here it is ``threading.Lock`` as Python code sees it. Check: the counter
equals the sum of the per-thread counts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from benchmarks._duration import POLL, guarded_increments
from benchmarks._registry import Prepared, WorkloadError, workload
from concepts.fairness import FIXED_DURATION

FINE_OPS = 60_000
COARSE_OPS = 300_000
BATCH = 100
"""Increments per lock acquisition in the coarse variants."""

LockFactory = Callable[[], AbstractContextManager[Any]]
"""Makes the lock: threading.Lock or threading.RLock (or a stand-in in tests)."""


def _fine(threads: int, ops: int, make_lock: LockFactory) -> Prepared:
    x = [0]
    lock = make_lock()

    def work() -> None:
        counter = x
        for _ in range(ops):
            with lock:
                counter[0] += 1

    return Prepared([work] * threads, threads * ops, _exact(x, threads * ops))


def _coarse(threads: int, ops: int, make_lock: LockFactory) -> Prepared:
    x = [0]
    lock = make_lock()
    batches, rest = divmod(ops, BATCH)

    def work() -> None:
        counter = x
        for _ in range(batches):
            with lock:
                for _ in range(BATCH):
                    counter[0] += 1
        if rest:
            with lock:
                for _ in range(rest):
                    counter[0] += 1

    return Prepared([work] * threads, threads * ops, _exact(x, threads * ops))


def _exact(x: list[int], want: int) -> Callable[[], None]:
    def check() -> None:
        if x[0] != want:
            raise WorkloadError(f"locked counter is {x[0]}, want {want}: the lock lost updates")

    return check


@workload("locked-increment", "lock-fine", ops_per_thread=FINE_OPS, unit="increments")
def lock_fine(threads: int, ops: int) -> Prepared:
    """x[0] += 1 under a threading.Lock taken once per increment."""
    return _fine(threads, ops, threading.Lock)


@workload("locked-increment", "lock-coarse", ops_per_thread=COARSE_OPS, unit="increments")
def lock_coarse(threads: int, ops: int) -> Prepared:
    """x[0] += 1 under a threading.Lock taken once per batch of 100 increments."""
    return _coarse(threads, ops, threading.Lock)


@workload("locked-increment", "rlock-fine", ops_per_thread=FINE_OPS, unit="increments")
def rlock_fine(threads: int, ops: int) -> Prepared:
    """x[0] += 1 under a threading.RLock taken once per increment."""
    return _fine(threads, ops, threading.RLock)


@workload("locked-increment", "rlock-coarse", ops_per_thread=COARSE_OPS, unit="increments")
def rlock_coarse(threads: int, ops: int) -> Prepared:
    """x[0] += 1 under a threading.RLock taken once per batch of 100 increments."""
    return _coarse(threads, ops, threading.RLock)


@workload(
    "locked-increment",
    "lock-fine-duration",
    ops_per_thread=POLL,
    unit="increments",
    duration=FIXED_DURATION,
)
def lock_fine_duration(threads: int, ops: int) -> Prepared:
    """x[0] += 1 under one shared threading.Lock per increment, for a fixed time per run."""
    return guarded_increments(threads, ops, threading.Lock(), "the locked counter")
