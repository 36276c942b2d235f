"""The timed region (runners.harness) and gilbench's pyperf hook (runners.pyperf_hook).

The harness tests run in the test interpreter itself (a GIL build: the harness is plain
threading); the hook tests run one pyperf worker process on the real gil interpreter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyperf
import pytest

from benchmarks import Prepared, Stop, ThreadSetup, Workload, WorkloadError, all_workloads
from runners import harness
from runners.harness import run_timed, time_workload
from tests.conftest import ArmPython

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
    assert harness.RECORDS[-1].ops is None  # fixed work: no per-thread operation counts


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


def test_a_thread_setup_runs_in_its_own_worker_thread_before_the_release() -> None:
    made_in: list[int] = []
    timed_in: list[int] = []

    def make() -> Callable[[], None]:
        made_in.append(threading.get_ident())
        state = [0]  # created by this worker thread

        def work() -> None:
            timed_in.append(threading.get_ident())
            state[0] += 1

        return work

    span = run_timed([ThreadSetup(make), ThreadSetup(make)])
    assert span > 0
    assert sorted(made_in) == sorted(timed_in)
    assert threading.get_ident() not in made_in, "setup ran in the calling thread"


def test_a_failing_thread_setup_breaks_the_barrier_instead_of_hanging() -> None:
    def broken() -> Callable[[], None]:
        raise RuntimeError("setup failed")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="setup failed"):
        run_timed([ThreadSetup(broken), lambda: None, lambda: None])
    assert time.monotonic() - started < 5


def test_a_slow_thread_setup_is_not_timed() -> None:
    def make() -> Callable[[], None]:
        time.sleep(0.3)
        return lambda: None

    span = run_timed([ThreadSetup(make), ThreadSetup(make)])
    assert span < 0.2


def sleep_until_stopped(stop: Stop) -> int:
    """A fixed-duration worker: 1 ms sleeps until the flag, returning how many it did."""
    done = 0
    while not stop.now:
        time.sleep(0.001)
        done += 1
    return done


def test_fixed_duration_runs_until_the_stop_flag_and_counts_each_thread() -> None:
    work = sleep_until_stopped
    span = run_timed([work, work, work], duration=0.1)
    ops = harness.RECORDS[-1].ops
    assert ops is not None and len(ops) == 3 and all(n > 10 for n in ops)
    assert 0.1 <= span < 1.0


def test_a_duration_workload_reports_seconds_per_operation() -> None:
    def prepare(threads: int, ops: int) -> Prepared:
        return Prepared([sleep_until_stopped] * threads, 0)

    workload = Workload("cpu-control", "duration", "test", prepare, 1, duration=0.05)
    assert workload.mode == "duration"
    per_op = time_workload(workload, 2, 1, 1)
    assert 0.0005 < per_op < 0.01  # about a millisecond per sleep


def test_jain_index_known_answers() -> None:
    assert harness.jain_index([1.0, 1.0, 1.0, 1.0]) == pytest.approx(1.0)
    assert harness.jain_index([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert harness.jain_index([2.0, 1.0]) == pytest.approx(9 / 10)


def test_records_become_parallelism_spread_and_fairness() -> None:
    record = harness.RunRecord(
        span=1.0,
        cpu=1.5,
        threads_alive=2,
        starts=(0.0, 0.0),
        ends=(1.0, 0.5),
        ops=None,
    )
    summary = harness.summarize_records([record, record])
    assert summary["cpu_per_wall"] == pytest.approx(1.5)
    assert summary["threads_total"] == 2
    assert summary["thread_finish_spread"] == pytest.approx(0.5)
    # Equal work in 1 s and 0.5 s: throughputs 1 and 2, Jain = 9 / 10.
    assert summary["fairness_jain"] == pytest.approx(0.9)
    one_thread = harness.RunRecord(1.0, 1.0, 1, (0.0,), (1.0,), None)
    assert "fairness_jain" not in harness.summarize_records([one_thread])


def test_the_record_holds_the_cpu_time_spent_in_the_timed_region() -> None:
    """A worker that burns 30 ms of its own CPU time: the run's process CPU time covers it
    (however loaded the machine is, the burn is counted in CPU time, not wall time)."""

    def burn() -> None:
        end = time.thread_time() + 0.03
        while time.thread_time() < end:
            pass

    harness.RECORDS.clear()
    run_timed([burn])
    (record,) = harness.RECORDS
    assert record.cpu >= 0.025
    assert record.cpu <= record.span * 1.2 + 0.005  # one thread cannot use more than the span
    assert record.threads_alive == 1


@pytest.mark.interpreters
def test_pyperf_hook_records_what_the_runs_got(
    arm_python: Callable[[str], ArmPython], tmp_path: Path
) -> None:
    """One pyperf worker process with ``--hook gilbench``, on the real gil interpreter.

    Its run must carry the hook's metadata (GIL state after the timed region, achieved
    parallelism, threads, fairness) beside pyperf's own, unchanged (mem_max_rss,
    python_version in pyperf's format).
    """
    gil = arm_python("gil")
    output = tmp_path / "worker.json"
    done = gil.run(
        "-m",
        "runners.bench.worker",
        "--worker",
        "--hook",
        "gilbench",
        "--loops",
        "1",
        "--warmups",
        "1",
        "--values",
        "2",
        "--gilbench-arm",
        "gil",
        "--gilbench-workload",
        "increment-per-thread",
        "--gilbench-threads",
        "2",
        "--output",
        str(output),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bench = pyperf.Benchmark.load(str(output))
    (run,) = bench.get_runs()
    metadata = run.get_metadata()
    assert metadata["gil_enabled_at_end"] is True
    assert metadata["gil_enabled_at_start"] is True
    assert metadata["threads"] == 2
    assert metadata["threads_total"] == 2
    assert metadata["hooks"] == "gilbench"
    assert 0 < metadata["cpu_per_wall"] < 2.5
    assert 0 < metadata["fairness_jain"] <= 1
    assert 0 <= metadata["thread_finish_spread"] <= 1
    assert metadata["timed_runs"] == 2  # the values' runs only (warmups are another batch)
    assert metadata["mem_max_rss"] > 0  # pyperf's own, kept
    assert str(metadata["python_version"]).startswith("3.13")
    assert len(run.values) == 2 and all(v > 0 for v in run.values)


@pytest.mark.interpreters
def test_a_worker_without_the_hook_is_refused(
    arm_python: Callable[[str], ArmPython], tmp_path: Path
) -> None:
    gil = arm_python("gil")
    done = gil.run(
        "-m", "runners.bench.worker", "--worker", "--loops", "1", "--values", "1",
        "--gilbench-arm", "gil", "--gilbench-workload", "cpu-control-empty",
        "--gilbench-threads", "1", "--output", str(tmp_path / "x.json"),
    )  # fmt: skip
    assert done.returncode == 2
    assert "--hook gilbench" in done.stderr
