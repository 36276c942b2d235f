"""queue-pipeline: producer -> worker stage -> consumer through the ``queue`` module.

The queue use case of the seed chapter (concepts/__init__.py): one thread hands work to
a pool of workers through a thread-safe queue, and results come back through a second
queue. Every item goes
through two ``put`` and two ``get`` calls, so this measures the queues' own locking and
thread hand-off (``Queue``, ``LifoQueue`` and ``PriorityQueue`` are Python classes on a
Condition; ``SimpleQueue`` is a C type with no task tracking).

``threads`` is the number of worker threads in the middle stage; the producer and the
consumer are two more threads, so a run has threads + 2 threads (on 2 cores, even
threads = 1 oversubscribes the machine). The queues are unbounded, so a stage never
blocks on a full queue and the pipeline cannot deadlock on back-pressure.

Shutdown is clean: with ``Queue.shutdown`` (Python 3.13+) the producer shuts the input
queue once it has put every item and the last worker to finish shuts the output queue;
``SimpleQueue`` (and every queue before 3.13) uses sentinels instead, one per worker
(not counted as items). A LIFO queue hands out the newest entry first, so with
sentinels its producer waits (``join``) for every item to be taken before it puts them.

Who creates what: both queues are shared by the pipeline's threads on purpose and
created by the preparing (main) thread; the consumer's list of received items is
created there too and appended to by the consumer only.

One operation is one item carried from the producer to the consumer; ``ops`` is items
per worker thread (threads * ops items in all). The consumer's items are checked: every
item must arrive exactly once, otherwise the run fails.

Fixed-duration mode: ``shared-duration`` has no pipeline stages: every one of the
``threads`` threads does ``q.put(item); q.get()`` on one shared ``queue.Queue`` (created
by the preparing thread) for a fixed time, counting its own round trips. A thread puts
before it gets, so the queue is never empty when a thread gets from it and no thread
can wait forever; which item a thread gets back may be another thread's. Each thread
sums what it put and what it got: over all threads the two sums must be equal, the
queue empty, and the queue's own count of puts (``unfinished_tasks``: nobody calls
``task_done``) exactly the sum of the per-thread counts. A thread the queue's
lock starves shows as a low Jain's fairness index in the run metadata (as CPython's
``Tools/lockbench`` reports for ``PyMutex`` at the C level).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import Any

from benchmarks._duration import POLL
from benchmarks._registry import Prepared, Stop, WorkloadError, workload
from concepts.fairness import FIXED_DURATION

OPS = 5_000
SIMPLE_OPS = 50_000
"""SimpleQueue is about ten times faster per item: more items keep its run as long."""

HAS_SHUTDOWN = hasattr(queue.Queue, "shutdown")
"""Queue.shutdown and queue.ShutDown exist (Python 3.13+)."""


class _NeverRaised(Exception):
    """Stands in for queue.ShutDown before 3.13 (that code path is never taken there)."""


ShutDown: type[Exception] = getattr(queue, "ShutDown", _NeverRaised)

STOP = sys.maxsize
"""Sentinel: an int above every item, so a PriorityQueue hands it out after the items."""

AnyQueue = Any  # Queue, LifoQueue, PriorityQueue or SimpleQueue (no common base class)


def _transform(item: int) -> int:
    """The worker stage's work on an item: kept tiny, the queues are what is measured."""
    return item + 1


