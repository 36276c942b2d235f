"""Tests of runners.races, the race-loss experiment.

Unit tests run the helpers in this (GIL, test) interpreter; the integration tests run
``python -m runners.races`` on the real python3.13 / python3.13t arms, as tox does.
No test asserts that an unprotected variant loses updates: with the small counts of a
quick run that is chance, not a property. What must hold is asserted: the schema,
lost == expected - observed, zeros for a single thread and for the safe variants, the
error cases, and the refusal of an arm whose observed GIL state is wrong.
"""

from __future__ import annotations

import collections
import itertools
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from concepts.arms import ARMS
from concepts.race_variants import VARIANTS, Race, Variant, count_distinct
from runners import races
from runners.identity import ArmMismatch
from tests.conftest import default_sigint

ALL_VARIANTS = (
    "inline",
    "call",
    "global",
    "attribute",
    "dict-item",
    "locked",
    "itertools-count",
)
REPO = Path(__file__).resolve().parent.parent
SAFE_VARIANTS = ("locked", "itertools-count")
TRIAL_KEYS = {
    "variant": str,
    "threads": int,
    "increments_per_thread": int,
    "switch_interval": float,
    "expected": int,
    "observed": int,
    "lost": int,
    "trial": int,
    "seconds": float,
    "parallelism": float,
}
METADATA_KEYS = {
    "arm": str,
    "gil_enabled_at_start": bool,
    "gil_enabled_at_end": bool,
    "py_gil_disabled": bool,
    "switch_interval": float,
    "cpu_affinity": str,
    "cpu_count": int,
    "python_version": str,
    "date": str,
    "hostname": str,
    "platform": str,
    "complete": bool,
    "increments_per_thread": int,
    "trials_per_cell": int,
}


def check_document(doc: dict[str, Any], arm: str, *, complete: bool = True) -> None:
    """Assert the races file schema and the invariants every run must satisfy."""
    assert doc["schema"] == races.SCHEMA
    meta = doc["metadata"]
    for key, kind in METADATA_KEYS.items():
        assert isinstance(meta[key], kind), (key, meta[key])
    assert meta["arm"] == arm
    expect_gil = ARMS[arm].expect_gil_enabled
    assert meta["gil_enabled_at_start"] is expect_gil
    assert meta["gil_enabled_at_end"] is expect_gil
    assert meta["py_gil_disabled"] is ARMS[arm].free_threaded_build
    assert meta["complete"] is complete
    assert doc["trials"], "no trials recorded"
    for trial in doc["trials"]:
        for key, kind in TRIAL_KEYS.items():
            assert isinstance(trial[key], kind), (key, trial)
        assert trial["expected"] == trial["threads"] * trial["increments_per_thread"]
        assert trial["lost"] == trial["expected"] - trial["observed"]
        assert 0 <= trial["lost"] <= trial["expected"]
        assert trial["seconds"] > 0
        assert trial["parallelism"] >= 0
        if trial["variant"] in SAFE_VARIANTS or trial["threads"] == 1:
            # one thread cannot race with itself; the safe variants must never lose
            assert trial["lost"] == 0, trial


# -- helpers on the test interpreter ---------------------------------------------------


@pytest.mark.parametrize(
    ("cpus", "expected", "oversubscribed"),
    [
        (1, (1,), (1, 2)),
        (2, (1, 2), (1, 2, 4)),
        (3, (1, 2, 3), (1, 2, 3, 4)),
        (4, (1, 2, 4), (1, 2, 4, 8)),
    ],
)
def test_default_threads_stop_at_the_cpus_unless_oversubscribed(
    cpus: int, expected: tuple[int, ...], oversubscribed: tuple[int, ...]
) -> None:
    assert races.default_threads(cpus) == expected
    assert races.default_threads(cpus, oversubscribe=True) == oversubscribed


def test_parse_threads() -> None:
    assert races.parse_threads("1,2,4") == (1, 2, 4)
    assert races.parse_threads(" 4, 1 ,4") == (4, 1)


@pytest.mark.parametrize("text", ["0", "1,0", "-2", "two", "", "1,,2", "1.5"])
def test_parse_threads_rejects(text: str) -> None:
    with pytest.raises(races.UsageError, match="--threads"):
        races.parse_threads(text)


def test_parse_switch_intervals() -> None:
    assert races.parse_switch_intervals("0.005,1e-6,0.005") == (0.005, 1e-6)


