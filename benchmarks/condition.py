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

Who creates what: a ``pairs`` buffer (its Lock, Conditions and deque) is shared by its
pair only and created by the pair's producer thread in its setup step (before the
Barrier, untimed); the odd thread out creates its own buffer the same way, and each
consumer creates its own list of what it took. So in ``pairs`` no thread uses an object
created outside its pair (on a free-threaded build an object is cheap to
reference-count only for its creating thread). The ``shared`` buffer is shared by all
threads and created by the preparing (main) thread.

Check: every item produced is consumed exactly once (no loss, no duplicate).

Fixed-duration mode: ``notify-duration`` has every thread do ``with cond: counter += 1;
cond.notify()`` on one shared Condition (created by the preparing thread) for a fixed
time, counting its own operations. Nobody waits, so nothing can hang past the stop
flag: it measures the Condition's lock and the cost of a notify with no waiter, and a
thread starved of that lock shows as a low Jain's fairness index in the run metadata
(as CPython's ``Tools/lockbench`` reports for ``PyMutex`` at the C level). The counter
must equal the sum of the per-thread counts.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from benchmarks._duration import POLL, exact_total
from benchmarks._registry import Prepared, Stop, ThreadSetup, WorkloadError, workload
from benchmarks._setup import Slots, pair_setup
from concepts.fairness import FIXED_DURATION

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


@workload("condition", "pairs", ops_per_thread=OPS, unit="items", count_ops=_count)
def pairs(threads: int, ops: int) -> Prepared:
    """N // 2 independent producer/consumer pairs, each with its own Condition-guarded buffer."""
    # Each pair's producer (or the solo thread) creates its buffer and leaves it here.
    buffers: Slots[BoundedBuffer] = Slots(_count(threads, 1))

    def create(index: int) -> Callable[[], BoundedBuffer]:
        return lambda: buffers.put(index, BoundedBuffer(CAPACITY, ops))

    workers: list[ThreadSetup] = []
    for index in range(threads // 2):
        workers += pair_setup(create(index), lambda b: _producer(b, 0, ops), _consumer)
    if threads % 2:
        solo = create(threads // 2)
        workers.append(ThreadSetup(lambda: _solo(solo(), ops)))

    def check() -> None:
        for index, buffer in enumerate(buffers.items):
            if buffer is None:
                raise WorkloadError(f"buffer {index} was never created: its threads never ran")
            buffer.check()

    return Prepared(workers, _count(threads, ops), check)


@workload("condition", "shared", ops_per_thread=OPS, unit="items", count_ops=_count)
def shared(threads: int, ops: int) -> Prepared:
    """ceil(N/2) producers and N // 2 consumers share one Condition-guarded bounded buffer."""
    buffer = BoundedBuffer(CAPACITY, _count(threads, ops))
    if threads == 1:
        return Prepared([_solo(buffer, ops)], ops, buffer.check)
    producers = [_producer(buffer, p * ops, ops) for p in range(_count(threads, 1))]
    consumers = [_consumer(buffer) for _ in range(threads // 2)]
    return Prepared(producers + consumers, _count(threads, ops), buffer.check)


@workload(
    "condition", "notify-duration", ops_per_thread=POLL, unit="notifies", duration=FIXED_DURATION
)
def notify_duration(threads: int, ops: int) -> Prepared:
    """Threads do `with cond: counter += 1; cond.notify()` on one shared Condition, timed."""
    cond = threading.Condition()
    x = [0]
    done = [0] * threads

    def make(index: int) -> Callable[[Stop], int]:
        def work(stop: Stop) -> int:
            counter, notify, count = x, cond.notify, 0
            while not stop.now:
                for _ in range(ops):
                    with cond:
                        counter[0] += 1
                        notify()
                count += ops
            done[index] = count
            return count

        return work

    check = exact_total(done, lambda: x[0], "the counter under the Condition")
    return Prepared([make(i) for i in range(threads)], 0, check)
