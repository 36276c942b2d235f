"""event-loop: cooperative task switching, in a generator-based loop and in asyncio.

The seed chapter (concepts/__init__.py) builds an event loop from generators (tasks
yield, a loop resumes them in turn), then does the same with asyncio. An event loop runs
its tasks in one thread, so the way to use more cores is one loop per thread. In the
``generator-loop``, ``asyncio-tasks`` and ``asyncio-queue`` variants ``threads`` is that
number of loops: each thread runs its own independent loop with the same work, the case
where a free-threaded build can scale and a GIL build cannot. Each thread creates its
own loop (its generator tasks, or its asyncio event loop) in its setup step, before the
Barrier (untimed), so it owns every object of its loop (on a free-threaded build an
object is cheap to reference-count only for its creating thread); only running the loop
is timed.

``asyncio-shared-loop`` is the counterpoint: a single asyncio loop (one extra thread)
serves ``threads`` client threads that hand it callbacks with
``loop.call_soon_threadsafe``, so however many clients there are, one loop thread does
all the work. That loop is shared on purpose: it is created by the preparing (main)
thread and run by the loop thread.

What one operation is, per variant: generator-loop and asyncio-tasks, one task switch
(a task suspends with ``yield`` / ``await asyncio.sleep(0)`` and the loop resumes the
next one); asyncio-queue, one item passed from a producer task to a consumer task
through an ``asyncio.Queue(maxsize=1)`` (a put, a get, and a switch to each task);
asyncio-shared-loop, one callback scheduled from a client thread and run by the loop.
Every task's (or client's) count is checked after the run.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator, Sequence

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload
from benchmarks._setup import Slots

TASKS = 100
"""Tasks per loop in generator-loop and asyncio-tasks."""

GENERATOR_OPS = 150_000
ASYNCIO_OPS = 10_000
QUEUE_OPS = 2_000
SHARED_LOOP_OPS = 2_000


def _shares(ops: int) -> list[int]:
    """Split ``ops`` switches over TASKS tasks as evenly as possible (exact total)."""
    base, extra = divmod(ops, TASKS)
    return [base + (1 if i < extra else 0) for i in range(TASKS)]


def _check_finished(finished: Sequence[list[int] | None], ops: int) -> Callable[[], None]:
    """A check: every loop's TASKS tasks all finished, with ``ops`` switches in all.

    ``finished`` holds each loop's finished-task counts (None: that loop never ran).
    """

    def check() -> None:
        for index, counts in enumerate(finished):
            got = counts or []
            if sorted(got) != sorted(_shares(ops)):
                raise WorkloadError(
                    f"loop {index}: {len(got)} of {TASKS} tasks finished with "
                    f"{sum(got)} of {ops} switches"
                )

    return check


# --- the tutorial's generator loop, without the sleeping -------------------------------


def _generator_task(switches: int, finished: list[int]) -> Iterator[float]:
    """A task: yields its estimated time left (0: always ready) ``switches`` times."""
    for _ in range(switches):
        yield 0.0
    finished.append(switches)


def _run_generator_loop(tasks: list[Iterator[float]]) -> None:
    """Resume each ready task in turn until all are exhausted (round-robin)."""
    ready = deque(tasks)
    while ready:
        task = ready.popleft()
        try:
            next(task)
        except StopIteration:
            continue
        ready.append(task)


@workload("event-loop", "generator-loop", ops_per_thread=GENERATOR_OPS, unit="switches")
def generator_loop(threads: int, ops: int) -> Prepared:
    """The tutorial's loop of generator tasks, round-robin; one loop per thread."""
    finished: Slots[list[int]] = Slots(threads)

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], None]:
            done = finished.put(index, [])
            tasks = [_generator_task(n, done) for n in _shares(ops)]
            return lambda: _run_generator_loop(tasks)

        return ThreadSetup(make)

    return Prepared(
        [setup(i) for i in range(threads)], threads * ops, _check_finished(finished.items, ops)
    )


# --- asyncio, one loop per thread -------------------------------------------------------