@pytest.mark.parametrize("text", ["0", "-0.001", "nan", "inf", "fast", ""])
def test_parse_switch_intervals_rejects(text: str) -> None:
    with pytest.raises(races.UsageError, match="--switch-intervals"):
        races.parse_switch_intervals(text)


def test_parse_variants() -> None:
    assert races.parse_variants("locked,inline") == ("locked", "inline")
    with pytest.raises(races.UsageError, match="unknown variant 'nope'"):
        races.parse_variants("inline,nope")


def test_all_required_variants_are_registered() -> None:
    assert tuple(VARIANTS) == ALL_VARIANTS
    assert {name for name, v in VARIANTS.items() if v.safe} == set(SAFE_VARIANTS)


def test_parse_args_defaults_and_quick() -> None:
    full = races.parse_args(["--arm", "gil"], default_interval=0.005)
    assert full.trials >= 20
    assert full.switch_intervals == (0.005, races.TINY_SWITCH_INTERVAL)
    assert full.threads == races.default_threads(races.usable_cpus())
    assert full.variants == ALL_VARIANTS
    assert full.results_dir == Path("results")
    quick = races.parse_args(["--arm", "ft", "--quick"], default_interval=0.005)
    assert quick.threads == (1, 2)
    assert quick.trials < full.trials
    assert quick.increments < full.increments
    explicit = races.parse_args(
        ["--arm", "ft", "--quick", "--threads", "3", "--trials", "7", "--increments", "9"],
        default_interval=0.01,
    )
    assert (explicit.threads, explicit.trials, explicit.increments) == ((3,), 7, 9)
    assert explicit.switch_intervals[0] == 0.01
    assert len(explicit.cells()) == 2 * len(ALL_VARIANTS)


@pytest.mark.parametrize(
    "argv",
    [
        ["--arm", "gil", "--trials", "0"],
        ["--arm", "gil", "--increments", "-5"],
        ["--arm", "gil", "--threads", "0"],
        ["--arm", "nope"],
        ["--threads", "2"],
    ],
)
def test_parse_args_rejects(argv: list[str]) -> None:
    with pytest.raises(races.UsageError):
        races.parse_args(argv, default_interval=0.005)


def test_parse_args_rejects_a_file_as_results_dir(tmp_path: Path) -> None:
    afile = tmp_path / "f"
    afile.write_text("")
    with pytest.raises(races.UsageError, match="not a directory"):
        races.parse_args(["--arm", "gil", "--results-dir", str(afile)], default_interval=0.005)


@pytest.mark.parametrize("name", ALL_VARIANTS)
def test_one_thread_loses_nothing(name: str) -> None:
    outcome = races.run_trial(VARIANTS[name], 1, 2_000, 0.005)
    assert (outcome.expected, outcome.observed) == (2_000, 2_000)
    assert outcome.seconds > 0


@pytest.mark.parametrize("name", SAFE_VARIANTS)
@pytest.mark.parametrize("interval", [0.005, 1e-6])
def test_safe_variants_lose_nothing_with_several_threads(name: str, interval: float) -> None:
    outcome = races.run_trial(VARIANTS[name], 4, 5_000, interval)
    assert outcome.observed == outcome.expected == 20_000


def test_itertools_count_records_distinct_and_final_values() -> None:
    outcome = races.run_trial(VARIANTS["itertools-count"], 2, 1_000, 0.005)
    assert outcome.detail == {"distinct_values": 2_000, "final_value": 2_000}


def test_count_distinct_sees_duplicates_and_skips() -> None:
    assert count_distinct([[0, 2], [1, 3]], 4) == 4
    assert count_distinct([[0, 1], [1, 3]], 4) == 3  # 1 handed out twice
    assert count_distinct([[0, 1], [2, 5]], 4) == 4  # 3 skipped, 5 out of range


def _fake_variant(name: str, *, safe: bool, lose: int = 0, fail: bool = False) -> Variant:
    def build(threads: int, increments: int) -> Race:
        def work() -> None:
            if fail:
                raise OSError("worker failed")

        return Race([work] * threads, lambda: threads * increments - lose)

    return Variant(name, safe, "test double", build)


def test_run_trial_restores_the_switch_interval_and_reraises_worker_errors() -> None:
    before = sys.getswitchinterval()
    outcome = races.run_trial(VARIANTS["inline"], 2, 100, 1e-6)
    assert sys.getswitchinterval() == before
    assert outcome.observed <= outcome.expected
    with pytest.raises(OSError, match="worker failed"):
        races.run_trial(_fake_variant("boom", safe=False, fail=True), 2, 1, 1e-6)
    assert sys.getswitchinterval() == before


