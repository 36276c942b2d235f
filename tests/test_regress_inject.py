"""The calibration's known slowdown (runners.inject): parsing, matching, the wrapper, the marking.

No timings are asserted: the wrapper's result is checked against the lower bound its
busy-wait guarantees (it spins until the clock has advanced by the requested time).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runners import inject
from tests.conftest import ArmPython

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(inject.ENV_VAR, raising=False)
    monkeypatch.delenv(inject.SIDE_VAR, raising=False)


def test_off_by_default() -> None:
    def func(loops: int) -> float:
        return 1.0

    assert inject.active_spec() is None
    assert inject.slowdown_for("locked-increment-lock-fine-t1") == 0.0
    assert inject.wrap_time_func("locked-increment-lock-fine-t1", func) is func
    assert inject.metadata("locked-increment-lock-fine-t1") == {}
    assert inject.inherit_environ() == []


def test_parse() -> None:
    assert inject.parse("a-b:0.25, c-d@ft:1, *@H:0.21:half") == [
        ("a-b", None, 0.25, "every"),
        ("c-d", "ft", 1.0, "every"),
        ("*", "H", 0.21, "half"),
    ]


@pytest.mark.parametrize("spec", ["nocolon", ":0.2", "x:abc", "x:0", "x:-1", "x:11", ","])
def test_bad_specs_are_refused(spec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(inject.InjectSpecError, match=inject.ENV_VAR):
        inject.parse(spec)
    monkeypatch.setenv(inject.ENV_VAR, spec)
    with pytest.raises(inject.InjectSpecError):
        inject.metadata("x-t1")


def test_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(inject.ENV_VAR, "locked-increment-lock-fine:0.25,semaphore-k1-t2@ft:0.5")
    assert inject.slowdown_for("locked-increment-lock-fine-t1") == 0.25
    assert inject.slowdown_for("locked-increment-lock-fine-t2", "gil") == 0.25
    assert inject.slowdown_for("locked-increment-lock-fine-coarse-t1") == 0.0
    assert inject.slowdown_for("locked-increment-rlock-fine-t1") == 0.0
    assert inject.slowdown_for("semaphore-k1-t2", "ft") == 0.5
    assert inject.slowdown_for("semaphore-k1-t2", "gil") == 0.0
    assert inject.slowdown_for("semaphore-k1-t1", "ft") == 0.0


def test_a_side_of_an_interleaved_sweep_is_matched_by_its_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``name@ft.head`` slows the head's ft side of an A/B sweep, not the base's."""
    monkeypatch.setenv(inject.ENV_VAR, "locked-increment-lock-fine@ft.head:0.15")
    monkeypatch.setenv(inject.SIDE_VAR, "ft.head")
    assert inject.slowdown_for("locked-increment-lock-fine-t1", "ft") == 0.15
    assert inject.metadata("locked-increment-lock-fine-t1", "ft") == {
        "injected_slowdown": "locked-increment-lock-fine@ft.head:0.15"
    }
    monkeypatch.setenv(inject.SIDE_VAR, "ft.base")
    assert inject.slowdown_for("locked-increment-lock-fine-t1", "ft") == 0.0
    assert inject.metadata("locked-increment-lock-fine-t1", "ft") == {}


def test_wrapper_adds_proportional_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(inject.ENV_VAR, "x-y:0.25")
    seen: list[int] = []

    def func(loops: int) -> float:
        seen.append(loops)
        return 0.004

    slowed = inject.wrap_time_func("x-y-t1", func)
    assert slowed is not func
    started = time.perf_counter()
    assert slowed(3) == pytest.approx(0.004 * 1.25)  # exactly the injected factor
    assert time.perf_counter() - started >= 0.001  # ... and the extra work was done
    assert seen == [3]
    assert inject.wrap_time_func("other-t1", func) is func


def test_half_slows_the_processes_with_an_odd_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(inject.ENV_VAR, "*@H:0.21:half")
    monkeypatch.setenv(inject.SIDE_VAR, "H")
    assert inject.slowdown_for("any-thing-t2", "gil", pid=7) == pytest.approx(0.21)
    assert inject.slowdown_for("any-thing-t2", "gil", pid=8) == 0.0
    # Every process of the side is marked, slowed or not: the side is an injected one.
    assert inject.metadata("any-thing-t2", "gil") == {"injected_slowdown": "*@H:0.21:half"}
    monkeypatch.setenv(inject.SIDE_VAR, "A")
    assert inject.metadata("any-thing-t2", "gil") == {}


def test_only_slowed_benchmarks_are_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(inject.ENV_VAR, "x-y:0.25")
    assert inject.metadata("x-y-t1") == {"injected_slowdown": "x-y:0.25"}
    assert inject.metadata("other-t1") == {}
    assert inject.inherit_environ() == [inject.ENV_VAR, inject.SIDE_VAR]


@pytest.mark.interpreters
@pytest.mark.slow
def test_hook_reaches_pyperf_workers_and_marks_the_result(
    tmp_path: Path, arm_python: Callable[[str], ArmPython]
) -> None:
    """End to end on the real gil interpreter: the worker sees the variable and records it."""
    gil = arm_python("gil")
    out = tmp_path / "out.json"
    env = gil.env(**{inject.ENV_VAR: "increment-per-thread:0.25", "PYTHONPATH": str(REPO)})
    cmd = [
        str(gil.python), "-m", "runners.bench.worker", "--gilbench-arm", "gil",
        "--gilbench-workload", "increment-per-thread", "--gilbench-threads", "1",
        "-p", "1", "-n", "1", "-w", "0", "--loops", "1", "--hook", "gilbench", "-o", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import pyperf

    bench = pyperf.Benchmark.load(str(out))
    for run in bench.get_runs():
        assert run.get_metadata()["injected_slowdown"] == "increment-per-thread:0.25"
