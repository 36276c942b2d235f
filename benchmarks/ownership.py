"""ownership: the same uncontended work on an object the worker created, or another thread.

On a free-threaded build (3.13t) every object has an owning thread: the one that created
it. CPython's biased reference counting gives each object two counts, a local one that
only the owner updates, with plain loads and stores, and a shared one that every other
thread updates with atomic instructions. (The default build has one count, protected
by the GIL, so there the creator should make no difference.) Every use of an object in
Python code (loading it into a variable, passing it, calling a method on it) changes
its reference count, so a thread that uses an object another thread created pays
atomic operations on every use, even when no other thread ever touches that object.

That is the situation of a library whose main thread builds objects that its worker
threads then use, one object per worker: "objects my main thread builds and my workers
use". These variants measure what it costs, and nothing else. Every thread works alone
on an object of its own that no other thread touches (uncontended); the ``-own`` and
``-other`` variants run identical code and differ only in which thread created that
object:

- ``-own``: the worker itself, in its setup step (before the Barrier, untimed);
- ``-other``: the preparing (main) thread, one object per worker, handed to the worker.

The objects:

- ``list``: ``x[0] += 1`` on the thread's own one-item list;
- ``lock``: acquire and release the thread's own ``threading.Lock`` (``with lock:``)
  around an increment of a local counter;
- ``attr``: ``obj.value += 1`` on the thread's own instance of a plain class.

In both variants the worker's timed function is built in its own setup step, so the
only object of another thread's making that ``-other`` touches in its loop is the one
under test. The own/other ratio at 1 thread is what ownership alone costs; at more
threads it shows whether that cost scales (there is no contention to hide behind).
One operation is one increment or one acquire/release; ``threads`` is the number of
threads, each doing ``ops`` operations. Every object's count is checked exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload
from benchmarks._setup import Slots

LIST_OPS = 250_000
"""As increment's: ``x[0] += 1`` costs the same here."""
LOCK_OPS = 60_000
"""As locked-increment's fine variants: one acquire/release per operation."""
ATTR_OPS = 200_000
"""As thread-local's shared-attr: ``obj.value += 1`` is a read-write of one attribute."""

T = TypeVar("T")


class Box:
    """A plain object with one attribute (no slots: an ordinary instance)."""

    def __init__(self) -> None:
        self.value = 0


class _Held(Generic[T]):
    """What one thread works on (created by the thread under test) and its final count."""

    def __init__(self, item: T) -> None:
        self.item = item
        self.count = 0


def _list_loop(held: _Held[list[int]], ops: int) -> Callable[[], None]:
    def work() -> None:
        counter = held.item
        for _ in range(ops):
            counter[0] += 1
        held.count = counter[0]

    return work


def _lock_loop(held: _Held[threading.Lock], ops: int) -> Callable[[], None]:
    def work() -> None:
        lock, count = held.item, 0
        for _ in range(ops):
            with lock:
                count += 1
        held.count = count

    return work


def _attr_loop(held: _Held[Box], ops: int) -> Callable[[], None]:
    def work() -> None:
        obj = held.item
        for _ in range(ops):
            obj.value += 1
        held.count = obj.value

    return work


def _prepare(
    threads: int,
    ops: int,
    create: Callable[[], T],
    loop: Callable[[_Held[T], int], Callable[[], None]],
    *,
    own: bool,
) -> Prepared:
    """One object per thread, created by the worker (``own``) or by this thread."""
    held: Slots[_Held[T]] = Slots(threads)
    # -other: this (the preparing) thread creates every worker's object now.
    premade = None if own else [create() for _ in range(threads)]

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], None]:
            # In the worker thread; the timed function is built here in both variants.
            item = create() if premade is None else premade[index]
            return loop(held.put(index, _Held(item)), ops)

        return ThreadSetup(make)

    def check() -> None:
        counts = [0 if h is None else h.count for h in held.items]
        if counts != [ops] * threads:
            raise WorkloadError(f"per-thread counts {counts}, want {ops} each")

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)


def _new_list() -> list[int]:
    return [0]


_OBJECTS: dict[str, tuple[Callable[[], Any], Callable[..., Callable[[], None]], int, str, str]] = {
    "list": (_new_list, _list_loop, LIST_OPS, "increments", "x[0] += 1 on a list"),
    "lock": (threading.Lock, _lock_loop, LOCK_OPS, "acquisitions", "Acquire/release a Lock"),
    "attr": (Box, _attr_loop, ATTR_OPS, "read-writes", "obj.value += 1 on a plain object"),
}
"""Per object kind: how to create one, the worker's loop, ops, unit, what the loop does."""


def _register(kind: str, own: bool) -> None:
    """Register workload ``ownership-<kind>-own`` or ``ownership-<kind>-other``."""
    create, loop, ops_per_thread, unit, what = _OBJECTS[kind]
    creator = "the thread itself" if own else "the main thread"

    def prepare(threads: int, ops: int) -> Prepared:
        return _prepare(threads, ops, create, loop, own=own)

    prepare.__doc__ = f"{what} of the thread's own, created by {creator}."
    variant = f"{kind}-{'own' if own else 'other'}"
    prepare.__name__ = prepare.__qualname__ = variant.replace("-", "_")
    workload("ownership", variant, ops_per_thread=ops_per_thread, unit=unit)(prepare)


for _kind in _OBJECTS:
    _register(_kind, own=True)
    _register(_kind, own=False)
