"""The further families: every workload runs and checks, and every check can fail.

In-process tests run each workload of rlock, barrier, event, condition, thread-local and
executor with reduced ops at 1, 2 and 4 threads on the test interpreter, then break
results on purpose and expect WorkloadError. The ``interpreters`` tests run the same
workloads through runners.harness.time_workload on the real arms (python3.13, and
python3.13t without and with the GIL), check the thread-context metadata there, and
start a process pool from a main module run with ``-m`` (as pyperf runs
runners.bench.worker).
"""

from __future__ import annotations

import json
import sys
import textwrap
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks import Workload, WorkloadError, all_workloads
from benchmarks import barrier as barrier_mod
from benchmarks import condition as condition_mod
from benchmarks import event as event_mod
from benchmarks import executor as executor_mod
from benchmarks import thread_local as thread_local_mod
from runners.harness import RECORDS, run_timed, time_workload
from tests.conftest import briefly

FAMILIES = ("rlock", "barrier", "event", "condition", "thread-local", "executor")
MORE = [w for w in all_workloads() if w.family in FAMILIES]
RUNNABLE = [w for w in MORE if w.skip_reason() is None]
BY_NAME = {w.name: w for w in MORE}


def small_ops(w: Workload) -> int:
    """A reduced ops value: a run of a few ms (a single job per worker for executors)."""
    return max(1, w.ops_per_thread // 50) if w.family != "executor" else 1


def expected_threads(w: Workload, threads: int) -> int:
    """Callables in Prepared.workers: one per thread, but one submitter for the pools."""
    return 1 if w.family == "executor" else threads


def test_registry_holds_every_variant() -> None:
    assert {w.name for w in MORE} == {
        "rlock-rlock-nested-shared",
        "rlock-rlock-nested-per-thread",
        "rlock-lock-shared",
        "rlock-lock-per-thread",
        "barrier-shared",
        "barrier-per-thread",
        "event-ping-pong",
        "event-broadcast",
        "condition-pairs",
        "condition-shared",
        "condition-notify-duration",
        "thread-local-local-attr",
        "thread-local-contextvar",
        "thread-local-shared-attr",
        "thread-local-shared-read",
        "executor-thread-pool",
        "executor-process-pool",
        "executor-interpreter-pool",
    }
    for w in MORE:
        assert w.description and w.unit != "ops", w.name
        assert w.thread_counts is None, f"{w.name} must run at every thread count"
        module = sys.modules[w.prepare.__module__]
        assert module.__doc__ and module.__doc__.split(":")[0] == w.family, w.name


@pytest.mark.timeout(120)
@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("w", RUNNABLE, ids=lambda w: w.name)
def test_workload_runs_and_checks(w: Workload, threads: int) -> None:
    w = briefly(w)
    ops = small_ops(w)
    prepared = w.prepare(threads, ops)
    try:
        if w.duration is None:
            assert prepared.total_ops == w.count_ops(threads, ops)
        assert len(prepared.workers) == expected_threads(w, threads)
        run_timed(prepared.workers, w.duration)
        assert RECORDS[-1].span > 0
        assert prepared.check is not None, f"{w.name} has no result check"
        prepared.check()
    finally:
        if prepared.cleanup is not None:
            prepared.cleanup()
    # And through the harness's pyperf time function, two fresh runs.
    assert time_workload(w, threads, ops, loops=2) > 0


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("barrier-shared", {1: 10, 2: 10, 3: 10, 4: 10}),  # phases, whatever the threads
        ("barrier-per-thread", {1: 10, 2: 20, 3: 30, 4: 40}),
        ("event-ping-pong", {1: 10, 2: 10, 3: 20, 4: 20}),  # pairs, plus a solo if odd
        ("event-broadcast", {1: 10, 2: 10, 3: 10, 4: 10}),  # rounds
        ("condition-pairs", {1: 10, 2: 10, 3: 20, 4: 20}),  # items: ceil(N/2) streams
        ("condition-shared", {1: 10, 2: 10, 3: 20, 4: 20}),
        ("executor-thread-pool", {1: 10, 2: 20, 3: 30, 4: 40}),  # jobs: ops per worker
    ],
)
def test_operation_counts(name: str, counts: dict[int, int]) -> None:
    """What an operation is, per thread count, including odd counts."""
    w = BY_NAME[name]
    for threads, want in counts.items():
        assert w.count_ops(threads, 10) == want, threads
    if name != "executor-thread-pool":
        assert time_workload(w, 3, 10, loops=1) > 0


