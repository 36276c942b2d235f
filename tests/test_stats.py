"""concepts.stats and the calibration checks built on it (runners.calibrate), in the
test interpreter: known values, simulated coverage, and checks that fail both ways."""

from __future__ import annotations

import dataclasses
import json
import math
import random
from pathlib import Path

import pytest

from concepts import stats
from concepts.tdist import t_cdf, t_quantile
from runners import calibrate


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (2, 4.3027), (3, 3.1824), (7, 2.3646), (30, 2.0423), (math.inf, 1.9600)],
)
def test_t_quantile_matches_the_tables(df: float, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)
    assert t_cdf(t_quantile(0.975, df), df) == pytest.approx(0.975, abs=1e-9)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=1e-4)


def test_row_kinds_and_like_with_like() -> None:
    assert stats.row_kind(1) == stats.ALONE
    assert stats.row_kind(1, helper_threads=1) == stats.SHARED
    assert stats.row_kind(2) == stats.SHARED
    assert stats.common_kind(stats.ALONE, stats.ALONE) == stats.ALONE
    assert stats.common_kind(stats.ALONE, stats.SHARED) == stats.SHARED
    assert stats.process_statistic([3.0, 1.0, 2.0], stats.ALONE) == 1.0
    assert stats.process_statistic([3.0, 1.0, 2.0], stats.SHARED) == 2.0


def test_trimmed_log_location() -> None:
    # 10 values: 2 cut at each end; the rest's geometric mean.
    samples = [1.0, 100.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.001, 1000.0]
    assert stats.location(samples) == pytest.approx(2.0)
    plain = stats.log_location([1.0, 4.0], trim=0.0)
    assert math.exp(plain.center) == pytest.approx(2.0)
    assert plain.df == 1.0 and plain.variance == pytest.approx(math.log(4.0) ** 2 / 4)
    assert math.isnan(stats.log_location([3.0]).variance)
    with pytest.raises(ValueError):
        stats.log_location([1.0, 0.0])


def _coverage(trim: float, n: int, sigma: float, true_ratio: float, trials: int = 1500) -> float:
    rng = random.Random(7)
    hits = 0
    for _ in range(trials):
        a = [math.exp(rng.gauss(0.0, sigma)) for _ in range(n)]
        b = [true_ratio * math.exp(rng.gauss(0.0, sigma * 1.5)) for _ in range(n + 3)]
        terms = [(1.0, stats.log_location(b, trim)), (-1.0, stats.log_location(a, trim))]
        _, low, high = stats.contrast_interval(terms)
        hits += low <= true_ratio <= high
    return hits / trials


@pytest.mark.parametrize("trim", [0.0, stats.TRIM])
def test_ratio_intervals_cover_at_their_level_in_simulation(trim: float) -> None:
    """Log-normal processes, unequal spreads and sizes: 95% intervals cover ~95%."""
    assert 0.93 <= _coverage(trim, 8, 0.05, 1.1) <= 0.97


def test_geomean_and_difference_intervals() -> None:
    pairs = [([2.0, 2.1, 1.9], [1.0, 1.0, 1.0]), ([8.0, 8.4, 7.6], [1.0, 1.0, 1.0])]
    point, low, high = stats.geomean_interval(pairs)
    expected = math.sqrt(stats.location(pairs[0][0]) * stats.location(pairs[1][0]))
    assert point == pytest.approx(expected)
    assert low < point < high
    diff, lo, hi = stats.difference_interval([5.0, 5.5, 4.8], [2.0, 2.5, 2.2])
    assert lo < diff < hi


def test_binomial_interval_is_clopper_pearson() -> None:
    low, high = stats.binomial_interval(27, 30)
    assert low == pytest.approx(0.7347, abs=1e-3) and high == pytest.approx(0.9789, abs=1e-3)
    assert stats.binomial_interval(10, 10) == (pytest.approx(0.6915, abs=1e-3), 1.0)
    with pytest.raises(ValueError):
        stats.binomial_interval(3, 2)


# --------------------------------------------------------------------------- calibration


def _aa_rows(count: int = 200, seed: int = 3) -> list[calibrate.Judged]:
    """A/A comparisons of simulated cells with the real estimator: honest by construction."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        sigma = rng.uniform(0.02, 0.15)
        a = [math.exp(rng.gauss(0.0, sigma)) for _ in range(8)]
        b = [math.exp(rng.gauss(0.0, sigma)) for _ in range(8)]
        ratio, low95, high95 = stats.ratio_interval(b, a, 0.95)
        _, low50, high50 = stats.ratio_interval(b, a, 0.50)
        rows.append(
            calibrate.Judged(
                f"b{index}-t1", "B", stats.ALONE, (8, 8), ratio, low95, high95, low50, high50, 1.0
            )
        )
    return rows


def _scaled(row: calibrate.Judged, factor: float) -> calibrate.Judged:
    """``row`` with both intervals ``factor`` times as wide on the log scale."""

    def widen(bound: float) -> float:
        return math.exp(math.log(row.ratio) + factor * (math.log(bound) - math.log(row.ratio)))

    return dataclasses.replace(
        row,
        low95=widen(row.low95),
        high95=widen(row.high95),
        low50=widen(row.low50),
        high50=widen(row.high50),
    )


def test_honest_intervals_pass_the_calibration() -> None:
    found = calibrate.checks(_aa_rows())
    assert [c.name for c in found] == [
        "A/A 95% intervals covering 1.0",
        "A/A 50% intervals covering 1.0",
    ]
    assert all(check.passed for check in found), [c.line() for c in found]


@pytest.mark.parametrize("factor", [3.0, 1 / 3])
def test_intervals_three_times_too_wide_or_too_narrow_fail(factor: float) -> None:
    found = calibrate.checks([_scaled(row, factor) for row in _aa_rows()])
    assert not all(check.passed for check in found)
    failed = {check.name for check in found if not check.passed}
    if factor > 1:  # too wide: the 95% check alone would not see it
        assert "A/A 50% intervals covering 1.0" in failed
    else:
        assert "A/A 95% intervals covering 1.0" in failed


def test_injected_sides_are_judged_against_their_true_factor() -> None:
    assert calibrate.truth("B") == 1.0
    assert calibrate.truth("P") == pytest.approx(1.10)
    assert calibrate.truth("H") == pytest.approx(math.sqrt(1.21))
    rows = [dataclasses.replace(row, side="P", truth=1.10) for row in _aa_rows(50)]
    # Intervals around 1.0 do not contain 1.10: the injected check fails.
    found = {check.name: check for check in calibrate.checks(rows)}
    assert not found["P: 95% intervals containing the true factor 1.100"].passed


COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "data" / "precision-2core"


def test_calibration_from_committed_suites_gives_the_committed_verdict(tmp_path: Path) -> None:
    assert (
        calibrate.main(
            [
                "--arm",
                "ft",
                "--from",
                str(COMMITTED / "calibration-ft"),
                "--results-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    fresh = json.loads((tmp_path / "calibration" / "calibration-ft.json").read_text())
    committed = json.loads((COMMITTED / "calibration-ft.json").read_text())
    assert fresh["checks"] == committed["checks"]


def test_calibration_that_cannot_write_is_one_line_and_74(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("")
    code = calibrate.main(
        ["--arm", "ft", "--from", str(COMMITTED / "calibration-ft"), "--results-dir", str(blocker)]
    )
    assert code == 74
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m runners.calibrate: error: cannot write ")
