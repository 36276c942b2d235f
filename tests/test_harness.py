"""The timed region (runners.harness) and the pyperf task hook of runners._pyperf_bench.

These run in the test interpreter itself (a GIL build): the harness is plain threading,
and the pyperf hook test runs one pyperf worker process as the ``gil`` arm.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyperf
import pytest

from benchmarks import Prepared, Workload, WorkloadError, all_workloads
from runners import harness
from runners.harness import run_timed, time_workload

REPO = Path(__file__).resolve().parent.parent


def make_workload(prepare, count_ops=lambda threads, ops: threads * ops) -> Workload:  # type: ignore[no-untyped-def]
    return Workload("cpu-control", "under-test", "test", prepare, 1, count_ops=count_ops)


def test_run_timed_reraises_a_worker_exception_after_all_threads_end() -> None:
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.05)
        finished.set()

    def boom() -> None:
        raise RuntimeError("worker failed")

    with pytest.raises(RuntimeError, match="worker failed"):
        run_timed([boom, slow])
    assert finished.is_set(), "the exception was raised before the other worker ended"


def test_run_timed_needs_workers() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        run_timed([])


def test_a_sleeping_worker_is_timed_to_the_last_finish() -> None:
    span = run_timed([lambda: time.sleep(0.02), lambda: time.sleep(0.1)])
    assert span >= 0.1


def test_thread_creation_is_outside_the_timed_region(monkeypatch: pytest.MonkeyPatch) -> None:
    class SlowStart(threading.Thread):
        def start(self) -> None:
            time.sleep(0.3)  # a very slow thread start-up
            super().start()

    monkeypatch.setattr(harness.threading, "Thread", SlowStart)
    span = run_timed([lambda: None] * 3)
    # 0.9 s of start-up happened before the Barrier released anyone.
    assert span < 0.3


def test_a_slow_prepare_is_not_timed() -> None:
    calls: list[str] = []

    def prepare(threads: int, ops: int) -> Prepared:
        time.sleep(0.5)
        return Prepared(
            [lambda: time.sleep(0.01)] * threads,
            threads * ops,
            check=lambda: calls.append("check"),
            cleanup=lambda: calls.append("cleanup"),
        )

    total = time_workload(make_workload(prepare), threads=2, ops_per_thread=1, loops=2)
    assert 0.02 <= total < 1.0  # two timed runs of >= 10 ms, none of the 1 s of prepare
    assert calls == ["check", "cleanup", "check", "cleanup"]


def test_a_workload_error_from_check_fails_the_run_and_still_cleans_up() -> None:
    cleaned: list[bool] = []

    def prepare(threads: int, ops: int) -> Prepared:
        def check() -> None:
            raise WorkloadError("items lost")

        return Prepared(
            [lambda: None] * threads, threads * ops, check, lambda: cleaned.append(True)
        )

    with pytest.raises(WorkloadError, match="items lost"):
        time_workload(make_workload(prepare), threads=2, ops_per_thread=1, loops=3)
    assert cleaned == [True]


def test_an_operation_count_that_disagrees_with_count_ops_is_an_error() -> None:
    def prepare(threads: int, ops: int) -> Prepared:
        return Prepared([lambda: None] * threads, threads * ops + 1)

    with pytest.raises(ValueError, match="count_ops"):
        time_workload(make_workload(prepare), threads=2, ops_per_thread=5, loops=1)


def test_the_empty_workload_counts_one_operation_per_run() -> None:
    workloads = {w.name: w for w in all_workloads()}
    empty = workloads["cpu-control-empty"]
    for threads in (1, 2, 4):
        assert empty.count_ops(threads, empty.ops_per_thread) == 1
        prepared = empty.prepare(threads, empty.ops_per_thread)
        assert len(prepared.workers) == threads
    assert time_workload(empty, 2, empty.ops_per_thread, 5) > 0


def test_pyperf_task_hook_records_gil_state_after_the_timed_region(tmp_path: Path) -> None:
    """Fails loudly if a pyperf release breaks the private API _pyperf_bench relies on.

    One pyperf worker process (the ``gil`` arm, on this GIL interpreter) must produce a
    run whose metadata holds gil_enabled_at_end, set by the time function through the
    task object pyperf passes it.
    """
    from pyperf._worker import WorkerProcessTask  # the class the hook instantiates

    assert callable(getattr(pyperf.Runner, "_check_worker_task", None))
    assert callable(getattr(pyperf.Runner, "_main", None))
    assert "task_func" in WorkerProcessTask.__init__.__code__.co_varnames

    output = tmp_path / "worker.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    env["PYTHONPATH"] = str(REPO)
    command = [
        sys.executable,
        "-m",
        "runners._pyperf_bench",
        "--worker",
        "--loops",
        "1",
        "--warmups",
        "1",
        "--values",
        "2",
        "--gilbench-arm",
        "gil",
        "--gilbench-workload",
        "cpu-control-empty",
        "--gilbench-threads",
        "2",
        "--output",
        str(output),
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    bench = pyperf.Benchmark.load(str(output))
    (run,) = bench.get_runs()
    metadata = run.get_metadata()
    assert metadata["gil_enabled_at_end"] is True
    assert metadata["gil_enabled_at_start"] is True
    assert metadata["inner_loops"] == 1
    assert metadata["threads"] == 2
    assert len(run.values) == 2 and all(v > 0 for v in run.values)
