"""runners.bench on the real interpreters: quick sweeps, refusals, hangs, bad input.

Every run uses ``--quick`` and a filter (a handful of benchmarks) and a temporary
``--results-dir``. Test-only workloads (a hang, a wrong result, a GIL flip) come from
tests/workloads_for_tests.py through ``--workload-file``; they never appear otherwise.
No test asserts on timings.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyperf
import pytest

from concepts.arms import ARMS
from tests.conftest import default_sigint

pytestmark = [pytest.mark.interpreters, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
TEST_WORKLOADS = str(REPO / "tests" / "workloads_for_tests.py")
SMALL = "^(increment-per-thread|cpu-control-empty)-t"
METADATA_KEYS = (
    "arm",
    "family",
    "variant",
    "threads",
    "gil_enabled_at_start",
    "gil_enabled_at_end",
    "py_gil_disabled",
    "switch_interval",
    "description",
    "op_unit",
    "ops_per_thread",
    "mode",
    "cpu_count",
    "python_version",
    # the gilbench pyperf hook's (what the run really got) and pyperf's peak memory
    "cpu_per_wall",
    "threads_total",
    "oversubscribed",
    "usable_cpus",
    "mem_max_rss",
    # the sweep's
    "session",
    "session_start",
    "session_end",
)
THREADED_KEYS = ("thread_finish_spread", "fairness_jain")
"""Run metadata of every run with 2+ threads."""

ArmPythonFactory = Callable[[str], Any]


def bench(arm_py: Any, results: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return arm_py.run(
        "-m", "runners.bench", "--arm", arm_py.arm.name, "--results-dir", str(results), *args, **kw
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def quick_sweeps(
    arm_python: ArmPythonFactory, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """One quick sweep of SMALL per arm (gil, ft), each into its own results directory."""
    sweeps = {}
    for arm in ("gil", "ft"):
        results = tmp_path_factory.mktemp(f"results-{arm}")
        done = bench(arm_python(arm), results, "--quick", "--filter", SMALL, timeout=300)
        sweeps[arm] = (results, done)
    return sweeps


@pytest.mark.parametrize("arm", ["gil", "ft"])
def test_quick_sweep_writes_a_pyperf_suite_with_the_arm_metadata(
    quick_sweeps: dict[str, tuple[Path, subprocess.CompletedProcess[str]]], arm: str
) -> None:
    results, done = quick_sweeps[arm]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[1/4] increment-per-thread-t1 ... " in done.stdout
    suite = pyperf.BenchmarkSuite.load(str(results / f"bench-{arm}.json"))
    names = sorted(suite.get_benchmark_names())
    assert names == sorted(
        f"{w}-t{n}" for w in ("increment-per-thread", "cpu-control-empty") for n in (1, 2)
    )
    expect_gil = ARMS[arm].expect_gil_enabled
    for bench_ in suite.get_benchmarks():
        common = bench_.get_metadata()
        assert common["threads"] in (1, 2)
        assert bench_.get_name().endswith(f"-t{common['threads']}")
        for run in bench_.get_runs():
            metadata = {**common, **run.get_metadata()}
            missing = [key for key in METADATA_KEYS if key not in metadata]
            assert not missing, (bench_.get_name(), missing)
            assert metadata["arm"] == arm
            assert metadata["gil_enabled_at_start"] is expect_gil
            assert metadata["gil_enabled_at_end"] is expect_gil
            assert metadata["py_gil_disabled"] is ARMS[arm].free_threaded_build
            assert metadata["unit"] == "second"
            assert all(value > 0 for value in run.values)
            if common["threads"] >= 2 and run.values:
                assert all(key in metadata for key in THREADED_KEYS), bench_.get_name()
                assert 0 < metadata["fairness_jain"] <= 1
            assert metadata["threads_total"] >= common["threads"]
            assert metadata["cpu_per_wall"] > 0
        assert bench_.get_nvalue() >= 3
    status = json.loads((results / f"run-bench-{arm}.json").read_text())
    assert [b["status"] for b in status["benchmarks"]] == ["ok"] * 4
    assert not list(results.glob(".bench-*.partial.json"))


def test_results_work_with_pyperf_show_and_compare_to(
    arm_python: ArmPythonFactory,
    quick_sweeps: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
) -> None:
    gil = quick_sweeps["gil"][0] / "bench-gil.json"
    ft = quick_sweeps["ft"][0] / "bench-ft.json"
    python = arm_python("gil")
    shown = python.run("-m", "pyperf", "show", str(gil))
    assert shown.returncode == 0, shown.stderr
    assert "increment-per-thread-t2" in shown.stdout
    compared = python.run("-m", "pyperf", "compare_to", str(gil), str(ft), "--table")
    assert compared.returncode == 0, compared.stderr
    assert "cpu-control-empty-t2" in compared.stdout


def test_a_second_run_keeps_the_first_file_in_history(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("gil")
    first = bench(python, tmp_path, "--quick", "--filter", "^cpu-control-empty-t1$")
    assert first.returncode == 0, first.stdout + first.stderr
    first_text = (tmp_path / "bench-gil.json").read_text()
    second = bench(python, tmp_path, "--quick", "--filter", "^cpu-control-empty-t2$")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "kept as" in second.stdout
    kept = list((tmp_path / "history").glob("bench-gil.*.json"))
    assert len(kept) == 1 and kept[0].read_text() == first_text
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-gil.json")).get_benchmark_names()
    assert names == ["cpu-control-empty-t2"]


def test_ft_arm_with_python_gil_1_is_refused_and_writes_nothing(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("ft")
    done = bench(python, tmp_path, "--quick", "--filter", SMALL, env=python.env(PYTHON_GIL="1"))
    assert done.returncode == 3
    assert "PYTHON_GIL=1" in one_line_error(done)
    assert not (tmp_path / "bench-ft.json").exists()


def test_a_worker_with_the_wrong_gil_state_produces_no_value(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("ft")
    done = python.run(
        "-m", "runners.bench.worker", "--worker", "--loops", "1", "--warmups", "0",
        "--values", "1", "--gilbench-arm", "ft", "--gilbench-workload", "cpu-control-empty",
        "--gilbench-threads", "1", "--output", str(tmp_path / "out.json"),
        env=python.env(PYTHON_GIL="1"),
    )  # fmt: skip
    assert done.returncode != 0
    assert "gilbench-error:" in done.stderr and "PYTHON_GIL=1" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_gil_state_change_during_the_timed_region_is_refused(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("ft")
    done = bench(
        python, tmp_path, "--quick", "--threads", "1", "--workload-file", TEST_WORKLOADS,
        "--filter", "^gilbench-test-(gil-flip|noop)-",
    )  # fmt: skip
    assert done.returncode == 1
    assert "benchmark gilbench-test-gil-flip-t1 refused" in done.stdout
    assert "gil_enabled_at_end" in done.stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-ft.json")).get_benchmark_names()
    assert names == ["gilbench-test-noop-t1"]


def test_a_workload_error_fails_the_benchmark_and_keeps_the_others(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("gil")
    done = bench(
        python, tmp_path, "--quick", "--threads", "2", "--workload-file", TEST_WORKLOADS,
        "--filter", "^gilbench-test-(wrong|noop)-",
    )  # fmt: skip
    assert done.returncode == 1
    assert "benchmark gilbench-test-wrong-t2 failed on arm gil" in done.stdout
    assert "WorkloadError: deliberately wrong result" in done.stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-gil.json")).get_benchmark_names()
    assert names == ["gilbench-test-noop-t2"]
    status = json.loads((tmp_path / "run-bench-gil.json").read_text())
    assert [b["status"] for b in status["benchmarks"]] == ["ok", "failed"]


def _processes_running(fragment: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fragment in cmdline:
            found.append(cmdline)
    return found


def test_a_hanging_benchmark_is_stopped_and_the_others_are_kept(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("ft")
    done = bench(
        python, tmp_path, "--quick", "--threads", "2", "--timeout", "5",
        "--workload-file", TEST_WORKLOADS, "--filter", "^gilbench-test-(noop|hang)-",
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "benchmark gilbench-test-hang-t2 hung on arm ft: no result within 5 s" in done.stdout
    assert "(deadlocked, or too slow for --timeout)" in done.stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-ft.json")).get_benchmark_names()
    assert names == ["gilbench-test-noop-t2"]
    assert not _processes_running("gilbench-test-hang"), "hung benchmark processes left behind"


def test_ctrl_c_publishes_what_finished(arm_python: ArmPythonFactory, tmp_path: Path) -> None:
    python = arm_python("gil")
    # noop finishes, then hang keeps the run busy until the interrupt.
    proc = subprocess.Popen(
        [
            str(python.python), "-m", "runners.bench", "--arm", "gil", "--quick",
            "--threads", "1", "--results-dir", str(tmp_path), "--workload-file",
            TEST_WORKLOADS, "--filter", "^gilbench-test-(noop|hang)-",
        ],
        cwd=REPO, env=python.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    partial = tmp_path / ".bench-gil.partial.json"
    deadline = time.monotonic() + 60
    while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert partial.exists(), "the first benchmark never finished"
    time.sleep(1)  # the hanging benchmark is running now
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stdout + stderr
    assert "partial results (interrupted): 1 benchmarks written" in stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-gil.json")).get_benchmark_names()
    assert names == ["gilbench-test-noop-t1"]
    assert not partial.exists()
    assert not _processes_running("gilbench-test-hang")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threads", "0"], "thread counts must be >= 1"),
        (["--threads", "-2"], "thread counts must be >= 1"),
        (["--threads", "two"], "is not an integer"),
        (["--filter", "(unclosed"], "bad regular expression"),
        (["--filter", "no-such-benchmark"], "no benchmark matches"),
        (["--timeout", "0"], "--timeout must be > 0"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["-p", "0"], "pyperf option"),
        (["-o", "x.json"], "cannot be passed through"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    arm_python: ArmPythonFactory, tmp_path: Path, args: list[str], message: str
) -> None:
    done = bench(arm_python("gil"), tmp_path, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in one_line_error(done)
    assert not list(tmp_path.iterdir())


def test_unknown_arm_is_one_line_and_exit_2(arm_python: ArmPythonFactory) -> None:
    done = arm_python("gil").run("-m", "runners.bench", "--arm", "nogil")
    assert done.returncode == 2
    assert "unknown arm 'nogil'" in one_line_error(done)


def test_list_prints_the_matrix_without_running(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    done = bench(arm_python("gil"), tmp_path, "--list", "--filter", "^cpu-control-")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:5] == ["name", "family", "variant", "threads", "description"]
    # the default matrix on this machine's CPUs: no oversubscribed count unless asked for
    assert not any("(over)" in line for line in lines if line.startswith("cpu-control-"))
    assert any(line.startswith("cpu-control-empty-t1 ") for line in lines)
    over = bench(arm_python("gil"), tmp_path, "--list", "--filter", "^cpu-control-", "--threads",
                 "1,64")  # fmt: skip
    assert any(line.startswith("cpu-control-empty-t64 ") and "(over)" in line
               for line in over.stdout.splitlines())  # fmt: skip
    assert not list(tmp_path.iterdir())


def test_arm_job_routes_shared_options_to_the_race_runner() -> None:
    from runners.arm_job import split_options

    arm, bench_options, race_options = split_options(
        [
            "--arm",
            "ft",
            "--quick",
            "--threads=1,2",
            "--filter",
            "x",
            "-p",
            "3",
            "--results-dir",
            "r",
        ]
    )
    assert arm == "ft"
    assert race_options == ["--arm", "ft", "--quick", "--threads", "1,2", "--results-dir", "r"]
    assert bench_options == [*race_options, "--filter", "x", "-p", "3"]


def test_arm_job_runs_the_benchmarks_then_the_races(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    python = arm_python("ft")
    done = python.run(
        "-m", "runners.arm_job", "--arm", "ft", "--quick", "--threads", "1",
        "--results-dir", str(tmp_path), "--filter", "^cpu-control-empty-",
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "bench-ft.json").exists()
    assert (tmp_path / "races-ft.json").exists()
    # --threads 1 has no sender/receiver pair: the latency file is written, with no trials.
    assert json.loads((tmp_path / "latency-ft.json").read_text())["results"] == []
    out = done.stdout
    assert out.index("runners.bench") < out.index("runners.races") < out.index("runners.latency")


@pytest.mark.parametrize(
    ("target", "budget", "processes"),
    [("0.001", "10", 3), ("0", "10", 2), ("0.001", "0.0001", 2)],
    ids=["imprecise", "target-off", "out-of-time"],
)
def test_the_second_stage_adds_rounds_where_the_comparison_is_imprecise(
    arm_python: ArmPythonFactory, tmp_path: Path, target: str, budget: str, processes: int
) -> None:
    """The speedup t1/t2 is the one comparison of a one-arm sweep: its two cells get
    rounds beyond the first stage while it is wider than the target and time is left."""
    done = bench(
        arm_python("gil"), tmp_path, "--threads", "1,2", "--workload-file", TEST_WORKLOADS,
        "--filter", "^gilbench-test-noop-", "-p", "1", "-n", "2", "--min-time", "0.001",
        "--rounds", "2", "--max-rounds", "3", "--target-ci", f"{target},{target}",
        "--budget", budget,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    benches = pyperf.BenchmarkSuite.load(str(tmp_path / "bench-gil.json")).get_benchmarks()
    assert len(benches) == 2
    status = json.loads((tmp_path / "run-bench-gil.json").read_text())
    for bench_, record in zip(benches, status["benchmarks"], strict=True):
        with_values = [run for run in bench_.get_runs() if run.values]
        assert len(with_values) == processes
        # Later rounds reuse the calibrated loops: one calibration run in all.
        assert len(bench_.get_runs()) - len(with_values) == 1
        assert len({run.get_loops() for run in with_values}) == 1
        assert record["processes"] == processes
        assert record["rounds"] == processes
    if target != "0":
        assert "speedups have a 95% CI within" in done.stdout


@pytest.fixture(scope="module")
def interleaved_sweep(
    arm_python: ArmPythonFactory, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One sweep of both arms, each on its own interpreter, started from the gil one."""
    results = tmp_path_factory.mktemp("results-interleaved")
    gil, ft = arm_python("gil"), arm_python("ft")
    done = gil.run(
        "-m", "runners.bench", f"--arm=gil={gil.python}", f"--arm=ft={ft.python}",
        "--results-dir", str(results), "--threads", "1,2", "--filter", SMALL,
        "-p", "1", "-n", "3", "-w", "1", "--loops", "1", "--rounds", "2", "--target-ci", "0",
        timeout=600,
    )  # fmt: skip
    return results, done


