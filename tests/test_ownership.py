"""Thread-owned state, the ownership family and the fixed-duration variants.

In-process tests (on the test interpreter) check that a ThreadSetup and a pair's setup
run in the worker threads, that the ownership variants and the ``-duration`` variants
run and check, and that their checks can fail. The ``interpreters`` tests run them on
the real arms; on the free-threaded build they read each object's owning thread
(``ob_tid``, the first word of every object there) to prove that an ``-own`` object
belongs to its worker and an ``-other`` one to the preparing thread.
"""

from __future__ import annotations

import json
import queue
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import (
    ThreadSetup,
    Workload,
    WorkloadError,
    all_workloads,
    exact_total,
    pair_setup,
    registry_snapshot,
)
from benchmarks import queue_pipeline as queue_pipeline_mod
from concepts.fairness import FIXED_DURATION
from runners.harness import RECORDS, run_timed, summarize_records, time_workload
from tests.conftest import briefly

REPO = Path(__file__).resolve().parent.parent
TEST_WORKLOADS = str(REPO / "tests" / "workloads_for_tests.py")
BY_NAME = {w.name: w for w in all_workloads()}
OWNERSHIP = [w for w in BY_NAME.values() if w.family == "ownership"]
DURATION = [w for w in BY_NAME.values() if w.duration is not None]


@pytest.fixture
def thread_owned() -> Iterator[Workload]:
    """The test workload that records its setup's thread, registered for this test only."""
    from runners.bench import find_workload

    with registry_snapshot():
        yield find_workload("gilbench-test-thread-owned", [TEST_WORKLOADS])


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_thread_setup_runs_in_the_thread_that_runs_the_work(
    thread_owned: Workload, threads: int
) -> None:
    assert time_workload(thread_owned, threads, 10, loops=2) > 0  # its check compares


def test_thread_setup_check_fails_when_setup_runs_in_the_preparing_thread(
    thread_owned: Workload,
) -> None:
    prepared = thread_owned.prepare(2, 10)
    assert all(isinstance(w, ThreadSetup) for w in prepared.workers)
    timed = [w.make() for w in prepared.workers if isinstance(w, ThreadSetup)]  # here
    run_timed(timed)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="setup ran in threads"):
        prepared.check()


def test_pair_setup_creates_the_shared_state_in_the_first_thread() -> None:
    seen: dict[str, int] = {}

    def create() -> int:
        seen["created"] = threading.get_ident()
        return seen["created"]

    def timed(role: str) -> Callable[[int], Callable[[], None]]:
        def build(state: int) -> Callable[[], None]:
            seen[f"{role}-setup"] = threading.get_ident()
            return lambda: seen.__setitem__(role, threading.get_ident())

        return build

    run_timed(list(pair_setup(create, timed("first"), timed("second"))))
    assert seen["created"] == seen["first-setup"] == seen["first"]
    assert seen["second-setup"] == seen["second"] != seen["first"]
    assert threading.get_ident() not in seen.values()


def test_pair_setup_fails_both_threads_when_the_state_cannot_be_created() -> None:
    def create() -> int:
        raise RuntimeError("cannot create")

    pair = pair_setup(create, lambda s: lambda: None, lambda s: lambda: None)
    with pytest.raises((RuntimeError, WorkloadError)):
        run_timed(list(pair))


# -- ownership ------------------------------------------------------------------------------


def test_ownership_family_holds_own_and_other_of_each_object() -> None:
    assert {w.variant for w in OWNERSHIP} == {
        f"{kind}-{who}" for kind in ("list", "lock", "attr") for who in ("own", "other")
    }
    for w in OWNERSHIP:
        assert w.thread_counts is None and w.duration is None
        assert w.description.endswith(
            "the thread itself." if w.variant.endswith("-own") else "the main thread."
        )


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("w", OWNERSHIP, ids=lambda w: w.name)
def test_ownership_variant_runs_and_checks(w: Workload, threads: int) -> None:
    prepared = w.prepare(threads, 500)
    assert all(isinstance(worker, ThreadSetup) for worker in prepared.workers)
    run_timed(prepared.workers)
    assert prepared.check is not None
    prepared.check()
    assert time_workload(w, threads, 500, loops=1) > 0


@pytest.mark.parametrize("w", OWNERSHIP, ids=lambda w: w.name)
def test_ownership_check_fails_when_a_thread_did_not_run(w: Workload) -> None:
    prepared = w.prepare(2, 500)
    run_timed(prepared.workers[:1])
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match=r"\[500, 0\]"):
        prepared.check()


# -- fixed-duration variants ----------------------------------------------------------------


def test_duration_variants_are_the_contended_ones() -> None:
    assert {w.name for w in DURATION} == {
        "locked-increment-lock-fine-duration",
        "semaphore-k1-duration",
        "queue-pipeline-shared-duration",
        "condition-notify-duration",
    }
    for w in DURATION:
        assert w.mode == "duration" and w.duration == FIXED_DURATION


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("w", DURATION, ids=lambda w: w.name)
def test_duration_variant_counts_per_thread_and_checks_the_sum(w: Workload, threads: int) -> None:
    prepared = w.prepare(threads, w.ops_per_thread)
    assert len(prepared.workers) == threads
    span = run_timed(prepared.workers, 0.02)
    record = RECORDS[-1]
    assert record.ops is not None and len(record.ops) == threads
    # A thread may be starved for the whole run (that is what fairness_jain measures):
    # only the total must be positive.
    assert sum(record.ops) > 0 and all(ops % w.ops_per_thread == 0 for ops in record.ops)
    assert span is not None and record.span >= 0.02
    assert prepared.check is not None
    prepared.check()  # the shared state agrees with the sum of the per-thread counts
    summary = summarize_records([record])
    assert ("fairness_jain" in summary) is (threads >= 2)
    if threads >= 2:
        assert 1 / threads <= summary["fairness_jain"] <= 1.0
    assert time_workload(briefly(w), threads, w.ops_per_thread, loops=1) > 0


