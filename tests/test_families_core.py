"""The core families: every workload runs and checks, and every check can fail.

In-process tests run each workload of increment, locked-increment, semaphore,
queue-pipeline, event-loop and cpu-control with reduced ops at 1 and 2 threads on the
test interpreter, then break each result on purpose and expect WorkloadError. The
``interpreters`` tests run the same workloads through runners.harness.time_workload on
the real arms (python3.13, python3.13t with and without the GIL), which also exercises
the Queue.shutdown path (3.13+) that an older test interpreter cannot.
"""

from __future__ import annotations

import os
import queue
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks import (
    Prepared,
    Workload,
    WorkloadError,
    all_workloads,
    event_loop,
    locked_increment,
    queue_pipeline,
    semaphore,
)
from runners.harness import RECORDS, run_timed, time_workload
from tests.conftest import briefly

FAMILIES = (
    "increment",
    "locked-increment",
    "semaphore",
    "queue-pipeline",
    "event-loop",
    "cpu-control",
)
MODULES = {
    "benchmarks.increment",
    "benchmarks.locked_increment",
    "benchmarks.semaphore",
    "benchmarks.queue_pipeline",
    "benchmarks.event_loop",
    "benchmarks.cpu_control",
}


def core_workloads() -> list[Workload]:
    """The workloads defined in the core families' modules (not variants others register)."""
    return [w for w in all_workloads() if w.prepare.__module__ in MODULES]


CORE = core_workloads()


def small_ops(w: Workload) -> int:
    """A reduced ops value: a few ms per run instead of tens."""
    return max(10, w.ops_per_thread // 50)


def extra_threads(w: Workload) -> int:
    """Threads a run uses beyond ``threads`` (pipeline ends, a shared loop's own thread)."""
    if w.family == "queue-pipeline" and w.duration is None:
        return 2
    if w.name == "event-loop-asyncio-shared-loop":
        return 1
    return 0


def test_registry_holds_every_core_variant() -> None:
    names = {w.name for w in CORE}
    assert names == {
        "increment-shared-list",
        "increment-per-thread",
        "locked-increment-lock-fine",
        "locked-increment-lock-coarse",
        "locked-increment-rlock-fine",
        "locked-increment-rlock-coarse",
        "locked-increment-lock-fine-duration",
        "semaphore-k1",
        "semaphore-k-cores",
        "semaphore-bounded-k-cores",
        "semaphore-unlocked",
        "semaphore-k1-duration",
        "queue-pipeline-queue",
        "queue-pipeline-simple-queue",
        "queue-pipeline-lifo-queue",
        "queue-pipeline-priority-queue",
        "queue-pipeline-shared-duration",
        "event-loop-generator-loop",
        "event-loop-asyncio-tasks",
        "event-loop-asyncio-queue",
        "event-loop-asyncio-shared-loop",
        "cpu-control-sum-squares",
    }
    for w in CORE:
        assert w.family in FAMILIES
        assert w.description and w.unit != "ops", w.name
        assert w.thread_counts is None, f"{w.name} must run at every thread count"


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("w", CORE, ids=lambda w: w.name)
def test_workload_runs_and_checks(w: Workload, threads: int) -> None:
    w = briefly(w)
    ops = small_ops(w)
    prepared = w.prepare(threads, ops)
    try:
        if w.duration is None:
            assert prepared.total_ops == w.count_ops(threads, ops) == threads * ops
        assert len(prepared.workers) == threads + extra_threads(w)
        run_timed(prepared.workers, w.duration)
        assert RECORDS[-1].span > 0
        assert prepared.check is not None, f"{w.name} has no result check"
        prepared.check()
    finally:
        if prepared.cleanup is not None:
            prepared.cleanup()
    # And through the harness's pyperf time function, two fresh runs.
    assert time_workload(w, threads, ops, loops=2) > 0


@pytest.mark.parametrize("ops", [1, 99, 250, 1234])
def test_uneven_ops_are_exact(ops: int) -> None:
    """Batches, task shares and item counts that do not divide evenly still add up."""
    for name in (
        "locked-increment-lock-coarse",
        "locked-increment-rlock-coarse",
        "event-loop-generator-loop",
        "event-loop-asyncio-tasks",
    ):
        w = next(w for w in CORE if w.name == name)
        assert time_workload(w, 2, ops, loops=1) > 0


# --- every check can fail ----------------------------------------------------------------

PER_THREAD_WORKERS = [
    w
    for w in CORE
    if extra_threads(w) == 0 and w.name != "increment-shared-list" and w.duration is None
]


@pytest.mark.parametrize("w", PER_THREAD_WORKERS, ids=lambda w: w.name)
def test_check_fails_when_a_thread_s_work_is_missing(w: Workload) -> None:
    """Run one of two threads' workers: the result is short and the check must say so."""
    prepared = w.prepare(2, small_ops(w))
    try:
        run_timed(prepared.workers[:1])
        assert prepared.check is not None
        with pytest.raises(WorkloadError):
            prepared.check()
    finally:
        if prepared.cleanup is not None:
            prepared.cleanup()


@pytest.mark.parametrize("threads", [1, 2])
def test_shared_list_check_rejects_extra_updates(threads: int) -> None:
    w = next(w for w in CORE if w.name == "increment-shared-list")
    prepared = w.prepare(threads, 100)
    run_timed([*prepared.workers, prepared.workers[0]])  # one thread's work twice
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="outside"):
        prepared.check()