def _pipeline(threads: int, ops: int, make_queue: Callable[[], AnyQueue]) -> Prepared:
    items = threads * ops
    q_in, q_out = make_queue(), make_queue()
    received: list[int] = []
    shutdown = HAS_SHUTDOWN and hasattr(q_in, "shutdown")
    # A LIFO queue would hand the sentinels out before the items still under them.
    join_first = not shutdown and isinstance(q_in, queue.LifoQueue)
    finished = [0]
    finished_lock = threading.Lock()

    # Each stage signals the end in a finally: a failing stage ends the run, not hangs it.
    def produce() -> None:
        put = q_in.put
        try:
            for item in range(items):
                put(item)
            if join_first:
                q_in.join()
        finally:
            if shutdown:
                q_in.shutdown()
            else:
                for _ in range(threads):
                    put(STOP)

    def work_until_shutdown() -> None:
        get, put = q_in.get, q_out.put
        try:
            while True:
                put(_transform(get()))
        except ShutDown:
            pass
        finally:
            with finished_lock:  # once per worker: the last one out closes the output
                finished[0] += 1
                if finished[0] == threads:
                    q_out.shutdown()

    def work_until_sentinel() -> None:
        get, put = q_in.get, q_out.put
        done = q_in.task_done if join_first else None
        try:
            while (item := get()) != STOP:
                put(_transform(item))
                if done is not None:
                    done()
        finally:
            put(STOP)

    def consume_until_shutdown() -> None:
        get, keep = q_out.get, received.append
        try:
            while True:
                keep(get())
        except ShutDown:
            pass

    def consume_until_sentinels() -> None:
        get, keep = q_out.get, received.append
        stops = 0
        while stops < threads:
            item = get()
            if item == STOP:
                stops += 1
            else:
                keep(item)
        # Every worker put its items before its sentinel, but a LIFO or priority queue
        # may still hold some under the last sentinel: drain them.
        while True:
            try:
                keep(q_out.get_nowait())
            except queue.Empty:
                break

    def check() -> None:
        if len(received) != items or sorted(received) != list(range(1, items + 1)):
            missing = items - len(set(received) & set(range(1, items + 1)))
            raise WorkloadError(
                f"consumer got {len(received)} items, want {items} each exactly once "
                f"({missing} missing)"
            )

    worker = work_until_shutdown if shutdown else work_until_sentinel
    consumer = consume_until_shutdown if shutdown else consume_until_sentinels
    return Prepared([produce, *[worker] * threads, consumer], items, check)


@workload("queue-pipeline", "queue", ops_per_thread=OPS, unit="items")
def fifo(threads: int, ops: int) -> Prepared:
    """Producer -> workers -> consumer through two queue.Queue (FIFO, Condition-based)."""
    return _pipeline(threads, ops, queue.Queue)


@workload("queue-pipeline", "simple-queue", ops_per_thread=SIMPLE_OPS, unit="items")
def simple(threads: int, ops: int) -> Prepared:
    """Producer -> workers -> consumer through two queue.SimpleQueue (C, sentinels)."""
    return _pipeline(threads, ops, queue.SimpleQueue)


@workload("queue-pipeline", "lifo-queue", ops_per_thread=OPS, unit="items")
def lifo(threads: int, ops: int) -> Prepared:
    """Producer -> workers -> consumer through two queue.LifoQueue (newest item first)."""
    return _pipeline(threads, ops, queue.LifoQueue)


@workload("queue-pipeline", "priority-queue", ops_per_thread=OPS, unit="items")
def priority(threads: int, ops: int) -> Prepared:
    """Producer -> workers -> consumer through two queue.PriorityQueue (a heap)."""
    return _pipeline(threads, ops, queue.PriorityQueue)


@workload(
    "queue-pipeline", "shared-duration", ops_per_thread=POLL, unit="items", duration=FIXED_DURATION
)
def shared_duration(threads: int, ops: int) -> Prepared:
    """Every thread does q.put(item); q.get() on one shared queue.Queue, for a fixed time."""
    q: queue.Queue[int] = queue.Queue()
    # Per thread: [round trips, sum of items put, sum of items got], written once at the end.
    tallies = [[0, 0, 0] for _ in range(threads)]

    def make(index: int) -> Callable[[Stop], int]:
        def work(stop: Stop) -> int:
            put, get = q.put, q.get
            count = put_sum = got_sum = 0
            while not stop.now:
                for item in range(count, count + ops):
                    put(item)
                    got_sum += get()
                    put_sum += item
                count += ops
            tallies[index][:] = [count, put_sum, got_sum]
            return count

        return work

    def check() -> None:
        count, put_sum, got_sum = (sum(column) for column in zip(*tallies, strict=True))
        if count == 0:
            raise WorkloadError("no thread did any operation")
        if put_sum != got_sum or not q.empty():
            raise WorkloadError(
                f"items put sum to {put_sum}, items got to {got_sum}, "
                f"{q.qsize()} left in the queue: want equal sums and an empty queue"
            )
        if q.unfinished_tasks != count:
            raise WorkloadError(f"the queue took {q.unfinished_tasks} puts, threads {count}")

    return Prepared([make(i) for i in range(threads)], 0, check)