def test_summary_lines() -> None:
    trials = [
        {"switch_interval": 0.005, "variant": "inline", "threads": 2, "lost": lost, "expected": 10}
        for lost in (0, 1, 5)
    ]
    lines = races.summary_lines(trials)
    assert len(lines) == 2
    assert "10.00%" in lines[1] and "50.00%" in lines[1]


# -- main() in this interpreter (a default build: arm gil) -----------------------------


def _main(tmp_path: Path, *extra: str) -> int:
    return races.main(
        [
            "--arm",
            "gil",
            "--threads",
            "1,2",
            "--trials",
            "2",
            "--increments",
            "500",
            "--results-dir",
            str(tmp_path),
            *extra,
        ]
    )


def test_main_writes_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(tmp_path) == 0
    doc = json.loads((tmp_path / "races-gil.json").read_text())
    check_document(doc, "gil")
    # per switch interval and variant: 2 trials at 1 thread; at 2 threads, 2 that
    # overlapped, retried up to MAX_ATTEMPTS x 2 when the threads ran one after another
    for (interval, variant), group in itertools.groupby(
        sorted(doc["trials"], key=lambda t: (t["switch_interval"], t["variant"])),
        key=lambda t: (t["switch_interval"], t["variant"]),
    ):
        by_threads = collections.Counter(t["threads"] for t in group)
        assert by_threads[1] == 2, (interval, variant)
        assert 2 <= by_threads[2] <= races.MAX_ATTEMPTS * 2, (interval, variant)
    assert len({(t["switch_interval"], t["variant"]) for t in doc["trials"]}) == 2 * len(
        ALL_VARIANTS
    )
    err = capsys.readouterr().err
    assert "[cell 28/28] itertools-count threads=2" in err
    assert "median loss" in err


def test_main_refuses_a_build_that_is_not_the_arm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = races.main(["--arm", "ft", "--quick", "--results-dir", str(tmp_path)])
    assert rc == races.EXIT_ARM_MISMATCH
    assert "free-threaded" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_main_refuses_when_the_gil_state_changes_during_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def check(arm: Any, *, when: str = "at start") -> None:
        calls.append(when)
        if when != "at start":
            raise ArmMismatch("the GIL was re-enabled at run time (test double)")

    from runners import experiment

    monkeypatch.setattr(experiment, "check_arm", check)
    assert _main(tmp_path, "--variants", "inline") == races.EXIT_ARM_MISMATCH
    assert calls == ["at start", "after the trials"]
    assert "re-enabled" in capsys.readouterr().err
    assert not (tmp_path / "races-gil.json").exists()


def test_main_reports_a_safe_variant_that_loses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(VARIANTS, "leaky-lock", _fake_variant("leaky-lock", safe=True, lose=1))
    assert _main(tmp_path, "--variants", "leaky-lock,inline") == races.EXIT_SAFE_VARIANT_LOST
    assert "EXPERIMENT FAILURE" in capsys.readouterr().err
    doc = json.loads((tmp_path / "races-gil.json").read_text())
    assert doc["metadata"]["complete"] is True
    # 2 switch intervals x (2 trials at 1 thread + at 2 threads, 2 trials that never
    # overlap -- the test double does no work -- so MAX_ATTEMPTS x 2 tries)
    assert len(doc["metadata"]["experiment_failures"]) == 2 * (2 + races.MAX_ATTEMPTS * 2)
    leaky = [t for t in doc["trials"] if t["variant"] == "leaky-lock"]
    assert {t["lost"] for t in leaky} == {1}


@pytest.mark.parametrize(
    ("exc", "rc", "field"),
    [
        (KeyboardInterrupt(), races.EXIT_INTERRUPTED, "interrupted"),
        (RuntimeError("disk on fire"), races.EXIT_ERROR, "error"),
    ],
)
def test_main_keeps_finished_trials_when_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, rc: int, field: str
) -> None:
    real: Callable[..., races.TrialOutcome] = races.run_trial
    done: list[int] = []

    def run_trial(*args: Any) -> races.TrialOutcome:
        if len(done) == 3:
            raise exc
        done.append(1)
        return real(*args)

    monkeypatch.setattr(races, "run_trial", run_trial)
    assert _main(tmp_path) == rc
    doc = json.loads((tmp_path / "races-gil.json").read_text())
    assert doc["metadata"]["complete"] is False
    assert doc["metadata"][field]
    assert len(doc["trials"]) == 3
    check_document(doc, "gil", complete=False)


