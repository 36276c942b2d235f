"""The race-loss variants: one shared counter, N threads, each adding 1 a fixed number of times.

Every variant builds fresh state for one trial and returns a :class:`Race`: one worker
callable per thread and a function that reads the final count afterwards. The variants
differ only in *where* the counter lives and *how* it is updated, which decides whether
an update is a single indivisible step on each build:

- ``inline``: ``x[0] += 1`` on a shared list (the first example of the seed
  chapter, concepts/__init__.py);
- ``call``: ``x[0] = x[0] + one()``, a Python call between the read and the write, where
  the default build checks for a thread switch (the function's RESUME);
- ``global``, ``attribute``, ``dict-item``: the same ``+= 1`` on a module global, an
  instance attribute and a dict value;
- ``locked``: ``x[0] += 1`` under a ``threading.Lock`` (must lose nothing);
- ``itertools-count``: every thread calls ``next()`` on one ``itertools.count`` (a C-level
  counter that is safe on both builds: a single call under the GIL, a compare-and-swap
  on the free-threaded build); must lose nothing.

Standard library only: this module runs inside the measured interpreters.
"""

from __future__ import annotations

import itertools
import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class Race:
    """One trial's state: a worker per thread, and how to read the result afterwards."""

    workers: list[Callable[[], None]]
    observe: Callable[[], int]
    """Final count (call after every worker has finished)."""
    detail: Callable[[], dict[str, int]] | None = field(default=None)
    """Extra per-trial figures worth recording (None for most variants)."""


@dataclass(frozen=True)
class Variant:
    """A named way of incrementing a shared counter from several threads."""

    name: str
    safe: bool
    """True when the variant must lose nothing: any loss is a failure of the experiment."""
    description: str
    build: Callable[[int, int], Race]
    """build(threads, increments_per_thread) -> fresh Race."""
    timed_family: str | None = None
    """The benchmark family that times this variant's operation (the report's summary
    shows the variant's loss beside that family), or None."""


VARIANTS: dict[str, Variant] = {}
"""Every variant by name, in definition order."""


def variants_timed_by(family: str) -> tuple[str, ...]:
    """Names of the race variants whose operation ``family`` times (may be empty)."""
    return tuple(v.name for v in VARIANTS.values() if v.timed_family == family)


def _variant(
    name: str, *, safe: bool = False, timed_family: str | None = None
) -> Callable[[Callable[[int, int], Race]], Variant]:
    """Register ``build`` as variant ``name``; its docstring's first line describes it."""

    def register(build: Callable[[int, int], Race]) -> Variant:
        doc = (build.__doc__ or name).strip().splitlines()[0]
        variant = Variant(name, safe, doc, build, timed_family)
        VARIANTS[name] = variant
        return variant

    return register


@_variant("inline", timed_family="increment")
def _inline(threads: int, increments: int) -> Race:
    """x[0] += 1 on one shared list (the tutorial's example)."""
    x = [0]

    def work() -> None:
        for _ in range(increments):
            x[0] += 1

    return Race([work] * threads, lambda: x[0])


def _one() -> int:
    """A small Python function: calling it gives the default build a switch point."""
    return 1


@_variant("call")
def _call(threads: int, increments: int) -> Race:
    """x[0] = x[0] + one(): a Python call between the read and the write."""
    x = [0]
    one = _one

    def work() -> None:
        for _ in range(increments):
            x[0] = x[0] + one()

    return Race([work] * threads, lambda: x[0])


_shared_global = 0


@_variant("global")
def _global(threads: int, increments: int) -> Race:
    """counter += 1 on a module global (declared ``global``)."""
    global _shared_global
    _shared_global = 0

    def work() -> None:
        global _shared_global
        for _ in range(increments):
            _shared_global += 1

    return Race([work] * threads, lambda: _shared_global)


class _Counter:
    """A plain object holding the shared count as an instance attribute."""

    def __init__(self) -> None:
        self.value = 0


@_variant("attribute")
def _attribute(threads: int, increments: int) -> Race:
    """obj.value += 1 on one shared instance."""
    counter = _Counter()

    def work() -> None:
        for _ in range(increments):
            counter.value += 1

    return Race([work] * threads, lambda: counter.value)


@_variant("dict-item")
def _dict_item(threads: int, increments: int) -> Race:
    """d["k"] += 1 on one shared dict."""
    d = {"k": 0}

    def work() -> None:
        for _ in range(increments):
            d["k"] += 1

    return Race([work] * threads, lambda: d["k"])


@_variant("locked", safe=True, timed_family="locked-increment")
def _locked(threads: int, increments: int) -> Race:
    """x[0] += 1 inside ``with lock`` (threading.Lock): must lose nothing."""
    x = [0]
    lock = threading.Lock()

    def work() -> None:
        for _ in range(increments):
            with lock:
                x[0] += 1

    return Race([work] * threads, lambda: x[0])


def count_distinct(received: Iterable[Iterable[int]], expected: int) -> int:
    """Number of distinct values in ``received`` (values normally lie in [0, expected))."""
    # A bytearray of seen flags counts distinct values in [0, expected) cheaply;
    # values outside that range (a counter that skipped) are counted through a set.
    seen = bytearray(expected)
    outside: set[int] = set()
    for values in received:
        for value in values:
            if 0 <= value < expected:
                seen[value] = 1
            else:
                outside.add(value)
    return seen.count(1) + len(outside)


@_variant("itertools-count", safe=True)
def _itertools_count(threads: int, increments: int) -> Race:
    """next(counter) on one shared itertools.count: must lose nothing.

    Each thread keeps the values it received. Observed is the smaller of the number of
    distinct values handed out and the counter's next value afterwards: both equal the
    number of calls exactly when no value was handed out twice or skipped.
    """
    counter = itertools.count()
    received = [array("q") for _ in range(threads)]

    def make(values: array[int]) -> Callable[[], None]:
        def work() -> None:
            append = values.append
            for _ in range(increments):
                append(next(counter))

        return work

    figures: dict[str, int] = {}

    def observe() -> int:
        final = next(counter)
        distinct = count_distinct(received, threads * increments)
        figures.update(distinct_values=distinct, final_value=final)
        return min(distinct, final)

    return Race([make(values) for values in received], observe, lambda: dict(figures))
