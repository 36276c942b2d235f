"""rlock: what re-entrancy costs — an RLock entered three deep vs a plain Lock entered once.

The seed chapter's (concepts/__init__.py) answer to a thread deadlocking on its own
lock (a recursive call) is ``RLock``: it remembers its owner and a recursion count, so
the owning thread may enter it again. That bookkeeping is not free. Every operation here
is one protected increment; the ``rlock-nested`` variants reach it through three nested
``with rlock:`` blocks (one acquisition plus two re-entries), the ``lock`` variants
through one ``with lock:``.

Each is run twice: ``shared`` (one lock and one counter for all threads: the lock is
contended, so threads queue on it) and ``per-thread`` (each thread its own lock and
counter: no sharing, so any slowdown with more threads is the build's or the machine's,
not the lock's). ``threads`` is the number of threads, each doing ``ops`` increments.

Who creates what: in ``shared`` the lock and the counter are shared by all threads and
created by the preparing (main) thread. In ``per-thread`` each thread creates its own
lock and counter in its setup step (before the Barrier, untimed), so it owns them: on a
free-threaded build an object is cheap to reference-count only for the thread that
created it, and a control built by another thread would pay for sharing after all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from benchmarks._registry import Prepared, ThreadSetup, Worker, WorkloadError, workload
from benchmarks._setup import Slots

OPS = 20_000


_Lock = AbstractContextManager[Any]
"""A threading.Lock or RLock, as far as the workers care: something to enter."""


def _nested_worker(lock: _Lock, counter: list[int], ops: int) -> Callable[[], None]:
    def work() -> None:
        for _ in range(ops):
            with lock, lock, lock:  # acquire, then re-enter twice
                counter[0] += 1

    return work


def _once_worker(lock: _Lock, counter: list[int], ops: int) -> Callable[[], None]:
    def work() -> None:
        for _ in range(ops):
            with lock:
                counter[0] += 1

    return work


def _check(counters: Sequence[list[int]]) -> Callable[[], None]:
    """Each ``[value, expected]`` counter must hold its expected value: no increment lost."""

    def check() -> None:
        for value, expected in counters:
            if value != expected:
                raise WorkloadError(f"locked counter is {value}, want {expected}")

    return check


def _prepare(
    threads: int, ops: int, make_lock: Callable[[], _Lock], nested: bool, shared: bool
) -> Prepared:
    make_worker = _nested_worker if nested else _once_worker
    # A counter is [value, expected final value].
    if shared:
        # One lock and one counter, created here, get every thread's increments.
        lock, counter = make_lock(), [0, threads * ops]
        workers: list[Worker] = [make_worker(lock, counter, ops) for _ in range(threads)]
        return Prepared(workers, threads * ops, _check([counter]))
    counters: Slots[list[int]] = Slots(threads)

    def setup(index: int) -> ThreadSetup:
        # In the worker thread: its own lock and counter.
        return ThreadSetup(lambda: make_worker(make_lock(), counters.put(index, [0, ops]), ops))

    def check() -> None:
        _check([counter or [0, ops] for counter in counters.items])()

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)


@workload("rlock", "rlock-nested-shared", ops_per_thread=OPS, unit="increments")
def rlock_nested_shared(threads: int, ops: int) -> Prepared:
    """One RLock shared by all threads, entered 3 deep around each increment of one counter."""
    return _prepare(threads, ops, threading.RLock, nested=True, shared=True)


@workload("rlock", "rlock-nested-per-thread", ops_per_thread=OPS, unit="increments")
def rlock_nested_per_thread(threads: int, ops: int) -> Prepared:
    """Each thread its own RLock, entered 3 deep around each increment of its own counter."""
    return _prepare(threads, ops, threading.RLock, nested=True, shared=False)


@workload("rlock", "lock-shared", ops_per_thread=OPS, unit="increments")
def lock_shared(threads: int, ops: int) -> Prepared:
    """One plain Lock shared by all threads, acquired once around each increment of one counter."""
    return _prepare(threads, ops, threading.Lock, nested=False, shared=True)


@workload("rlock", "lock-per-thread", ops_per_thread=OPS, unit="increments")
def lock_per_thread(threads: int, ops: int) -> Prepared:
    """Each thread its own plain Lock, acquired once around each increment of its own counter."""
    return _prepare(threads, ops, threading.Lock, nested=False, shared=False)
