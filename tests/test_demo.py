"""Teaching mode (python -m runners.demo): options, screens, sentences, and the real pair.

The unit tests feed runners.demo.explain made-up measurements to check that every
sentence follows what was measured. The interpreter tests run the examples on the real
python3.13 / python3.13t at small sizes and assert the facts that must hold on every
build (a locked count is exact, every job is done exactly once, both event loops agree)
and, at the classic sizes (8 threads x 10,000), that the GIL build loses no
`x[0] += 1` at the default switch interval. No test asserts a timing, or that the
free-threaded build loses updates (it usually does, but a busy machine can run its
threads one after another).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from concepts.arms import arm_env
from runners.demo import driver, explain, measure

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = ("increment", "lock", "queue", "event-loops")
SMALL = ["--threads", "2", "--increments", "2000", "--repeat", "2", "--jobs", "6"]


def run_demo(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m runners.demo ARGS`` on this (GIL, >= 3.11) interpreter, as tox runs it."""
    return _run([sys.executable, "-m", "runners.demo", *args], None, timeout)


def run_measure(python: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m runners.demo.measure ARGS`` on one of the pair, with ``env``."""
    return _run([str(python), "-m", "runners.demo.measure", *args], env, 120)


def _run(
    command: list[str], env: dict[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# -- options -------------------------------------------------------------------------


def test_defaults_are_the_classic_sizes() -> None:
    config = driver.parse_args([])
    assert config.examples == EXAMPLES
    assert config.arms == ("gil", "ft")
    assert (config.threads, config.increments, config.repeat) == (8, 10_000, 10)
    assert config.variant == "inline"
    assert config.switch_interval is None
    assert config.json_path is None


def test_options_reach_the_measurement() -> None:
    argv = "--example lock,increment --arms ft-gil,gil --threads 3 --increments 7"
    argv += " --repeat 2 --jobs 5 --variant call --switch-interval 1e-6"
    config = driver.parse_args(argv.split())
    assert config.examples == ("lock", "increment")
    assert config.arms == ("ft-gil", "gil")
    args = config.measure_args()
    example, arm, options = measure.parse_args(["lock", "--arm", "gil", *args])
    assert (example, arm) == ("lock", "gil")
    assert options == measure.Options(3, 7, 2, "call", 5, 1e-6)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--threads", "0"], "--threads"),
        (["--increments", "ten"], "--increments"),
        (["--repeat", "-1"], "--repeat"),
        (["--jobs", "0"], "--jobs"),
        (["--arms", "gil,nope"], "unknown name 'nope'"),
        (["--arms", ""], "--arms"),
        (["--example", "bogus"], "--example"),
        (["--switch-interval", "0"], "--switch-interval"),
        (["--switch-interval", "nan"], "--switch-interval"),
        (["--variant", "locked"], "--variant"),
        (["--python-gil", "/no/such/python3.13"], "no such file"),
        (["--json", "."], "is a directory"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str) -> None:
    done = run_demo(*argv, timeout=60)
    assert done.returncode == driver.EXIT_USAGE
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("demo: error: ")
    assert needle in lines[0]
    assert done.stdout == ""


def test_show_code_prints_every_example_and_runs_nothing() -> None:
    done = run_demo("--show-code", timeout=60)
    assert done.returncode == 0, done.stderr
    for needle in (
        "x[0] += 1",
        "with lock:",
        "q.shutdown()",
        "except queue.ShutDown:",
        "def run_generators(",
        "await asyncio.sleep(delay)",
    ):
        assert needle in done.stdout
    assert "type: ignore" not in done.stdout
    assert "measuring" not in done.stderr
    one = run_demo("--show-code", "--example", "increment", "--variant", "call", timeout=60)
    assert "x[0] = x[0] + one()" in one.stdout
    assert "q.shutdown()" not in one.stdout


# -- measuring in this interpreter (a default build: arm gil) ------------------------


def _options(**changes: Any) -> measure.Options:
    base = {"threads": 2, "increments": 500, "repeat": 2, "variant": "inline", "jobs": 4}
    base.update(changes)
    return measure.Options(switch_interval=0.005, **base)


def test_measure_increment_and_lock_here() -> None:
    result = measure.measure_increment(_options())
    assert result["expected"] == 1_000
    assert len(result["runs"]) == 2
    assert all(0 < run["count"] <= 1_000 for run in result["runs"])
    locked = measure.measure_lock(_options(threads=3))
    assert [run["count"] for run in locked["runs"] + locked["single_thread_runs"]] == [1_500] * 4


def test_measure_event_loops_here() -> None:
    result = measure.measure_event_loops(_options(repeat=1))
    assert [run["loop"] for run in result["runs"]] == ["generator", "asyncio"]
    assert all(run["results_ok"] for run in result["runs"])
    one_task = result["steps"] * result["delay"]
    assert all(run["seconds"] >= one_task * 0.9 for run in result["runs"])


def test_check_jobs_sees_missing_duplicate_and_wrong_jobs() -> None:
    base = measure.examples.crunch(0, measure.JOB_SIZE)
    good = [(job, base + job) for job in range(3)]
    assert measure.check_jobs(good, 3)["all_once"] is True
    bad = measure.check_jobs([(0, base), (0, base), (2, base)], 3)
    assert bad["all_once"] is False
    assert (bad["missing"], bad["duplicates"], bad["wrong_results"]) == (1, 1, 1)


def test_a_default_build_claiming_arm_ft_is_refused() -> None:
    config = driver.parse_args(["--example", "increment", *SMALL])
    with pytest.raises(driver.ArmRefused, match="free-threaded"):
        driver.measure("increment", "ft", Path(sys.executable), config)


def test_the_driver_checks_the_reported_gil_state_too(monkeypatch: pytest.MonkeyPatch) -> None:
    reported = {
        "interpreter": {"py_gil_disabled": True, "gil_enabled_at_start": False},
        "gil_enabled_at_end": True,  # re-enabled during the example
    }

    def fake_run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 0, json.dumps(reported), "")

    monkeypatch.setattr(driver.subprocess, "run", fake_run)
    config = driver.parse_args([])
    with pytest.raises(driver.ArmRefused, match="enabled at the end"):
        driver.measure("lock", "ft", Path(sys.executable), config)


# -- sentences from made-up measurements ---------------------------------------------


def _doc(arm: str, result: dict[str, Any], *, gil: bool, interval: float = 0.005) -> dict[str, Any]:
    interpreter = {"gil_enabled_at_start": gil, "cpu_affinity": "0,1", "cpu_count": 2}
    return {"arm": arm, "interpreter": interpreter, "switch_interval": interval, "result": result}


def _increment(counts: list[int], expected: int = 80_000) -> dict[str, Any]:
    return {
        "variant": "inline",
        "operation": "x[0] += 1 on one shared list",
        "threads": 8,
        "increments": expected // 8,
        "expected": expected,
        "runs": [{"count": c, "seconds": 0.01, "parallelism": 1.5} for c in counts],
    }


def test_increment_screen_when_the_gil_hides_the_race() -> None:
    docs = {
        "gil": _doc("gil", _increment([80_000] * 4), gil=True),
        "ft": _doc("ft", _increment([17_000, 20_000, 80_000, 15_000]), gil=False),
    }
    screen = explain.explain_increment(docs)
    assert screen.figures["gil"]["exact_runs"] == 4
    assert screen.figures["ft"]["lost_runs"] == 3
    assert "no update was lost in 4 runs" in screen.why
    assert "3 of 4 runs lost updates" in screen.why
    assert "the GIL only hid it" in screen.why
    assert "every 5 ms" in screen.why
    text = explain.render(screen, 1, 4, ["gil", "ft"])
    assert "== 1/4" in text and "Why: " in text
    assert "80,000 in all 4 runs" in text
    assert "17,000 20,000 80,000 15,000" in text
    assert not screen.failures


def test_increment_screen_says_when_the_gil_build_lost_updates_too() -> None:
    docs = {
        "gil": _doc("gil", _increment([80_000, 60_000]), gil=True, interval=1e-6),
        "ft": _doc("ft", _increment([80_000, 80_000]), gil=False, interval=1e-6),
    }
    why = explain.explain_increment(docs).why
    assert "switching every 1 µs it sometimes switched" in why
    assert "1 of 2 runs lost updates" in why
    assert "lost nothing in 2 runs this time" in why
    assert "hid it" not in why


def _lock(counts: list[int], seconds: float, alone: float) -> dict[str, Any]:
    return {
        "threads": 8,
        "increments": 10_000,
        "expected": 80_000,
        "runs": [{"count": c, "seconds": seconds} for c in counts],
        "single_thread_runs": [{"count": 80_000, "seconds": alone} for _ in counts],
    }


def test_lock_screen_reports_the_measured_costs_and_flags_a_lost_update() -> None:
    docs = {
        "gil": _doc("gil", _lock([80_000] * 3, 0.03, 0.03), gil=True),
        "ft": _doc("ft", _lock([80_000] * 3, 0.06, 0.03), gil=False),
    }
    screen = explain.explain_lock(docs)
    assert not screen.failures
    assert "ended at exactly 80,000" in screen.why
    assert "not faster" in screen.why
    assert "2.00× slower than the GIL build" in screen.why
    broken = explain.explain_lock(
        {"gil": _doc("gil", _lock([80_000, 79_999], 0.03, 0.03), gil=True)}
    )
    assert broken.failures and "1 of 4 locked runs" in broken.failures[0]
    assert "bug" in broken.why


def _queue(speedup: float, *, missing: int = 0) -> dict[str, Any]:
    def run(workers: int, seconds: float) -> dict[str, Any]:
        cpus = min(workers, speedup)
        return {
            "workers": workers,
            "seconds": seconds,
            "all_once": missing == 0,
            "missing": missing,
            "duplicates": 0,
            "wrong_results": 0,
            "stopped_on_shutdown": workers,
            "parallelism": cpus,
        }

    return {
        "jobs": 10,
        "job_size": 100,
        "workers": [1, 8],
        "runs": [run(1, 0.2), run(8, 0.2 / speedup)],
    }


def test_queue_screen_follows_the_speedups() -> None:
    docs = {
        "gil": _doc("gil", _queue(1.0), gil=True),
        "ft": _doc("ft", _queue(1.9), gil=False),
    }
    screen = explain.explain_queue(docs)
    assert not screen.failures
    assert "each of the 10 jobs was done exactly once" in screen.why
    assert "no faster than one (1.00×)" in screen.why
    assert "1.90× as fast as one" in screen.why
    gil_faster = explain.explain_queue({"gil": _doc("gil", _queue(1.5), gil=True)})
    assert "the 1-worker runs got 1.0 CPUs' worth of time and the 8-worker runs 1.5" in (
        gil_faster.why
    )
    slow = explain.explain_queue({"ft": _doc("ft", _queue(1.0), gil=False)})
    assert "not faster than one (1.00×): they got only 1.0 CPUs' worth" in slow.why
    broken = explain.explain_queue({"gil": _doc("gil", _queue(1.0, missing=2), gil=True)})
    assert broken.failures and "2 jobs missing" in broken.failures[0]


def test_event_loop_screen_compares_the_measured_times() -> None:
    def loops(generator: float, asyncio: float, ok: bool = True) -> dict[str, Any]:
        runs = [
            {"loop": "generator", "seconds": generator, "results_ok": ok},
            {"loop": "asyncio", "seconds": asyncio, "results_ok": True},
        ]
        return {"tasks": 5, "steps": 10, "delay": 0.01, "results": [], "runs": runs}

    same = explain.explain_event_loops(
        {
            "gil": _doc("gil", loops(0.10, 0.105), gil=True),
            "ft": _doc("ft", loops(0.1, 0.1), gil=False),
        }
    )
    assert "took the same time" in same.why
    assert "made no difference" in same.why
    assert "not the 500 ms of all waits in a row" in same.why
    slow = explain.explain_event_loops({"gil": _doc("gil", loops(0.1, 0.2), gil=True)})
    assert "asyncio was 2.00× slower than the generator loop" in slow.why
    wrong = explain.explain_event_loops({"gil": _doc("gil", loops(0.1, 0.1, ok=False), gil=True)})
    assert wrong.failures


# -- the real interpreters -----------------------------------------------------------


def _pair_args(pair: dict[str, Path]) -> list[str]:
    return ["--python-gil", str(pair["gil"]), "--python-ft", str(pair["ft"])]


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_every_example_on_every_arm(interpreter_pair: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    done = run_demo(
        *_pair_args(interpreter_pair), "--arms", "gil,ft,ft-gil", *SMALL, "--json", str(out)
    )
    assert done.returncode == 0, done.stderr
    for index, example in enumerate(EXAMPLES, start=1):
        assert f"== {index}/4  " in done.stdout, example
    assert done.stdout.count("Why: ") == 4
    assert "demo: 4 examples on gil, ft, ft-gil in " in done.stdout
    doc = json.loads(out.read_text())
    assert doc["schema"] == driver.SCHEMA
    assert doc["metadata"]["settings"]["threads"] == 2
    assert set(doc["metadata"]["arms"]) == {"gil", "ft", "ft-gil"}
    screens = {screen["name"]: screen for screen in doc["examples"]}
    assert list(screens) == list(EXAMPLES)
    for screen in screens.values():
        assert set(screen) >= {"title", "what", "table", "why", "failures", "figures", "measured"}
        assert list(screen["figures"]) == ["gil", "ft", "ft-gil"]
        assert screen["failures"] == []
        for arm, measured in screen["measured"].items():
            assert measured["arm"] == arm
            assert measured["interpreter"]["gil_enabled_at_start"] == (arm != "ft")
            assert measured["gil_enabled_at_end"] == (arm != "ft")
    for arm, measured in screens["lock"]["measured"].items():  # exact on every build
        result = measured["result"]
        counts = [run["count"] for run in result["runs"] + result["single_thread_runs"]]
        assert counts == [4_000] * 4, arm
    for arm, measured in screens["queue"]["measured"].items():  # every job once, clean end
        runs = measured["result"]["runs"]
        assert {run["workers"] for run in runs} == {1, 2}, arm
        assert all(run["all_once"] and run["jobs_done"] == 6 for run in runs), arm
        assert all(run["stopped_on_shutdown"] == run["workers"] for run in runs), arm
    for arm, measured in screens["event-loops"]["measured"].items():
        assert all(run["results_ok"] for run in measured["result"]["runs"]), arm
    for arm, measured in screens["increment"]["measured"].items():
        assert all(0 < run["count"] <= 4_000 for run in measured["result"]["runs"]), arm


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_gil_build_is_exact_at_the_classic_sizes(interpreter_pair: dict[str, Path]) -> None:
    # 8 threads x 10,000 `x[0] += 1` at the default switch interval: the GIL build only
    # switches threads between loop iterations here, so no run loses an update.
    done = run_measure(interpreter_pair["gil"], "increment", "--arm", "gil", env=arm_env("gil"))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["switch_interval"] == 0.005
    assert [run["count"] for run in doc["result"]["runs"]] == [80_000] * 10


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_ft_with_the_gil_forced_on_is_refused(interpreter_pair: dict[str, Path]) -> None:
    forced = arm_env("ft", {"PYTHON_GIL": "1"})
    done = run_measure(interpreter_pair["ft"], "lock", "--arm", "ft", env=forced)
    assert done.returncode == measure.EXIT_ARM_MISMATCH
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "PYTHON_GIL" in lines[0], done.stderr


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_a_second_json_keeps_the_first(interpreter_pair: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    args = [*_pair_args(interpreter_pair), "--example", "increment", *SMALL, "--json", str(out)]
    assert run_demo(*args).returncode == 0
    first = out.read_text()
    assert run_demo(*args).returncode == 0
    kept = list((tmp_path / "history").glob("demo.*.json"))
    assert [path.read_text() for path in kept] == [first]