def test_exact_total_check() -> None:
    exact_total([3, 4], lambda: 7, "counter")()
    with pytest.raises(WorkloadError, match="counter is 6, the threads counted 7"):
        exact_total([3, 4], lambda: 6, "counter")()
    with pytest.raises(WorkloadError, match="no thread did any operation"):
        exact_total([0, 0], lambda: 0, "counter")()


@pytest.mark.parametrize("w", DURATION, ids=lambda w: w.name)
def test_duration_check_fails_when_no_thread_worked(w: Workload) -> None:
    prepared = w.prepare(2, w.ops_per_thread)
    run_timed([lambda stop: 0] * 2, 0.01)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="no thread"):
        prepared.check()


def test_shared_queue_check_fails_when_an_item_comes_back_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Corrupting(queue.Queue):  # type: ignore[type-arg]
        def get(self, block: bool = True, timeout: float | None = None) -> Any:
            return super().get(block, timeout) + 1

    monkeypatch.setattr(queue_pipeline_mod.queue, "Queue", Corrupting)
    prepared = BY_NAME["queue-pipeline-shared-duration"].prepare(2, 10)
    run_timed(prepared.workers, 0.01)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="want equal sums"):
        prepared.check()


# -- on the real arms -----------------------------------------------------------------------

ARM_SCRIPT = textwrap.dedent(
    """
    import ctypes, json, platform, sys, threading
    from benchmarks import all_workloads
    from benchmarks import ownership
    from runners.bench.worker import find_workload
    from runners.harness import RECORDS, run_timed, summarize_records, time_workload

    report = {"gil": getattr(sys, "_is_gil_enabled", lambda: True)()}
    owned = find_workload("gilbench-test-thread-owned", [TEST_WORKLOADS])
    for threads in (1, 2, 4):
        assert time_workload(owned, threads, 10, 2) > 0
    report["thread_owned"] = "ok"

    report["ownership"] = {}
    for w in all_workloads():
        if w.family == "ownership":
            for threads in (1, 2):
                assert time_workload(w, threads, 2000, 1) > 0, w.name
            report["ownership"][w.name] = "ok"

    report["duration"] = {}
    for w in all_workloads():
        if w.duration is None:
            continue
        prepared = w.prepare(2, w.ops_per_thread)
        run_timed(prepared.workers, 0.02)
        prepared.check()
        ops = list(RECORDS[-1].ops)
        summary = summarize_records(RECORDS[-1:])
        assert time_workload(w, 2, w.ops_per_thread, 1) > 0
        report["duration"][w.name] = {"ops": ops, "fairness_jain": summary["fairness_jain"]}

    # Who owns each object (free-threaded build on x86-64 Linux: ob_tid is the first word
    # of every object and equals threading.get_ident() of the creating thread).
    def ob_tid(obj):
        return ctypes.c_uint64.from_address(id(obj)).value

    probe = []
    tid_readable = (
        not report["gil"] and platform.machine() == "x86_64" and sys.platform == "linux"
        and ob_tid(probe) == threading.get_ident()
    )
    report["owners"] = {}
    if tid_readable:
        main = threading.get_ident()
        for kind, (create, loop, *_rest) in ownership._OBJECTS.items():
            for own in (True, False):
                seen = []

                def spying(held, ops, loop=loop, seen=seen):
                    seen.append((threading.get_ident(), ob_tid(held.item)))
                    return loop(held, ops)

                prepared = ownership._prepare(2, 100, create, spying, own=own)
                run_timed(prepared.workers)
                prepared.check()
                owners = [
                    "worker" if tid == worker else "main" if tid == main else "other"
                    for worker, tid in seen
                ]
                report["owners"][f"{kind}-{'own' if own else 'other'}"] = owners
    print(json.dumps(report))
    """
)


@pytest.mark.interpreters
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("arm", ["gil", "ft"])
def test_ownership_and_duration_on_real_arm(arm: str, arm_python: Callable[[str], Any]) -> None:
    script = f"TEST_WORKLOADS = {TEST_WORKLOADS!r}\n" + ARM_SCRIPT
    proc = arm_python(arm).run("-c", script, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["gil"] is (arm == "gil")
    assert report["thread_owned"] == "ok"
    assert set(report["ownership"]) == {w.name for w in OWNERSHIP}
    assert set(report["duration"]) == {w.name for w in DURATION}
    for name, got in report["duration"].items():
        assert len(got["ops"]) == 2 and sum(got["ops"]) > 0, name  # a starved thread is data
        assert 0.5 <= got["fairness_jain"] <= 1.0, name
    if arm == "ft":
        assert report["owners"] == {
            f"{kind}-{who}": ["worker" if who == "own" else "main"] * 2
            for kind in ("list", "lock", "attr")
            for who in ("own", "other")
        }
