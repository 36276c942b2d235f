"""thread-local: per-thread storage (``threading.local``, ``ContextVar``) vs one shared object.

The "local / shared memory" section of the seed chapter (concepts/__init__.py): data
only one thread touches needs no lock, and on a free-threaded build it also avoids the
hidden cost of sharing — every read of a shared object updates its reference count, and
on a free-threaded build those updates from threads other than the object's owner are
atomic operations on one cache line, which stop scaling as threads are added. Each
workload does ``ops`` read-then-write operations (``x = x + 1`` on its storage) per
thread, from ``threads`` threads:

- ``local-attr``: an attribute of one ``threading.local()``; each thread sees its own.
- ``contextvar``: ``var.set(var.get() + 1)`` on one ``contextvars.ContextVar``; each
  thread runs in its own context, so each has its own value.
- ``shared-attr``: an attribute of one object every thread reads and writes (the
  tutorial's unsafe increment on an attribute: updates are lost when threads race, by
  design).
- ``shared-read``: every thread only reads one shared object's attribute (an ordinary
  heap object, not an immortal one) and counts it: the reference-count traffic alone.

Who creates what: the ``threading.local()`` and the ``ContextVar`` are each one object
shared by all threads, created by the preparing (main) thread as a module-level one
would be; what is per-thread is the storage behind them, and each thread creates its
own (its slot of the local, its context's value) in its setup step, before the Barrier
(untimed). ``shared-attr``'s and ``shared-read``'s object is shared by all threads and
created by the preparing thread. Each thread writes its result once, after its loop,
into a slot of the preparing thread's list. The ``ownership`` family measures what the
creating thread alone changes.

Whether a new thread starts in a copy of its creator's context changed in 3.14
(``sys.flags.thread_inherit_context``; on 3.13 a thread starts in an empty context):
``context_metadata()`` reports it so that results say which behaviour they measured.
The ``contextvar`` workload's result does not depend on it (its variable is new each
run, so an inherited context holds no value for it).
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable
from typing import Any

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

OPS = 100_000
SHARED_OPS = 200_000
"""The shared-object variants' single-thread op is ~3x cheaper: more of them per run."""


def context_metadata() -> dict[str, str | int | bool]:
    """Whether threads inherit their creator's context here: flag value and observed fact.

    ``thread_inherit_context_flag`` is ``sys.flags.thread_inherit_context`` (3.14+) or
    "absent"; ``thread_inherit_context`` is what a thread started now actually sees.
    """
    flag = getattr(sys.flags, "thread_inherit_context", None)
    var: contextvars.ContextVar[str] = contextvars.ContextVar("gilbench_probe", default="no")
    seen: list[str] = []

    def start_thread() -> None:
        var.set("yes")
        thread = threading.Thread(target=lambda: seen.append(var.get()))
        thread.start()
        thread.join()

    # Run in a copy so that the probe's value never leaks into the caller's context.
    contextvars.copy_context().run(start_thread)
    return {
        "thread_inherit_context": seen == ["yes"],
        "thread_inherit_context_flag": "absent" if flag is None else int(flag),
    }


def _per_thread_check(results: list[int], want: int, what: str) -> Callable[[], None]:
    def check() -> None:
        if results != [want] * len(results):
            raise WorkloadError(f"{what}: per-thread results {results}, want {want} each")

    return check


@workload("thread-local", "local-attr", ops_per_thread=OPS, unit="read-writes")
def local_attr(threads: int, ops: int) -> Prepared:
    """Each thread reads and writes its own attribute of one threading.local() (x = x + 1)."""
    local = threading.local()
    results = [0] * threads

    def make(index: int) -> Callable[[], Callable[[], None]]:
        def setup() -> Callable[[], None]:
            # In the worker thread: its own storage in the local (a new thread's is empty).
            local.value = getattr(local, "value", 0)

            def work() -> None:
                for _ in range(ops):
                    local.value = local.value + 1
                results[index] = local.value

            return work

        return setup

    check = _per_thread_check(results, ops, "threading.local")
    return Prepared([ThreadSetup(make(i)) for i in range(threads)], threads * ops, check)


@workload("thread-local", "contextvar", ops_per_thread=OPS, unit="read-writes")
def contextvar(threads: int, ops: int) -> Prepared:
    """Each thread reads and sets one ContextVar in its own context (var.set(var.get() + 1))."""
    var: contextvars.ContextVar[int] = contextvars.ContextVar("gilbench_counter", default=0)
    results = [0] * threads

    def make(index: int) -> Callable[[], Callable[[], None]]:
        def setup() -> Callable[[], None]:
            # In the worker thread: its context gets its own value (the default, 0).
            var.set(var.get())

            def work() -> None:
                for _ in range(ops):
                    var.set(var.get() + 1)
                results[index] = var.get()

            return work

        return setup

    check = _per_thread_check(results, ops, "ContextVar")
    return Prepared([ThreadSetup(make(i)) for i in range(threads)], threads * ops, check)


class _Shared:
    """A plain object whose attribute every thread uses."""

    def __init__(self, value: Any) -> None:
        self.value: Any = value


@workload("thread-local", "shared-attr", ops_per_thread=SHARED_OPS, unit="read-writes")
def shared_attr(threads: int, ops: int) -> Prepared:
    """Every thread reads and writes one attribute of one shared object (obj.x = obj.x + 1)."""
    shared = _Shared(0)

    def work() -> None:
        for _ in range(ops):
            shared.value = shared.value + 1

    def check() -> None:
        # Racing threads lose updates (the tutorial's lesson); alone, none may be lost,
        # and never can there be more than were made.
        total = shared.value
        low = ops if threads == 1 else 1
        if not isinstance(total, int) or not low <= total <= threads * ops:
            raise WorkloadError(f"shared attribute is {total}, want {low} .. {threads * ops}")

    return Prepared([work] * threads, threads * ops, check)


@workload("thread-local", "shared-read", ops_per_thread=SHARED_OPS, unit="reads")
def shared_read(threads: int, ops: int) -> Prepared:
    """Every thread only reads one shared object's attribute (reference-count traffic only)."""
    marker = object()  # a heap object: its reference count really changes on each read
    shared = _Shared(marker)
    results = [0] * threads

    def make(index: int) -> Callable[[], None]:
        def work() -> None:
            hits = 0
            for _ in range(ops):
                if shared.value is marker:
                    hits += 1
            results[index] = hits

        return work

    check = _per_thread_check(results, ops, "shared read")
    return Prepared([make(i) for i in range(threads)], threads * ops, check)
