"""runners.bench's pure helpers, in the test interpreter: options, matrix, statistics."""

from __future__ import annotations

import re

import pytest

from benchmarks import Prepared, Workload
from concepts.cli import UsageError
from runners import bench
from runners.bench import affinity_cpus, default_threads, parse_threads, plan


def workload(variant: str, **kw: object) -> Workload:
    def prepare(threads: int, ops: int) -> Prepared:
        return Prepared([lambda: None] * threads, threads * ops)

    return Workload("cpu-control", variant, "test", prepare, 1, **kw)  # type: ignore[arg-type]


def test_default_threads_are_one_the_cpus_and_the_powers_of_two_between() -> None:
    assert default_threads(1) == (1,)
    assert default_threads(2) == (1, 2)
    assert default_threads(6) == (1, 2, 4, 6)
    assert default_threads(16) == (1, 2, 4, 8, 16)
    # Oversubscription is one option away: powers of two up to twice the CPUs.
    assert default_threads(1, oversubscribe=True) == (1, 2)
    assert default_threads(2, oversubscribe=True) == (1, 2, 4)
    assert default_threads(6, oversubscribe=True) == (1, 2, 4, 6, 8)


def test_default_budget_is_25_minutes_for_the_2_core_matrix_scaled() -> None:
    assert bench.default_budget_minutes(94, 2) == pytest.approx(25.0)
    assert bench.default_budget_minutes(94, 4) == pytest.approx(50.0)
    assert bench.default_budget_minutes(47, 2) == pytest.approx(12.5)


def test_parse_targets() -> None:
    assert bench.parse_targets("5,10") == {"alone": 0.05, "shared": 0.10}
    assert bench.parse_targets("8") == {"alone": 0.08, "shared": 0.08}
    assert bench.parse_targets("0") is None
    for bad in ("-1", "x", "1,2,3", ""):
        with pytest.raises(UsageError):
            bench.parse_targets(bad)


def test_parse_threads() -> None:
    assert parse_threads("4,1, 2,2") == (1, 2, 4)
    for bad in ("0", "-1", "1,x", ""):
        with pytest.raises(UsageError):
            parse_threads(bad)


def test_affinity_cpus() -> None:
    assert affinity_cpus("0-2,5") == {0, 1, 2, 5}
    for bad in ("x", "", "1-a"):
        with pytest.raises(UsageError):
            affinity_cpus(bad)


def test_plan_filters_by_name_and_honours_fixed_thread_counts() -> None:
    free, pair = workload("free"), workload("pair", thread_counts=(2,))
    skip = workload("skip", skip_reason=lambda: "needs 3.14")
    names = [p.name for p in plan([free, pair, skip], (1, 4), explicit_threads=False, pattern=None)]
    assert names == [
        "cpu-control-free-t1",
        "cpu-control-free-t4",
        "cpu-control-pair-t2",
        "cpu-control-skip-t1",
        "cpu-control-skip-t4",
    ]
    # Thread counts the user chose restrict the fixed ones too.
    assert not plan([pair], (1, 4), explicit_threads=True, pattern=None)
    matched = plan([free, skip], (1, 2), explicit_threads=False, pattern=re.compile("skip-t2"))
    assert [(p.name, p.skip_reason) for p in matched] == [("cpu-control-skip-t2", "needs 3.14")]


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--arm", "gil", "--target-ci", "-1"]) == 2
    assert "--target-ci must be >= 0" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--rounds", "0"]) == 2
    assert "--rounds and --max-rounds must be >= 1" in capsys.readouterr().err
    assert bench.main(["--arm", "nogil"]) == 2
    assert "unknown arm 'nogil'" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--arm", "gil"]) == 2
    assert "given twice" in capsys.readouterr().err
    assert bench.main(["--arm", "ft=/no/such/python"]) == 2
    assert "no such interpreter" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--budget", "0"]) == 2
    assert "--budget must be > 0" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--affinity", "zz"]) == 2
    assert "bad CPU list" in capsys.readouterr().err