def test_executor_workers_is_one_submitter_and_pools_are_warm() -> None:
    """threads = max_workers: all workers exist before the timed region starts."""
    prepared = BY_NAME["executor-thread-pool"].prepare(3, 1)
    try:
        pool = _closure_value(prepared.cleanup, ThreadPoolExecutor)
        assert pool._max_workers == 3
        assert len(pool._threads) == 3
        assert len(prepared.workers) == 1
    finally:
        assert prepared.cleanup is not None
        prepared.cleanup()
    assert pool._shutdown


def _closure_value(function: object, kind: type) -> Any:
    """The one variable of type ``kind`` that ``function`` closes over."""
    cells = getattr(function, "__closure__", None) or ()
    (value,) = [c.cell_contents for c in cells if isinstance(c.cell_contents, kind)]
    return value


def test_interpreter_pool_skips_exactly_when_missing() -> None:
    w = BY_NAME["executor-interpreter-pool"]
    import concurrent.futures

    if hasattr(concurrent.futures, "InterpreterPoolExecutor"):
        assert w.skip_reason() is None
        assert time_workload(w, 2, 1, loops=1) > 0
    else:
        assert w.skip_reason() == "InterpreterPoolExecutor needs Python 3.14+"


def test_context_metadata_matches_this_interpreter() -> None:
    meta = thread_local_mod.context_metadata()
    flag = getattr(sys.flags, "thread_inherit_context", None)
    assert meta["thread_inherit_context_flag"] == ("absent" if flag is None else int(flag))
    assert meta["thread_inherit_context"] is bool(flag)
    assert all(isinstance(value, str | int | bool) for value in meta.values())


# --- every check can fail ----------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("w", RUNNABLE, ids=lambda w: w.name)
def test_check_fails_when_the_work_is_not_done(w: Workload, threads: int) -> None:
    """Workers that return at once leave every result short: the check must say so."""
    prepared = w.prepare(threads, small_ops(w))
    try:
        run_timed([lambda: None] * len(prepared.workers))
        assert prepared.check is not None
        with pytest.raises(WorkloadError):
            prepared.check()
    finally:
        if prepared.cleanup is not None:
            prepared.cleanup()


@pytest.mark.parametrize(
    "name", ["rlock-rlock-nested-shared", "rlock-lock-shared", "thread-local-shared-attr"]
)
def test_check_fails_on_more_updates_than_were_made(name: str) -> None:
    """One thread's work done twice: more increments than the run made is a bug too."""
    prepared = BY_NAME[name].prepare(1, 50)
    run_timed([*prepared.workers, prepared.workers[0]])
    assert prepared.check is not None
    with pytest.raises(WorkloadError):
        prepared.check()


def test_rlock_per_thread_check_fails_when_one_thread_is_missing() -> None:
    prepared = BY_NAME["rlock-rlock-nested-per-thread"].prepare(2, 50)
    run_timed(prepared.workers[:1])
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="want 50"):
        prepared.check()


def test_barrier_check_fails_when_a_thread_passes_no_phase() -> None:
    prepared = BY_NAME["barrier-per-thread"].prepare(2, 20)
    run_timed(prepared.workers[:1])  # one barrier's phases only
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match=r"passed \[20, 0\]"):
        prepared.check()