def test_main_keeps_the_previous_file_in_history(tmp_path: Path) -> None:
    assert _main(tmp_path, "--variants", "inline") == 0
    first = (tmp_path / "races-gil.json").read_text()
    assert _main(tmp_path, "--variants", "locked") == 0
    kept = list((tmp_path / "history").glob("races-gil.*.json"))
    assert [p.read_text() for p in kept] == [first]
    assert json.loads((tmp_path / "races-gil.json").read_text())["trials"][0]["variant"] == (
        "locked"
    )


# -- the real arms ---------------------------------------------------------------------


@pytest.mark.interpreters
@pytest.mark.timeout(300)
@pytest.mark.parametrize("arm", ["gil", "ft", "ft-gil"])
def test_quick_run_on_the_real_arm(arm_python: Any, arm: str, tmp_path: Path) -> None:
    result = arm_python(arm).run(
        "-m", "runners.races", "--arm", arm, "--quick", "--results-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / f"races-{arm}.json").read_text())
    check_document(doc, arm)
    cells = {(t["variant"], t["threads"], t["switch_interval"]) for t in doc["trials"]}
    assert {v for v, _, _ in cells} == set(ALL_VARIANTS)
    assert {n for _, n, _ in cells} == {1, 2}
    assert len({i for _, _, i in cells}) == 2
    assert doc["metadata"]["quick"] is True
    assert "[cell 28/28]" in result.stderr


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_ft_arm_refused_when_python_gil_forces_the_gil(arm_python: Any, tmp_path: Path) -> None:
    ft = arm_python("ft")
    result = ft.run(
        "-m",
        "runners.races",
        "--arm",
        "ft",
        "--quick",
        "--results-dir",
        str(tmp_path),
        env=ft.env(PYTHON_GIL="1"),
    )
    assert result.returncode == races.EXIT_ARM_MISMATCH, result.stderr
    assert "PYTHON_GIL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "races-ft.json").exists()


@pytest.mark.interpreters
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--threads", "0"], "--threads"),
        (["--increments", "-5"], "--increments"),
        (["--variants", "inline,bogus"], "unknown variant 'bogus'"),
        (["--trials", "0"], "--trials"),
        (["--switch-intervals", "0"], "--switch-intervals"),
    ],
)
def test_bad_input_on_the_real_arm(
    arm_python: Any, tmp_path: Path, args: list[str], needle: str
) -> None:
    result = arm_python("ft").run(
        "-m", "runners.races", "--arm", "ft", *args, "--results-dir", str(tmp_path)
    )
    assert result.returncode == races.EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.interpreters
@pytest.mark.timeout(300)
def test_second_real_run_keeps_the_first_in_history(arm_python: Any, tmp_path: Path) -> None:
    gil = arm_python("gil")
    args = ["-m", "runners.races", "--arm", "gil", "--variants", "inline", "--threads", "2"]
    args += ["--trials", "1", "--increments", "1000", "--results-dir", str(tmp_path)]
    assert gil.run(*args).returncode == 0
    first = (tmp_path / "races-gil.json").read_text()
    assert gil.run(*args).returncode == 0
    kept = list((tmp_path / "history").glob("races-gil.*.json"))
    assert [p.read_text() for p in kept] == [first]


@pytest.mark.interpreters
@pytest.mark.timeout(300)
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_interrupted_real_run_writes_the_finished_trials(
    arm_python: Any, tmp_path: Path, signame: str
) -> None:
    gil = arm_python("gil")
    args = ["-m", "runners.races", "--arm", "gil", "--trials", "40", "--increments", "20000"]
    args += ["--results-dir", str(tmp_path)]
    proc = subprocess.Popen(
        [str(gil.python), *args],
        cwd=REPO,
        env=gil.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until a cell has finished, then interrupt mid-run
        if line.startswith("[cell 2/"):
            break
    proc.send_signal(getattr(signal, signame))
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == races.EXIT_INTERRUPTED, rest
    assert "marked incomplete" in rest
    doc = json.loads((tmp_path / "races-gil.json").read_text())
    assert doc["metadata"]["complete"] is False
    assert doc["metadata"]["interrupted"]
    assert len(doc["trials"]) >= 80  # at least the two finished cells
    check_document(doc, "gil", complete=False)
