"""Tests of runners.latency, the hand-off latency probes.

In-process tests run the probes and the command on the test interpreter (as the ``gil``
arm); the ``interpreters`` tests run ``python -m runners.latency`` on the real
python3.13 / python3.13t arms, as tox does: the file's schema, the refusal of a wrong
GIL state, and one-line errors for bad input.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from typing import Any

import pytest

from benchmarks import ThreadSetup
from runners import latency
from runners.latency_probes import PROBES

RESULT_KEYS = {"benchmark", "threads", "trial", "count", "p50_s", "p90_s", "p99_s", "max_s"}
METADATA_KEYS = {
    "arm",
    "session",
    "python_version",
    "py_gil_disabled",
    "gil_enabled_at_start",
    "gil_enabled_at_end",
    "switch_interval",
    "cpu_count",
    "python_executable",
    "python_config_args",
    "complete",
}


def check_document(doc: dict[str, Any], arm: str, threads: set[int]) -> None:
    """The file's schema, as the analysis reads it."""
    assert doc["schema"] == 1
    meta = doc["metadata"]
    assert set(meta) >= METADATA_KEYS
    assert meta["arm"] == arm and meta["complete"] is True
    assert meta["gil_enabled_at_start"] is meta["gil_enabled_at_end"] is (arm != "ft")
    cells = set()
    for result in doc["results"]:
        assert set(result) == RESULT_KEYS, result
        assert result["count"] == result["threads"] // 2 * meta["samples_per_pair"]
        quantiles = [result[key] for key in ("p50_s", "p90_s", "p99_s", "max_s")]
        assert all(math.isfinite(q) and q > 0 for q in quantiles), result
        assert quantiles == sorted(quantiles), result
        cells.add((result["benchmark"], result["threads"]))
    assert cells == {(name, n) for name in PROBES for n in threads}
    trials = {(r["benchmark"], r["threads"], r["trial"]) for r in doc["results"]}
    assert len(trials) == len(doc["results"]) == len(cells) * meta["trials_per_cell"]


def test_summary_uses_linear_interpolation() -> None:
    summary = latency.latency_quantiles([float(v) for v in range(100, 0, -1)])  # 1..100, unsorted
    want = {"count": 100, "p50_s": 50.5, "p90_s": 90.1, "p99_s": 99.01, "max_s": 100.0}
    assert summary == pytest.approx(want)


@pytest.mark.parametrize("threads", [2, 4])
@pytest.mark.parametrize("name", list(PROBES))
def test_every_probe_samples_every_hand_off(name: str, threads: int) -> None:
    probe = PROBES[name]
    trial = probe.trial(threads // 2, 50, 5)
    assert len(trial.workers) == threads
    latency.run_threads(trial.workers, timeout=60)
    samples = trial.samples()
    assert len(samples) == threads // 2 * 50
    assert all(0 < s < 5 for s in samples)


def test_a_pair_s_objects_are_created_by_its_sender_thread() -> None:
    made: list[int] = []
    real = PROBES["event-ping-pong"]

    def create() -> Any:
        made.append(threading.get_ident())
        return real.create()

    probe = type(real)(real.name, real.description, real.sender, real.receiver, create)
    trial = probe.trial(2, 10, 0)
    latency.run_threads(trial.workers, timeout=60)
    assert len(set(made)) == 2 and threading.get_ident() not in made


def test_a_failing_thread_fails_the_trial_and_a_hung_one_times_out() -> None:
    def fail() -> Any:
        raise RuntimeError("setup failed")

    with pytest.raises(RuntimeError, match="setup failed"):
        latency.run_threads([ThreadSetup(fail), ThreadSetup(lambda: lambda: None)])
    never = threading.Event()
    with pytest.raises(latency.TrialHung):
        latency.run_threads([ThreadSetup(lambda: never.wait)], timeout=0.2)


def test_odd_thread_counts_are_skipped() -> None:
    config = latency.parse_args(["--arm", "gil", "--threads", "1,2,3,4"])
    assert config.threads == (2, 4) and config.skipped_threads == (1, 3)
    assert latency.parse_args(["--arm", "gil", "--quick"]).threads == (2,)


def test_main_writes_the_schema_and_keeps_a_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GILBENCH_SESSION", "session-42")
    args = ["--arm", "gil", "--threads", "2", "--trials", "2", "--samples", "30"]
    args += ["--results-dir", str(tmp_path)]
    assert latency.main(args) == 0
    doc = json.loads((tmp_path / "latency-gil.json").read_text())
    check_document(doc, "gil", {2})
    assert doc["metadata"]["session"] == "session-42"
    err = capsys.readouterr().err
    assert "[cell 4/4] simple-queue-handoff" in err
    assert latency.main(args) == 0
    assert len(list((tmp_path / "history").glob("latency-gil.*.json"))) == 1


def test_main_with_no_even_thread_count_writes_an_empty_file(tmp_path: Path) -> None:
    assert latency.main(["--arm", "gil", "--threads", "1", "--results-dir", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "latency-gil.json").read_text())["results"] == []


def test_a_trial_error_is_written_as_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [0]
    real = latency.run_trial

    def failing_second(*args: Any) -> dict[str, float | int]:
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("probe broke")
        return real(*args)

    monkeypatch.setattr(latency, "run_trial", failing_second)
    args = ["--arm", "gil", "--threads", "2", "--samples", "20", "--results-dir", str(tmp_path)]
    assert latency.main(args) == latency.EXIT_ERROR
    doc = json.loads((tmp_path / "latency-gil.json").read_text())
    assert doc["metadata"]["complete"] is False
    assert "probe broke" in doc["metadata"]["error"]
    assert len(doc["results"]) == 1


# -- the real arms ---------------------------------------------------------------------


@pytest.mark.interpreters
@pytest.mark.timeout(300)
@pytest.mark.parametrize("arm", ["gil", "ft"])
def test_quick_run_on_the_real_arm(arm_python: Any, arm: str, tmp_path: Path) -> None:
    python = arm_python(arm)
    result = python.run(
        "-m", "runners.latency", "--arm", arm, "--quick", "--results-dir", str(tmp_path),
        env=python.env(GILBENCH_SESSION="s1"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / f"latency-{arm}.json").read_text())
    check_document(doc, arm, {2})
    assert doc["metadata"]["session"] == "s1"
    assert doc["metadata"]["quick"] is True
    assert doc["metadata"]["py_gil_disabled"] is (arm == "ft")


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_ft_arm_refused_when_python_gil_forces_the_gil(arm_python: Any, tmp_path: Path) -> None:
    ft = arm_python("ft")
    result = ft.run(
        "-m", "runners.latency", "--arm", "ft", "--quick", "--results-dir", str(tmp_path),
        env=ft.env(PYTHON_GIL="1"),
    )  # fmt: skip
    assert result.returncode == latency.EXIT_ARM_MISMATCH, result.stderr
    assert "PYTHON_GIL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.interpreters
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--threads", "0"], "--threads"),
        (["--threads", "two"], "--threads"),
        (["--samples", "-5"], "--samples"),
        (["--trials", "0"], "--trials"),
        (["--probes", "event-ping-pong,bogus"], "unknown probe 'bogus'"),
        (["--arm", "nope"], "--arm"),
    ],
)
def test_bad_input_on_the_real_arm(
    arm_python: Any, tmp_path: Path, args: list[str], needle: str
) -> None:
    result = arm_python("ft").run(
        "-m", "runners.latency", "--arm", "ft", *args, "--results-dir", str(tmp_path)
    )
    assert result.returncode == latency.EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())
