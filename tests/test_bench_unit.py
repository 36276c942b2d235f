"""runners.bench's pure helpers, in the test interpreter: options, matrix, statistics."""

from __future__ import annotations

import re
import statistics

import pytest

from benchmarks import Prepared, Workload
from runners import bench
from runners._bench_stats import median_ci_halfwidth
from runners.bench import UsageError, default_threads, parse_cpu_list, parse_threads, plan


def workload(variant: str, **kw: object) -> Workload:
    def prepare(threads: int, ops: int) -> Prepared:
        return Prepared([lambda: None] * threads, threads * ops)

    return Workload("cpu-control", variant, "test", prepare, 1, **kw)  # type: ignore[arg-type]


def test_default_threads_are_powers_of_two_up_to_twice_the_cpus() -> None:
    assert default_threads(1) == (1, 2)
    assert default_threads(2) == (1, 2, 4)
    assert default_threads(6) == (1, 2, 4, 8)


def test_parse_threads() -> None:
    assert parse_threads("4,1, 2,2") == (1, 2, 4)
    for bad in ("0", "-1", "1,x", ""):
        with pytest.raises(UsageError):
            parse_threads(bad)


def test_parse_cpu_list() -> None:
    assert parse_cpu_list("0-2,5") == {0, 1, 2, 5}
    for bad in ("x", "", "1-a"):
        with pytest.raises(UsageError):
            parse_cpu_list(bad)


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


def test_median_ci_halfwidth_shrinks_with_more_samples_and_is_seeded() -> None:
    import random

    rng = random.Random(1)
    small = [1 + rng.gauss(0, 0.1) for _ in range(8)]
    large = small + [1 + rng.gauss(0, 0.1) for _ in range(56)]
    assert median_ci_halfwidth(small) == median_ci_halfwidth(small)
    assert 0 < median_ci_halfwidth(large) < median_ci_halfwidth(small)
    assert median_ci_halfwidth([2.0] * 5) == 0
    assert median_ci_halfwidth([1.0]) == float("inf")
    # Resampled medians never leave the sample's range.
    spread = (max(small) - min(small)) / statistics.median(small)
    assert median_ci_halfwidth(small) <= spread


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--arm", "gil", "--target-ci", "-1"]) == 2
    assert "--target-ci must be >= 0" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--max-processes", "0"]) == 2
    assert "--max-processes must be >= 1" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--seconds-per-benchmark", "0"]) == 2
    assert "--seconds-per-benchmark must be > 0" in capsys.readouterr().err
    assert bench.main(["--arm", "gil", "--affinity", "zz"]) == 2
    assert "bad CPU list" in capsys.readouterr().err
