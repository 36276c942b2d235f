"""shared-object: the uncontended operations that decide whether a library scales.

No thread waits for another in any of these workloads: every operation is one a library
does all the time (read an attribute, call a method or a module function, look up a
dict, create an instance, call a cached function, ask a lock whether it is held). What
differs is only *whose* object it is. In the ``-shared`` variant of a pattern every
thread uses one object, created once by the preparing (main) thread as a module or a
library would create it; in its ``-own`` twin every thread uses an object of the same
kind that it created itself, in its setup step (untimed). On the default build the two
run alike; on a free-threaded build every use of an object changes its reference count,
and an object used by threads other than its creator is counted with atomic operations
on one shared cache line: that traffic, not any lock, is what makes code that shares
objects stop scaling (CPython's Tools/ftscalingbench measures the same patterns; 3.14
defers the reference counts of some objects, such as functions and classes, for this
reason). The ``-shared``/``-own`` speedups at the core count place a library's own
result: a pattern whose ``-shared`` variant does not scale while its twin does is one
to keep per thread.

The patterns (one operation is one use of the object):

- ``attr-read``: read an attribute of an instance; ``attr-write``: write one (each
  thread writes its own loop counter: no update is lost, the last write wins);
- ``method-call``: call a method of an instance;
- ``module-function``: call a function (shared: a module-level function; own: one
  the thread defines);
- ``class-attr``: read a class attribute (shared: a module-level class; own: a class
  the thread creates);
- ``module-global``: read a module global (own: the same value in a local variable);
- ``dict-get``: ``d.get(key)`` on a dict;
- ``new-instance``, ``new-dataclass``, ``new-namedtuple``: create an instance of a
  plain class, a dataclass, a namedtuple class (shared: module-level classes; own:
  classes the thread creates);
- ``lru-cache``: call a ``functools.lru_cache``-wrapped function (a cache hit);
- ``lock-query``: ``Lock.locked()`` on a lock nobody holds;
- ``lock-acquire-own``: acquire and release a lock only this thread uses (the
  uncontended cost; a shared lock that threads acquire is the locked-increment family).

Every worker counts its operations' results and every count is checked exactly.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import threading
from collections.abc import Callable
from typing import Any

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

OPS = 100_000
"""Operations per thread and run for the cheap patterns (a read, a call)."""
NEW_OPS = 25_000
"""For the instance-creating patterns (an allocation and an ``__init__`` each)."""

Loop = Callable[[Any, int], int]
"""A pattern's timed loop: ``loop(state, ops)`` does ``ops`` operations on ``state`` and
returns the sum of their results (checked against ``ops``)."""


class Box:
    """An ordinary instance with one attribute and one method."""

    LIMIT = 1

    def __init__(self, value: Any = 1) -> None:
        self.value = value

    def one(self) -> int:
        return 1


def module_one() -> int:
    """The module-level function of ``module-function-shared``."""
    return 1


@dataclasses.dataclass
class Point:
    """The module-level dataclass of ``new-dataclass-shared``."""

    x: int
    y: int = 0


Pair = collections.namedtuple("Pair", ["x", "y"], defaults=[0])
"""The module-level namedtuple class of ``new-namedtuple-shared``."""

MARKER = Box()
"""The module global of ``module-global-shared``: a heap object (its reference count
changes on every read, unlike a small int's)."""


@functools.lru_cache(maxsize=16)
def cached_one(key: int) -> int:
    """The module-level cached function of ``lru-cache-shared``."""
    return 1


# ---------------------------------------------------------------- the timed loops


def _attr_read(box: Box, ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += box.value
    return total


def _attr_write(box: Box, ops: int) -> int:
    done = 0
    for i in range(ops):
        box.value = i
        done += 1
    return done


def _method_call(box: Box, ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += box.one()
    return total


def _call(function: Callable[[], int], ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += function()
    return total


def _class_attr(cls: type[Box], ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += cls.LIMIT
    return total


def _module_global(_state: object, ops: int) -> int:
    total = 0
    for _ in range(ops):
        if MARKER is not None:
            total += 1
    return total


def _local_value(marker: Box, ops: int) -> int:
    total = 0
    for _ in range(ops):
        if marker is not None:
            total += 1
    return total


def _dict_get(table: dict[str, int], ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += table.get("key", 0)
    return total


def _new_instance(cls: Callable[[int], Any], ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += cls(1).x
    return total


def _lru_cache(function: Callable[[int], int], ops: int) -> int:
    total = 0
    for _ in range(ops):
        total += function(7)
    return total


def _lock_query(lock: threading.Lock, ops: int) -> int:
    total = 0
    for _ in range(ops):
        if not lock.locked():
            total += 1
    return total


def _lock_acquire(lock: threading.Lock, ops: int) -> int:
    total = 0
    for _ in range(ops):
        with lock:
            total += 1
    return total


# ---------------------------------------------------------------- each thread's own objects


def _own_function() -> Callable[[], int]:
    def one() -> int:
        return 1

    return one


class _XBox:
    """A plain class whose instances have ``x`` (for ``new-instance``)."""

    def __init__(self, x: int) -> None:
        self.x = x


def _own_class() -> type:
    class XBox:
        def __init__(self, x: int) -> None:
            self.x = x

    return XBox


def _own_dataclass() -> type:
    return dataclasses.make_dataclass(
        "Point", [("x", int), ("y", int, dataclasses.field(default=0))]
    )


def _own_namedtuple() -> type:
    return collections.namedtuple("Pair", ["x", "y"], defaults=[0])


def _own_cached() -> Callable[[int], int]:
    @functools.lru_cache(maxsize=16)
    def one(key: int) -> int:
        return 1

    return one


PATTERNS: dict[str, tuple[int, Loop, Callable[[], Any], Loop, Callable[[], Any]]] = {
    # name: (ops, shared loop, the shared object, own loop, a thread's own object)
    "attr-read": (OPS, _attr_read, Box, _attr_read, Box),
    "attr-write": (OPS, _attr_write, Box, _attr_write, Box),
    "method-call": (OPS, _method_call, Box, _method_call, Box),
    "module-function": (OPS, _call, lambda: module_one, _call, _own_function),
    "class-attr": (
        OPS,
        _class_attr,
        lambda: Box,
        _class_attr,
        lambda: type("Box", (), {"LIMIT": 1}),
    ),
    "module-global": (OPS, _module_global, lambda: None, _local_value, Box),
    "dict-get": (OPS, _dict_get, lambda: {"key": 1}, _dict_get, lambda: {"key": 1}),
    "new-instance": (NEW_OPS, _new_instance, lambda: _XBox, _new_instance, _own_class),
    "new-dataclass": (NEW_OPS, _new_instance, lambda: Point, _new_instance, _own_dataclass),
    "new-namedtuple": (
        NEW_OPS,
        _new_instance,
        lambda: Pair,
        _new_instance,
        _own_namedtuple,
    ),
    "lru-cache": (OPS, _lru_cache, lambda: cached_one, _lru_cache, _own_cached),
    "lock-query": (OPS, _lock_query, threading.Lock, _lock_query, threading.Lock),
}
"""Each pattern: operations per thread, and for its -shared and -own variants the timed
loop and what builds its object (the preparing thread once, or each thread)."""


def _check(results: list[int], ops: int, what: str) -> Callable[[], None]:
    def check() -> None:
        if results != [ops] * len(results):
            raise WorkloadError(f"{what}: per-thread results {results}, want {ops} each")

    return check


def _shared(name: str, loop: Loop, build: Callable[[], Any]) -> Callable[[int, int], Prepared]:
    def prepare(threads: int, ops: int) -> Prepared:
        state = build()  # one object, created by the preparing thread, used by all
        results = [0] * threads

        def make(index: int) -> Callable[[], None]:
            def work() -> None:
                results[index] = loop(state, ops)

            return work

        check = _check(results, ops, f"{name}-shared")
        return Prepared([make(i) for i in range(threads)], threads * ops, check)

    prepare.__doc__ = f"{name}: every thread uses one object the preparing thread created."
    return prepare


def _own(name: str, loop: Loop, build: Callable[[], Any]) -> Callable[[int, int], Prepared]:
    def prepare(threads: int, ops: int) -> Prepared:
        results = [0] * threads

        def make(index: int) -> Callable[[], Callable[[], None]]:
            def setup() -> Callable[[], None]:
                state = build()  # in the worker thread: its own object

                def work() -> None:
                    results[index] = loop(state, ops)

                return work

            return setup

        check = _check(results, ops, f"{name}-own")
        return Prepared([ThreadSetup(make(i)) for i in range(threads)], threads * ops, check)

    prepare.__doc__ = f"{name}: every thread uses an object of its own, created by itself."
    return prepare


for _name, (_ops, _shared_loop, _shared_build, _own_loop, _own_build) in PATTERNS.items():
    workload("shared-object", f"{_name}-shared", ops_per_thread=_ops, unit="operations")(
        _shared(_name, _shared_loop, _shared_build)
    )
    workload("shared-object", f"{_name}-own", ops_per_thread=_ops, unit="operations")(
        _own(_name, _own_loop, _own_build)
    )

workload("shared-object", "lock-acquire-own", ops_per_thread=OPS, unit="acquisitions")(
    _own("lock-acquire", _lock_acquire, threading.Lock)
)