def _own_loops(
    threads: int, run: Callable[[asyncio.AbstractEventLoop, int], Callable[[], object]]
) -> tuple[list[ThreadSetup], Callable[[], None]]:
    """One ThreadSetup per thread that creates the thread's own event loop; and a cleanup.

    ``run(loop, index)`` (called in the worker's setup) returns the timed callable. The
    cleanup closes every loop that was created (untimed, after the run).
    """
    loops: Slots[asyncio.AbstractEventLoop] = Slots(threads)

    def setup(index: int) -> ThreadSetup:
        def make() -> Callable[[], object]:
            return run(loops.put(index, asyncio.new_event_loop()), index)

        return ThreadSetup(make)

    def close() -> None:
        for loop in loops.filled():
            loop.close()

    return [setup(i) for i in range(threads)], close


async def _switcher(switches: int, finished: list[int]) -> None:
    for _ in range(switches):
        await asyncio.sleep(0)
    finished.append(switches)


async def _spawn(ops: int, finished: list[int]) -> None:
    await asyncio.gather(*[_switcher(n, finished) for n in _shares(ops)])


@workload("event-loop", "asyncio-tasks", ops_per_thread=ASYNCIO_OPS, unit="switches")
def asyncio_tasks(threads: int, ops: int) -> Prepared:
    """100 asyncio tasks switching with await asyncio.sleep(0); one loop per thread."""
    finished: Slots[list[int]] = Slots(threads)

    def run(loop: asyncio.AbstractEventLoop, index: int) -> Callable[[], None]:
        done = finished.put(index, [])
        return lambda: loop.run_until_complete(_spawn(ops, done))

    workers, close = _own_loops(threads, run)
    return Prepared(workers, threads * ops, _check_finished(finished.items, ops), close)


async def _produce_consume(items: int, received: list[int]) -> None:
    channel: asyncio.Queue[int] = asyncio.Queue(maxsize=1)  # every item forces a switch

    async def produce() -> None:
        for item in range(items):
            await channel.put(item)

    async def consume() -> None:
        for _ in range(items):
            received.append(await channel.get())

    await asyncio.gather(produce(), consume())


@workload("event-loop", "asyncio-queue", ops_per_thread=QUEUE_OPS, unit="items")
def asyncio_queue(threads: int, ops: int) -> Prepared:
    """A producer task feeds a consumer task through asyncio.Queue(1); one loop per thread."""
    received: Slots[list[int]] = Slots(threads)

    def run(loop: asyncio.AbstractEventLoop, index: int) -> Callable[[], None]:
        got = received.put(index, [])
        return lambda: loop.run_until_complete(_produce_consume(ops, got))

    def check() -> None:
        for index, got in enumerate(received.items):
            if got != list(range(ops)):
                count = len(got or [])
                raise WorkloadError(
                    f"loop {index}: consumer got {count} items, want 0..{ops - 1} in order"
                )

    workers, close = _own_loops(threads, run)
    return Prepared(workers, threads * ops, check, close)


# --- one asyncio loop shared by client threads ------------------------------------------


@workload("event-loop", "asyncio-shared-loop", ops_per_thread=SHARED_LOOP_OPS, unit="callbacks")
def asyncio_shared_loop(threads: int, ops: int) -> Prepared:
    """Client threads hand callbacks to one asyncio loop with call_soon_threadsafe."""
    loop = asyncio.new_event_loop()  # shared on purpose: created here, run by one thread
    runs = [0]
    clients_done = [0]

    # Both callbacks run on the loop's thread only: plain counters are safe there.
    def tick() -> None:
        runs[0] += 1

    def client_done() -> None:
        clients_done[0] += 1
        if clients_done[0] == threads:
            loop.stop()  # each client's ticks were queued before its client_done

    def client() -> None:
        call = loop.call_soon_threadsafe
        try:
            for _ in range(ops):
                call(tick)
        finally:
            call(client_done)

    def check() -> None:
        if runs[0] != threads * ops:
            raise WorkloadError(f"loop ran {runs[0]} callbacks, want {threads * ops}")

    return Prepared([loop.run_forever, *[client] * threads], threads * ops, check, loop.close)
