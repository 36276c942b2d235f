"""Single-operation cost of each concurrency primitive on the running interpreter.

The fast tier of gilbench's regression tracking: one uncontended operation per call,
timed by pytest-benchmark's ``benchmark`` fixture (it calibrates the number of
iterations per round). Run per arm and compared with the previous run of the same arm
(see conftest.py); the pyperf suite measures the contended, multi-thread behaviour.
Each test also checks that the operation did what it should, so a broken primitive
fails instead of producing a fast number.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.benchmark(group="primitives", warmup=True)

Benchmark = Callable[..., object]


def test_lock_acquire_release(benchmark: Benchmark) -> None:
    """threading.Lock: acquire + release, uncontended."""
    lock = threading.Lock()

    def op() -> None:
        lock.acquire()
        lock.release()

    benchmark(op)
    assert not lock.locked()


def test_lock_with(benchmark: Benchmark) -> None:
    """threading.Lock as a context manager (the idiomatic form)."""
    lock = threading.Lock()

    def op() -> None:
        with lock:
            pass

    benchmark(op)
    assert not lock.locked()


def test_rlock_acquire_release(benchmark: Benchmark) -> None:
    """threading.RLock: acquire + release by the owning thread."""
    rlock = threading.RLock()

    def op() -> None:
        rlock.acquire()
        rlock.release()

    benchmark(op)
    assert rlock.acquire(blocking=False)  # free again (and re-entrant)
    rlock.release()


def test_semaphore_acquire_release(benchmark: Benchmark) -> None:
    """threading.Semaphore(1): acquire + release."""
    sem = threading.Semaphore(1)

    def op() -> None:
        sem.acquire()
        sem.release()

    benchmark(op)
    assert sem.acquire(blocking=False)


def test_bounded_semaphore_acquire_release(benchmark: Benchmark) -> None:
    """threading.BoundedSemaphore(1): acquire + release (release checks the bound)."""
    sem = threading.BoundedSemaphore(1)

    def op() -> None:
        sem.acquire()
        sem.release()

    benchmark(op)
    with pytest.raises(ValueError):
        sem.release()


def test_event_set_clear(benchmark: Benchmark) -> None:
    """threading.Event: set + clear with no waiter."""
    event = threading.Event()

    def op() -> None:
        event.set()
        event.clear()

    benchmark(op)
    assert not event.is_set()


def test_queue_put_get(benchmark: Benchmark) -> None:
    """queue.Queue: put + get of one item (Condition-based, pure Python)."""
    q: queue.Queue[int] = queue.Queue()

    def op() -> int:
        q.put(1)
        return q.get()

    assert benchmark(op) == 1
    assert q.empty()


def test_simple_queue_put_get(benchmark: Benchmark) -> None:
    """queue.SimpleQueue: put + get of one item (C implementation)."""
    q: queue.SimpleQueue[int] = queue.SimpleQueue()

    def op() -> int:
        q.put(1)
        return q.get()

    assert benchmark(op) == 1
    assert q.empty()


def test_thread_local_attribute(benchmark: Benchmark) -> None:
    """threading.local: read and write one attribute (x = x + 1)."""
    local = threading.local()
    local.x = 0

    def op() -> None:
        local.x = local.x + 1

    benchmark(op)
    assert local.x > 0


def test_contextvar_get_set(benchmark: Benchmark) -> None:
    """contextvars.ContextVar: get + set in the current context."""
    var: contextvars.ContextVar[int] = contextvars.ContextVar("gilbench", default=0)

    def op() -> None:
        var.set(var.get() + 1)

    benchmark(op)
    assert var.get() > 0


def test_list_increment_unprotected(benchmark: Benchmark) -> None:
    """The unprotected x[0] += 1 on a list (single thread: the baseline cost)."""
    x = [0]

    def op() -> None:
        x[0] += 1

    benchmark(op)
    assert x[0] > 0