@pytest.mark.parametrize("name", ["barrier-shared", "barrier-per-thread"])
def test_barrier_check_fails_when_no_thread_leads_a_phase(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Barrier.wait gives index 0 to exactly one thread per phase; a broken one is caught."""

    class NoLeader(threading.Barrier):
        def wait(self, timeout: float | None = None) -> int:
            return super().wait(timeout) + 1

    monkeypatch.setattr(barrier_mod, "threading", SimpleNamespace(Barrier=NoLeader))
    prepared = BY_NAME[name].prepare(2, 20)
    run_timed(prepared.workers)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="phases led"):
        prepared.check()


def test_barrier_failure_breaks_the_barrier_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread that fails mid-run aborts the Barrier: the others error out, no deadlock."""

    class Failing(threading.Barrier):
        calls = 0

        def wait(self, timeout: float | None = None) -> int:
            Failing.calls += 1
            if Failing.calls == 7:
                raise RuntimeError("worker failed")
            return int(super().wait(timeout))

    monkeypatch.setattr(barrier_mod, "threading", SimpleNamespace(Barrier=Failing))
    prepared = BY_NAME["barrier-shared"].prepare(2, 50)
    with pytest.raises((RuntimeError, threading.BrokenBarrierError)):
        run_timed(prepared.workers)


class _NoWaitEvent(threading.Event):
    """A broken Event whose wait returns at once: hand-offs lose their ordering."""

    def wait(self, timeout: float | None = None) -> bool:
        return True


@pytest.mark.parametrize("name", ["event-ping-pong", "event-broadcast"])
def test_event_check_fails_when_wakeups_are_not_waited_for(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a wait that does not wait, tokens / round numbers are seen out of order."""
    monkeypatch.setattr(event_mod, "threading", SimpleNamespace(Event=_NoWaitEvent))
    prepared = BY_NAME[name].prepare(2, 2000)
    run_timed(prepared.workers)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="in order"):
        prepared.check()


def test_ping_pong_check_names_the_short_pair() -> None:
    prepared = BY_NAME["event-ping-pong"].prepare(3, 20)
    run_timed(prepared.workers[2:])  # only the solo thread of the odd count ran
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match=r"\[0, 20\]"):
        prepared.check()


@pytest.mark.parametrize(
    ("consumed", "ok"),
    [
        ([[0, 1], [2, 3]], True),
        ([[3, 2, 1, 0]], True),
        ([[0, 1, 2]], False),  # one missing
        ([[0, 1, 1, 2]], False),  # a duplicate instead of 3
        ([[0, 1, 2, 3, 3]], False),  # a duplicate on top
        ([[0, 1, 2, None]], False),  # a get that returned nothing
        ([[0, 1, 2, 4]], False),  # an item nobody produced
    ],
)
def test_bounded_buffer_check_wants_each_item_exactly_once(
    consumed: list[list[int | None]], ok: bool
) -> None:
    buffer = condition_mod.BoundedBuffer(4, 4)
    buffer.consumed = consumed
    if ok:
        buffer.check()
    else:
        with pytest.raises(WorkloadError, match="exactly once"):
            buffer.check()


def test_condition_check_fails_when_an_item_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A buffer that drops item 7 on put: the consumers stop short, the check fails."""
    real_put = condition_mod.BoundedBuffer.put

    def dropping_put(self: condition_mod.BoundedBuffer, item: int) -> None:
        if item == 7:
            self.total -= 1  # so that consumers still finish instead of waiting forever
            return
        real_put(self, item)

    monkeypatch.setattr(condition_mod.BoundedBuffer, "put", dropping_put)
    for name in ("condition-pairs", "condition-shared"):
        prepared = BY_NAME[name].prepare(2, 50)
        run_timed(prepared.workers)
        assert prepared.check is not None
        with pytest.raises(WorkloadError, match="exactly once"):
            prepared.check()


@pytest.mark.parametrize("name", ["thread-local-local-attr", "thread-local-contextvar"])
def test_thread_local_check_fails_when_storage_is_shared(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the 'per-thread' storage were really shared, threads would see each other's counts."""
    if name.endswith("local-attr"):
        monkeypatch.setattr(thread_local_mod, "threading", SimpleNamespace(local=SimpleNamespace))
    else:
        monkeypatch.setattr(thread_local_mod, "contextvars", SimpleNamespace(ContextVar=_SharedVar))
    prepared = BY_NAME[name].prepare(2, 50)
    run_timed([prepared.workers[0]])
    run_timed([prepared.workers[1]])  # sequential: the second starts from the first's 50
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="want 50 each"):
        prepared.check()


class _SharedVar:
    """Stand-in for a broken ContextVar: one value for every thread."""

    def __init__(self, name: str, default: int = 0) -> None:
        self.value = default

    def get(self) -> int:
        return self.value

    def set(self, value: int) -> None:
        self.value = value


def test_shared_read_check_fails_when_the_attribute_changes() -> None:
    prepared = BY_NAME["thread-local-shared-read"].prepare(1, 50)
    _closure_value(prepared.workers[0], thread_local_mod._Shared).value = object()
    run_timed(prepared.workers)
    assert prepared.check is not None
    with pytest.raises(WorkloadError, match="want 50 each"):
        prepared.check()


def test_executor_check_fails_on_a_wrong_job_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The submitter looks the job up at run time: a job off by one must fail the run."""
    prepared = BY_NAME["executor-thread-pool"].prepare(2, 2)
    real = executor_mod.pi_hits
    monkeypatch.setattr(executor_mod, "pi_hits", lambda seed, n: real(seed, n) + (seed == 3))
    try:
        run_timed(prepared.workers)
        assert prepared.check is not None
        with pytest.raises(WorkloadError, match="1 differ"):
            prepared.check()
    finally:
        assert prepared.cleanup is not None
        prepared.cleanup()


def test_executor_pool_that_cannot_start_its_workers_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pool running fewer workers than max_workers is refused before timing."""
    from concurrent.futures import ThreadPoolExecutor

    def one_worker(max_workers: int) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1)

    monkeypatch.setattr(executor_mod, "ThreadPoolExecutor", one_worker)
    monkeypatch.setattr(executor_mod.time, "sleep", lambda s: None)
    with pytest.raises(WorkloadError, match="1 distinct workers, want 2"):
        BY_NAME["executor-thread-pool"].prepare(2, 1)


def test_pi_job_is_deterministic_and_plausible() -> None:
    hits = executor_mod.pi_hits(1, 20_000)
    assert hits == executor_mod.pi_hits(1, 20_000) != executor_mod.pi_hits(2, 20_000)
    assert abs(4 * hits / 20_000 - 3.14159) < 0.05


# --- on the real arms ----------------------------------------------------------------------

ARM_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from benchmarks import all_workloads
    from benchmarks.thread_local import context_metadata
    from runners.harness import time_workload

    FAMILIES = {families!r}
    ran, skipped = [], {{}}
    for w in all_workloads():
        if w.family not in FAMILIES:
            continue
        reason = w.skip_reason()
        if reason is not None:
            skipped[w.name] = reason
            continue
        ops = 1 if w.family == "executor" else max(1, w.ops_per_thread // 50)
        for threads in (1, 2):
            assert time_workload(w, threads, ops, 2) > 0, w.name
        ran.append(w.name)
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(json.dumps({{"ran": ran, "skipped": skipped, "gil": gil,
                      "context": context_metadata(), "version": sys.version_info[:2]}}))
    print("OK")
    """
)


@pytest.mark.interpreters
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("arm", ["gil", "ft", "ft-gil"])
def test_more_families_on_real_arm(arm: str, arm_python: Callable[[str], Any]) -> None:
    proc = arm_python(arm).run("-c", ARM_SCRIPT.format(families=FAMILIES), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[-1:] == ["OK"], proc.stdout[-2000:]
    report = json.loads(lines[-2])
    assert report["gil"] is (arm != "ft")
    old = tuple(report["version"]) < (3, 14)
    assert set(report["ran"]) | set(report["skipped"]) == set(BY_NAME)
    if old:
        assert report["skipped"] == {
            "executor-interpreter-pool": "InterpreterPoolExecutor needs Python 3.14+"
        }
        assert report["context"] == {
            "thread_inherit_context": False,
            "thread_inherit_context_flag": "absent",
        }
    else:
        assert report["skipped"] == {}
        assert report["context"]["thread_inherit_context_flag"] in (0, 1)


MAIN_MODULE = textwrap.dedent(
    """
    # Stands in for runners.bench.worker: a main module run with -m, guarded.
    from benchmarks import all_workloads
    from runners.harness import time_workload

    if __name__ == "__main__":
        w = next(w for w in all_workloads() if w.name == "executor-process-pool")
        assert time_workload(w, 2, 2, 1) > 0
        print("OK")
    """
)


@pytest.mark.interpreters
@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("arm", ["gil", "ft"])
def test_process_pool_from_a_main_module_run_with_dash_m(
    arm: str, arm_python: Callable[[str], Any], tmp_path: Path
) -> None:
    """Forkserver children import the job (benchmarks.executor) from the repo root."""
    (tmp_path / "gilbench_main_probe.py").write_text(MAIN_MODULE)
    python = arm_python(arm)
    env = python.env(PYTHONPATH=str(tmp_path))
    proc = python.run("-m", "gilbench_main_probe", env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["OK"], proc.stdout
