"""The job-queue and event-loop teaching examples, as short plain functions.

Standard library only: these run inside the arm interpreters (python3.13 and
python3.13t), started by ``runners.demo.measure``, and ``python -m runners.demo
--show-code`` prints them as they are. The two increment examples are not here: they
are the race variants ``inline`` (``x[0] += 1``) and ``locked`` of
``concepts.race_variants``, run by ``runners.races.run_trial`` (threads created first,
released together by a Barrier).
"""

from __future__ import annotations

import asyncio
import heapq
import queue
import threading
import time
from collections.abc import Iterator

# -- the job queue -------------------------------------------------------------------


def crunch(job: int, size: int) -> int:
    """One job's work: pure-Python arithmetic, no sleeping and no shared state."""
    total = job
    for i in range(size):
        total += i * i
    return total


def job_queue(jobs: int, workers: int, size: int) -> tuple[list[tuple[int, int]], int, float]:
    """Workers take jobs from one queue.Queue until q.shutdown(); return (done, stopped, s).

    ``done`` holds a (job, result) pair for every job a worker finished, ``stopped`` is
    the number of workers that ended on queue.ShutDown, ``s`` the seconds it all took.
    """
    q: queue.Queue[int] = queue.Queue()
    done: list[tuple[int, int]] = []  # list.append is thread-safe on both builds
    stopped: list[str] = []

    def worker() -> None:
        while True:
            try:
                job = q.get()
            except queue.ShutDown:  # type: ignore[attr-defined]  # shut down and empty
                stopped.append(threading.current_thread().name)
                return
            done.append((job, crunch(job, size)))

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for job in range(jobs):
        q.put(job)
    q.shutdown()  # type: ignore[attr-defined]  # no more jobs: q.get() ends once empty
    for thread in threads:
        thread.join()
    return done, len(stopped), time.perf_counter() - start


# -- the event loops -----------------------------------------------------------------


def step(task: int, n: int) -> int:
    """What a task computes at its n-th step (the same in both loops)."""
    return (task + 1) * n


def generator_task(task: int, steps: int, delay: float, results: dict[int, int]) -> Iterator[float]:
    """A task for the generator loop: compute a step, then yield how long to wait."""
    total = 0
    for n in range(steps):
        total += step(task, n)
        yield delay  # "wake me up in `delay` seconds"
    results[task] = total


def run_generators(tasks: list[Iterator[float]]) -> None:
    """The generator-based event loop: always resume the task whose wait ends first."""
    clock = time.monotonic
    waiting = [(clock(), index, task) for index, task in enumerate(tasks)]
    heapq.heapify(waiting)
    while waiting:
        wake_up, index, task = heapq.heappop(waiting)
        time.sleep(max(0.0, wake_up - clock()))
        try:
            delay = next(task)
        except StopIteration:
            continue  # this task is finished
        heapq.heappush(waiting, (clock() + delay, index, task))


async def asyncio_task(task: int, steps: int, delay: float, results: dict[int, int]) -> None:
    """The same task as a coroutine: asyncio's loop does the waiting."""
    total = 0
    for n in range(steps):
        total += step(task, n)
        await asyncio.sleep(delay)
    results[task] = total


def generator_loop(tasks: int, steps: int, delay: float) -> tuple[dict[int, int], float]:
    """Run ``tasks`` generator tasks in the generator loop; return (results, seconds)."""
    results: dict[int, int] = {}
    start = time.perf_counter()
    run_generators([generator_task(i, steps, delay, results) for i in range(tasks)])
    return results, time.perf_counter() - start


def asyncio_loop(tasks: int, steps: int, delay: float) -> tuple[dict[int, int], float]:
    """Run the same tasks as asyncio coroutines; return (results, seconds)."""
    results: dict[int, int] = {}

    async def main() -> None:
        await asyncio.gather(*(asyncio_task(i, steps, delay, results) for i in range(tasks)))

    start = time.perf_counter()
    asyncio.run(main())
    return results, time.perf_counter() - start
