"""Helpers for thread-owned state: who creates the objects a worker uses.

On a free-threaded build an object's reference count is cheap only for the thread that
created it (biased reference counting: the owner updates a private count with plain
instructions, every other thread an atomic shared count). So a worker's own state is
created by that worker, in its ``ThreadSetup.make`` (run in the worker thread before the
Barrier, untimed), and state two threads share on purpose is created by one of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from benchmarks._registry import ThreadSetup, WorkloadError

S = TypeVar("S")
T = TypeVar("T")

Timed = Callable[..., object]
"""The callable a worker runs inside the timed region."""

SETUP_TIMEOUT = 60.0
"""Seconds a pair's second setup waits for the first to create the shared state."""


class Slots(Generic[T]):
    """One slot per thread where a thread's setup leaves the objects it created.

    The preparing thread creates the slots; each setup stores into its own slot once
    (untimed), and the check reads them after the run. A slot a setup never filled is
    None: that thread never ran, which a check reports as missing work.
    """

    def __init__(self, count: int) -> None:
        self.items: list[T | None] = [None] * count

    def put(self, index: int, item: T) -> T:
        """Store ``item`` in slot ``index`` and return it."""
        self.items[index] = item
        return item

    def filled(self) -> list[T]:
        """The items of the slots that were filled, in slot order."""
        return [item for item in self.items if item is not None]


def pair_setup(
    create: Callable[[], S],
    first: Callable[[S], Timed],
    second: Callable[[S], Timed],
) -> tuple[ThreadSetup, ThreadSetup]:
    """Two workers sharing state that the first worker's own thread creates.

    ``create()`` runs in the first worker's setup; both setups then build their timed
    callables from its result (``first(state)``, ``second(state)``). The second setup
    waits for the first to have created the state (still before the Barrier, so no
    waiting is timed); if ``create`` fails, the second setup fails too instead of
    waiting forever (nor longer than ``SETUP_TIMEOUT`` if the first never starts).
    """
    ready = threading.Event()
    box: list[S] = []

    def make_first() -> Timed:
        try:
            box.append(create())
        finally:
            ready.set()
        return first(box[0])

    def make_second() -> Timed:
        ready.wait(SETUP_TIMEOUT)
        if not box:
            raise WorkloadError("the pair's first thread failed to create the shared state")
        return second(box[0])

    return ThreadSetup(make_first), ThreadSetup(make_second)


__all__ = ["Slots", "Timed", "pair_setup"]
