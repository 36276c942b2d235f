"""condition: producer/consumer hand-off through a bounded buffer built on ``Condition``.

``threading.Condition`` is the primitive under ``queue.Queue``, ``Barrier`` and
``Semaphore``: a lock plus a way to sleep until another thread says something changed.
Here it is used directly, as the textbook bounded buffer: one Lock, a ``not_full`` and
a ``not_empty`` Condition, a deque of at most ``CAPACITY`` items. An operation is one
item handed from a producer to a consumer (one put and one get).

``pairs``: ``threads`` = N runs N // 2 independent producer/consumer pairs, each with its
own buffer, each pair moving ``ops`` items: no sharing between pairs. ``shared``: one
buffer for all threads, with ceil(N / 2) producers of ``ops`` items each and N // 2
consumers taking whatever comes, so producers and consumers contend for one lock. In
both, N = 1 (and the odd thread out of ``pairs``) is a single thread putting an item and
getting it back: the Condition protocol's uncontended cost, with nobody to wake. At
N = 2 both are one producer and one consumer on one buffer; they part from N = 3 on.
Either way a run moves ceil(N / 2) * ops items.

Check: every item produced is consumed exactly once (no loss, no duplicate).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from benchmarks._registry import Prepared, WorkloadError, workload

OPS = 5_000
"""Items per producer: a hand-off costs ~1.5 µs alone but 3-25 µs between threads."""
CAPACITY = 16


class BoundedBuffer:
    """A FIFO of at most ``capacity`` items, for a known ``total`` number of items."""

    def __init__(self, capacity: int, total: int) -> None:
        lock = threading.Lock()
        self.not_full = threading.Condition(lock)
        self.not_empty = threading.Condition(lock)
        self.items: deque[int] = deque()
        self.capacity = capacity
        self.total = total
        self.taken = 0
        self.consumed: list[list[int | None]] = []
        """What each consumer took, for the check."""

    def put(self, item: int) -> None:
        """Append ``item``, waiting while the buffer is full."""
        with self.not_full:
            while len(self.items) >= self.capacity:
                self.not_full.wait()
            self.items.append(item)
            self.not_empty.notify()

    def get(self) -> int | None:
        """Take the oldest item, waiting while empty; None once all ``total`` are taken."""
        with self.not_empty:
            while not self.items:
                if self.taken == self.total:
                    return None
                self.not_empty.wait()
            self.taken += 1
            if self.taken == self.total:
                self.not_empty.notify_all()  # let the other consumers see the end
            self.not_full.notify()
            return self.items.popleft()

    def check(self) -> None:
        """Raise WorkloadError unless items 0 .. total-1 were each consumed exactly once."""
        got = [item for items in self.consumed for item in items]
        if len(got) != self.total or set(got) != set(range(self.total)):
            missing = len(set(range(self.total)) - set(got))
            raise WorkloadError(
                f"consumed {len(got)} items ({len(set(got))} distinct, {missing} missing), "
                f"want each of {self.total} exactly once"
            )


def _producer(buffer: BoundedBuffer, first: int, ops: int) -> Callable[[], None]:
    def work() -> None:
        for item in range(first, first + ops):
            buffer.put(item)

    return work


def _consumer(buffer: BoundedBuffer) -> Callable[[], None]:
    out: list[int | None] = []
    buffer.consumed.append(out)

    def work() -> None:
        while (item := buffer.get()) is not None:
            out.append(item)

    return work


def _solo(buffer: BoundedBuffer, ops: int) -> Callable[[], None]:
    """One thread puts each item and gets it straight back (never waits)."""
    out: list[int | None] = []
    buffer.consumed.append(out)

    def work() -> None:
        for item in range(ops):
            buffer.put(item)
            out.append(buffer.get())  # never None here: an item was just put

    return work


def _count(threads: int, ops: int) -> int:
    """Items moved in one run: one stream of ``ops`` per producer (or solo thread)."""
    return (threads + 1) // 2 * ops


def _checker(buffers: list[BoundedBuffer]) -> Callable[[], None]:
    def check() -> None:
        for buffer in buffers:
            buffer.check()

    return check


@workload("condition", "pairs", ops_per_thread=OPS, unit="items", count_ops=_count)
def pairs(threads: int, ops: int) -> Prepared:
    """N // 2 independent producer/consumer pairs, each with its own Condition-guarded buffer."""
    buffers = [BoundedBuffer(CAPACITY, ops) for _ in range(_count(threads, 1))]
    workers: list[Callable[[], None]] = []
    for buffer in buffers[: threads // 2]:
        workers += [_producer(buffer, 0, ops), _consumer(buffer)]
    if threads % 2:
        workers.append(_solo(buffers[-1], ops))
    return Prepared(workers, _count(threads, ops), _checker(buffers))


@workload("condition", "shared", ops_per_thread=OPS, unit="items", count_ops=_count)
def shared(threads: int, ops: int) -> Prepared:
    """ceil(N/2) producers and N // 2 consumers share one Condition-guarded bounded buffer."""
    buffer = BoundedBuffer(CAPACITY, _count(threads, ops))
    if threads == 1:
        return Prepared([_solo(buffer, ops)], ops, buffer.check)
    producers = [_producer(buffer, p * ops, ops) for p in range(_count(threads, 1))]
    consumers = [_consumer(buffer) for _ in range(threads // 2)]
    return Prepared(producers + consumers, _count(threads, ops), buffer.check)