def test_shared_list_check_rejects_a_loss_with_one_thread() -> None:
    w = next(w for w in CORE if w.name == "increment-shared-list")
    prepared = w.prepare(1, 100)
    assert prepared.check is not None
    with pytest.raises(WorkloadError):
        prepared.check()  # nothing ran: 0 of 100, and one thread cannot race


def test_locked_check_catches_lost_updates() -> None:
    with pytest.raises(WorkloadError, match="lost updates"):
        locked_increment._exact([99], 100)()
    locked_increment._exact([100], 100)()


@pytest.mark.parametrize("make", [semaphore.k1, semaphore.k_cores, semaphore.bounded_k_cores])
def test_semaphore_detects_more_holders_than_tokens(
    make: Callable[[int, int], Prepared], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no free token in the pool, a holder must fail the run (more than k inside)."""
    monkeypatch.setattr(semaphore, "_token_pool", lambda k: [])
    prepared = make(2, 50)
    with pytest.raises(WorkloadError, match="more than k"):
        run_timed(prepared.workers)


def test_semaphore_k_is_the_usable_core_count() -> None:
    want = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert semaphore.usable_cores() == want


QUEUE_CLASSES = [queue.Queue, queue.SimpleQueue, queue.LifoQueue, queue.PriorityQueue]


def _dropping(base: type) -> type:
    """A queue class that silently loses item 7 (or duplicates item 9)."""

    class Broken(base):  # type: ignore[misc, valid-type]
        def put(self, item: int, block: bool = True, timeout: float | None = None) -> None:
            if item == 7:
                return
            super().put(item, block, timeout)
            if item == 9:
                super().put(item, block, timeout)

    return Broken


@pytest.mark.parametrize("sentinels", [False, True], ids=["native", "sentinels"])
@pytest.mark.parametrize("base", QUEUE_CLASSES, ids=lambda c: c.__name__)
def test_pipeline_check_fails_on_lost_or_duplicate_items(
    base: type, sentinels: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sentinels:
        monkeypatch.setattr(queue_pipeline, "HAS_SHUTDOWN", False)
    prepared = queue_pipeline._pipeline(2, 50, _dropping(base))
    run_timed(prepared.workers)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="exactly once"):
        prepared.check()


@pytest.mark.parametrize("sentinels", [False, True], ids=["native", "sentinels"])
@pytest.mark.parametrize("base", QUEUE_CLASSES, ids=lambda c: c.__name__)
def test_pipeline_ends_cleanly_when_the_producer_fails(
    base: type, sentinels: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing stage still shuts the pipeline down: an error, not a hang."""
    if sentinels:
        monkeypatch.setattr(queue_pipeline, "HAS_SHUTDOWN", False)

    class Failing(base):  # type: ignore[misc, valid-type]
        def put(self, item: int, block: bool = True, timeout: float | None = None) -> None:
            if item == 20:
                raise RuntimeError("producer failed")
            super().put(item, block, timeout)

    prepared = queue_pipeline._pipeline(2, 50, Failing)
    with pytest.raises(RuntimeError, match="producer failed"):
        run_timed(prepared.workers)


def test_shared_loop_check_fails_when_callbacks_never_run() -> None:
    prepared = event_loop.asyncio_shared_loop(2, 20)
    try:
        run_timed(prepared.workers[1:])  # the clients only: the loop never runs
        assert prepared.check is not None
        with pytest.raises(WorkloadError, match="callbacks"):
            prepared.check()
    finally:
        assert prepared.cleanup is not None
        prepared.cleanup()


def test_event_loop_check_fails_on_an_unfinished_task() -> None:
    finished = [sorted(event_loop._shares(250))[1:]]  # one task never finished
    with pytest.raises(WorkloadError, match="99 of 100 tasks"):
        event_loop._check_finished(finished, 250)()


# --- on the real arms ----------------------------------------------------------------------

ARM_SCRIPT = textwrap.dedent(
    """
    import queue, sys
    from benchmarks import WorkloadError, all_workloads
    from benchmarks import queue_pipeline
    from runners.harness import run_timed, time_workload

    MODULES = {modules!r}
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    ran = 0
    for sentinels in (False, True):
        queue_pipeline.HAS_SHUTDOWN = not sentinels and hasattr(queue.Queue, "shutdown")
        for w in all_workloads():
            if w.prepare.__module__ not in MODULES:
                continue
            if sentinels and w.family != "queue-pipeline":
                continue
            for threads in (1, 2):
                ops = max(10, w.ops_per_thread // 50)
                assert time_workload(w, threads, ops, 2) > 0, w.name
                ran += 1

        class Dropping(queue.Queue):
            def put(self, item, block=True, timeout=None):
                if item != 7:
                    super().put(item, block, timeout)

        prepared = queue_pipeline._pipeline(2, 50, Dropping)
        run_timed(prepared.workers)
        try:
            prepared.check()
        except WorkloadError:
            pass
        else:
            raise SystemExit("a lost item went unnoticed")
    print("OK", ran, "gil" if gil else "nogil", getattr(queue.Queue, "shutdown", None) is not None)
    """
)


@pytest.mark.interpreters
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("arm", ["gil", "ft", "ft-gil"])
def test_core_families_on_real_arm(arm: str, arm_python: Callable[[str], Any]) -> None:
    proc = arm_python(arm).run("-c", ARM_SCRIPT.format(modules=MODULES), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    want_gil = "nogil" if arm == "ft" else "gil"
    runs = 2 * len(CORE) + 2 * len([w for w in CORE if w.family == "queue-pipeline"])
    assert proc.stdout.split() == ["OK", str(runs), want_gil, "True"], proc.stdout