def test_an_interleaved_sweep_alternates_the_arms_and_shares_one_session(
    interleaved_sweep: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    results, done = interleaved_sweep
    assert done.returncode == 0, done.stdout + done.stderr
    sessions = set()
    for arm in ("gil", "ft"):
        suite = pyperf.BenchmarkSuite.load(str(results / f"bench-{arm}.json"))
        assert len(suite.get_benchmark_names()) == 4
        for bench_ in suite.get_benchmarks():
            metadata = bench_.get_metadata()
            sessions.add(metadata["session"])
            assert metadata["interleaved"] is True
            assert metadata["session_arms"] == "gil,ft"
            assert metadata["arm"] == arm
            assert metadata["gil_enabled_at_end"] is ARMS[arm].expect_gil_enabled
            assert len([run for run in bench_.get_runs() if run.values]) == 2  # 2 rounds
        status = json.loads((results / f"run-bench-{arm}.json").read_text())
        assert status["session"] in sessions
        assert status["session_start"] <= status["session_end"]
    assert len(sessions) == 1
    # The masters ran gil, ft (round 1), then ft, gil (round 2), benchmark by benchmark:
    # every run's start date says when its worker ran.
    suites = {
        arm: pyperf.BenchmarkSuite.load(str(results / f"bench-{arm}.json")) for arm in ("gil", "ft")
    }
    for name in suites["gil"].get_benchmark_names():
        runs = sorted(
            (run.get_metadata()["date"], arm)
            for arm, suite in suites.items()
            for run in suite.get_benchmark(name).get_runs()
        )
        assert [arm for _, arm in runs] == ["gil", "ft", "ft", "gil"], (name, runs)


def test_an_interleaved_sweep_refuses_a_wrong_gil_state_on_one_arm(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    gil, ft = arm_python("gil"), arm_python("ft")
    done = gil.run(
        "-m", "runners.bench", f"--arm=gil={gil.python}", f"--arm=ft={ft.python}",
        "--results-dir", str(tmp_path), "--quick", "--threads", "1",
        "--workload-file", TEST_WORKLOADS, "--filter", "^gilbench-test-(gil-flip|noop)-",
    )  # fmt: skip
    assert done.returncode == 1
    assert "benchmark gilbench-test-gil-flip-t1 refused, GIL state wrong for arm" in done.stdout
    for arm in ("gil", "ft"):
        suite = pyperf.BenchmarkSuite.load(str(tmp_path / f"bench-{arm}.json"))
        assert "gilbench-test-gil-flip-t1" not in suite.get_benchmark_names()
        assert "gilbench-test-noop-t1" in suite.get_benchmark_names()


def test_an_arm_whose_interpreter_is_the_wrong_build_is_refused_before_anything_runs(
    arm_python: ArmPythonFactory, tmp_path: Path
) -> None:
    gil = arm_python("gil")
    done = gil.run(
        "-m", "runners.bench", "--arm=gil", f"--arm=ft={gil.python}",
        "--results-dir", str(tmp_path), "--quick", "--filter", SMALL,
    )  # fmt: skip
    assert done.returncode == 3
    assert "arm ft" in one_line_error(done)
    assert not list(tmp_path.glob("bench-*.json"))
