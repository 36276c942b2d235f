"""analysis.metrics on hand-made results with answers computable by hand.

The fixtures (tests/data/analysis/make_fixtures.py) give every benchmark cell 5 worker
processes whose values are m / 1.1 .. 1.1 m, so each location (a trimmed geometric
mean) is exactly the table's m.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from analysis import metrics
from analysis.load import load_bench, load_races, load_results
from analysis.report.tables import _variants_text
from concepts.fairness import jain_index

DATA = Path(__file__).resolve().parent / "data" / "analysis"
COMPLETE = DATA / "complete"


def _fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analysis_fixtures", DATA / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _fixtures()


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    return load_bench(COMPLETE)


@pytest.fixture(scope="module")
def races() -> pd.DataFrame:
    return load_races(COMPLETE)


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column].isna()] if value is None else rows[rows[column] == value]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


# --------------------------------------------------------------------------- intervals


def test_ratio_ci_is_the_ratio_of_locations_with_a_t_interval() -> None:
    a = [2.0, 2.2, 1.8, 2.1, 1.9]
    b = [1.0, 1.1, 0.9, 1.05, 0.95]  # a = 2 b, process for process
    ratio, lo, hi = metrics.ratio_ci(a, b)
    assert ratio == pytest.approx(2.0)
    assert lo < 2.0 < hi
    assert lo > 1.7 and hi < 2.35
    assert metrics.ratio_ci(a, b) == (ratio, lo, hi)  # deterministic


def test_ratio_ci_needs_two_values_per_side_for_an_interval() -> None:
    ratio, lo, hi = metrics.ratio_ci([3.0], [1.0, 1.0, 1.0])
    assert ratio == pytest.approx(3.0)
    assert math.isnan(lo) and math.isnan(hi)


def test_ratio_ci_rejects_empty_and_nan_samples() -> None:
    with pytest.raises(ValueError):
        metrics.ratio_ci([], [1.0])
    with pytest.raises(ValueError):
        metrics.ratio_ci([1.0, float("nan")], [1.0, 2.0])


def test_location_and_diff_ci() -> None:
    # 100 is trimmed (20% at each end of 5 processes: one each): the geometric mean of
    # 11, 12, 13.
    assert metrics.location_ci([10, 11, 12, 13, 100])[0] == pytest.approx((11 * 12 * 13) ** (1 / 3))
    diff, lo, hi = metrics.diff_ci([5.0, 5.5, 4.8], [2.0, 2.5, 2.2])
    assert diff == pytest.approx((5.0 * 5.5 * 4.8) ** (1 / 3) - (2.0 * 2.5 * 2.2) ** (1 / 3))
    assert lo <= diff <= hi


def test_geomean_ratio_ci() -> None:
    pairs = [([2.0, 2.0, 2.0], [1.0, 1.0, 1.0]), ([8.0, 8.0, 8.0], [1.0, 1.0, 1.0])]
    ratio, lo, hi = metrics.geomean_ratio_ci(pairs)
    assert ratio == pytest.approx(4.0)  # sqrt(2 * 8)
    assert lo == pytest.approx(4.0) and hi == pytest.approx(4.0)  # no spread


# --------------------------------------------------------------------------- per process


def test_per_process_means_and_time_per_op(bench: pd.DataFrame) -> None:
    processes = metrics.per_process(bench)
    cell = processes[
        (processes["arm"] == "gil")
        & (processes["family"] == "cpu-control")
        & (processes["threads"] == 1)
    ]
    # 5 processes of 2 values each: 100 ns / 1.1 .. 1.1 x 100 ns.
    assert sorted(cell["process_value"] * 1e9) == pytest.approx(
        [100 / 1.1, 100 / 1.05, 100, 105, 110]
    )
    assert set(cell["n_values"]) == {2}
    assert set(cell["kind"]) == {"alone"}
    summary = metrics.cell_summary(bench)
    row = _one(summary, arm="gil", family="cpu-control", variant="arith", threads=1)
    assert row["time_s"] == pytest.approx(100e-9)
    assert row["throughput"] == pytest.approx(1e7)
    assert row["n_processes"] == 5 and row["basis"] == "95% CI"
    assert row["time_lo_s"] <= row["time_s"] <= row["time_hi_s"]


def test_interval_basis_needs_four_processes(tmp_path: Path) -> None:
    """Below 4 processes an interval is no CI, with 1 there is none."""
    assert metrics.basis_label([4, 8]) == "95% CI"
    assert metrics.basis_label([3, 8]) == "t interval of 3 processes"
    assert metrics.basis_label([1]) == "none (1 process)"
    for processes, basis in ((3, "t interval of 3 processes"), (1, "none (1 process)")):
        fx.write_bench(tmp_path / str(processes) / "bench-gil.json", "gil", processes=processes)
        fx.write_bench(tmp_path / str(processes) / "bench-ft.json", "ft", processes=processes)
        bench = load_bench(tmp_path / str(processes))
        summary = metrics.cell_summary(bench)
        assert set(summary["basis"]) == {basis}
        assert not summary["basis"].str.contains("95% CI").any()
        assert set(metrics.ratios(bench)["basis"]) == {basis}
        row = _one(summary, arm="gil", family="cpu-control", variant="arith", threads=1)
        assert row["time_s"] == pytest.approx(100e-9)  # the fastest value of process 1
        if processes == 1:  # values inside one process are never resampled
            assert math.isnan(row["time_lo_s"]) and math.isnan(row["time_hi_s"])


# --------------------------------------------------------------------------- known answers


def test_speedup_efficiency_and_ideal(bench: pd.DataFrame) -> None:
    summary = metrics.cell_summary(bench)
    ft2 = _one(summary, arm="ft", family="cpu-control", variant="arith", threads=2)
    assert ft2["speedup"] == pytest.approx(2.0)  # 150 ns / 75 ns
    assert ft2["efficiency"] == pytest.approx(1.0)
    assert ft2["ideal"] == 2.0
    assert ft2["speedup_lo"] <= 2.0 <= ft2["speedup_hi"]
    gil2 = _one(summary, arm="gil", family="cpu-control", variant="arith", threads=2)
    assert gil2["speedup"] == pytest.approx(1.0)
    assert gil2["efficiency"] == pytest.approx(0.5)
    gil4 = _one(summary, arm="gil", family="cpu-control", variant="arith", threads=4)
    assert gil4["ideal"] == 2.0  # min(4, 2 cores)
    assert bool(gil4["oversubscribed"]) and not bool(gil2["oversubscribed"])
    shared = _one(summary, arm="ft", family="increment", variant="shared-list", threads=2)
    assert shared["speedup"] == pytest.approx(0.5)  # 30 ns / 60 ns


def test_ft_gil_ratio_per_benchmark(bench: pd.DataFrame) -> None:
    table = metrics.ratios(bench)
    one_thread = table[(table["num"] == "ft") & (table["den"] == "gil") & (table["threads"] == 1)]
    assert len(one_thread) == len(fx.GIL_NS)
    assert one_thread["ratio"].to_numpy() == pytest.approx(1.5)
    assert (one_thread["lo"] < 1.5).all() and (one_thread["hi"] > 1.5).all()
    ft_gil = table[(table["num"] == "ft-gil") & (table["den"] == "gil")]
    assert ft_gil["ratio"].to_numpy() == pytest.approx(1.4)
    row = _one(table, num="ft", den="gil", family="cpu-control", variant="arith", threads=2)
    assert row["ratio"] == pytest.approx(0.75)


def test_crossover(bench: pd.DataFrame) -> None:
    cross = metrics.crossover(metrics.ratios(bench))
    assert _one(cross, family="cpu-control", variant="arith")["crossover"] == 2
    assert _one(cross, family="cpu-control", variant=None)["crossover"] == 2
    assert _one(cross, family="increment", variant="per-thread")["crossover"] == 2
    assert pd.isna(_one(cross, family="increment", variant="shared-list")["crossover"])
    # Family level: geometric mean of 3.0 (shared-list) and 0.75 (per-thread) = 1.5.
    assert pd.isna(_one(cross, family="increment", variant=None)["crossover"])


def test_crossover_needs_the_whole_interval_below_one(tmp_path: Path) -> None:
    # ft 2% faster at 1 thread (inside the noise), 25% faster at 2 threads.
    ft = {("cpu-control", "arith"): (98.0, 75.0, 75.0)}
    fx.write_bench(
        tmp_path / "bench-gil.json", "gil", table={("cpu-control", "arith"): (100, 100, 100)}
    )
    fx.write_bench(tmp_path / "bench-ft.json", "ft", table=ft)
    bench = load_bench(tmp_path)
    table = metrics.ratios(bench)
    one = _one(table, num="ft", den="gil", threads=1)
    assert one["ratio"] < 1.0 < one["hi"]
    cross = metrics.crossover(table, metrics.family_ratios(bench))
    assert _one(cross, variant="arith")["crossover"] == 2
    assert _one(cross, variant=None)["crossover"] == 2
    # Point estimates alone would call 1 thread a win, but one thread is not parallelism.
    assert _one(metrics.crossover(table, require_ci=False), variant="arith")["crossover"] == 2


def test_a_crossover_holds_at_every_count_above_it(tmp_path: Path) -> None:
    # ft 25% faster at 2 threads but 20% slower at 4: no crossover at all.
    fx.write_bench(
        tmp_path / "bench-gil.json", "gil", table={("cpu-control", "arith"): (100, 100, 100)}
    )
    fx.write_bench(
        tmp_path / "bench-ft.json", "ft", table={("cpu-control", "arith"): (100, 75, 120)}
    )
    bench = load_bench(tmp_path)
    cross = metrics.crossover(metrics.ratios(bench), require_ci=False)
    assert pd.isna(_one(cross, variant="arith")["crossover"])
    assert metrics.can_run_parallel("per-thread", 2) and not metrics.can_run_parallel("fixed", 8)
    assert not metrics.can_run_parallel("pair", 2) and metrics.can_run_parallel("pair", 4)


def test_family_ratios_are_geometric_means(bench: pd.DataFrame) -> None:
    fam = metrics.family_ratios(bench)
    row = _one(fam, family="increment", threads=2)
    assert row["variants"] == 1  # the primitive (shared-list) only, not its control
    assert row["ratio"] == pytest.approx(3.0)  # 60 / 20
    assert row["lo"] < 3.0 < row["hi"]
    control = _one(metrics.family_ratios(bench, role="control"), family="increment", threads=2)
    assert control["ratio"] == pytest.approx(0.75)  # per-thread: 15 / 20 at 2 threads
    # sqrt(2 * 8): a geometric mean; one weight per group when groups are nested.
    pairs = [([2.0] * 3, [1.0] * 3), ([8.0] * 3, [1.0] * 3)]
    assert metrics.geomean_ratio_ci(pairs)[0] == pytest.approx(4.0)
    nested = [[([2.0] * 3, [1.0] * 3)] * 3, [([8.0] * 3, [1.0] * 3)]]
    assert metrics.geomean_ratio_ci(nested)[0] == pytest.approx(4.0)


def test_lock_cost_against_the_unshared_increment(bench: pd.DataFrame) -> None:
    locks = metrics.lock_overhead(bench)
    gil = locks[(locks["arm"] == "gil") & (locks["variant"] == "lock-fine")]
    assert list(gil["threads"]) == [1, 2, 4]
    assert gil["overhead_ns"].to_numpy() == pytest.approx(30.0)  # 50 - 20 ns
    assert set(gil["reference"]) == {"increment-per-thread"}
    assert set(gil["primitive"]) == {"Lock"}
    ft1 = _one(locks, arm="ft", variant="lock-fine", threads=1)
    assert ft1["overhead_ns"] == pytest.approx(45.0)  # 75 - 30
    assert ft1["relative"] == pytest.approx(1.5)  # 75 / 30 - 1
    assert ft1["overhead_lo_ns"] <= 45.0 <= ft1["overhead_hi_ns"]
    assert _one(locks, arm="ft", variant="lock-fine", threads=2)["overhead_ns"] == pytest.approx(
        185.0  # 200 - 15: the lock, its contention and the shared counter's own traffic
    )
    assert _one(locks, arm="gil", variant="rlock-fine", threads=1)["primitive"] == "RLock"
    sem = _one(locks, arm="gil", family="semaphore", variant="k1", threads=1)
    assert sem["overhead_ns"] == pytest.approx(100.0)  # 200 - 100
    assert sem["reference"] == "semaphore-unlocked" and sem["primitive"] == "Semaphore"
    # The unlocked variant itself is a reference, not a locked benchmark.
    assert locks[locks["variant"] == "unlocked"].empty


def test_lock_references_follow_the_rules() -> None:
    available = {
        ("increment", "shared-list"),
        ("increment", "per-thread"),
        ("rlock", "lock-per-thread"),
        ("rlock", "rlock-nested-shared"),
        ("semaphore", "k1"),
    }
    ref = metrics.lock_reference
    assert ref("locked-increment", "lock-coarse", available) == ("increment", "per-thread")
    assert ref("rlock", "lock-per-thread", available) == ("increment", "per-thread")
    assert ref("rlock", "rlock-nested-shared", available) == ("increment", "per-thread")
    assert ref("locked-increment", "lock-fine-duration", available) is None
    assert ref("semaphore", "k1", available) is None  # no unlocked semaphore variant
    assert ref("queue-pipeline", "queue", available) is None
    assert metrics.primitive_of("rlock", "lock-shared") == "Lock"
    assert metrics.primitive_of("rlock", "rlock-nested-shared") == "RLock, 3-deep"
    assert metrics.primitive_of("semaphore", "bounded-k-cores") == "BoundedSemaphore"


def test_missing_lock_reference_is_named(tmp_path: Path) -> None:
    table = {k: v for k, v in fx.GIL_NS.items() if k != ("semaphore", "unlocked")}
    path = fx.write_bench(tmp_path / "bench-gil.json", "gil", table=table)
    missing = metrics.missing_lock_references(load_bench(path))
    assert list(missing) == ["semaphore/k1"]
    assert "unlocked" in missing["semaphore/k1"]


def test_single_thread_overhead(bench: pd.DataFrame) -> None:
    single = metrics.single_thread_overhead(bench)
    everything = _one(single, num="ft", family="all")
    assert everything["overhead"] == pytest.approx(0.5)
    assert everything["n_benchmarks"] == len(fx.GIL_NS)
    assert everything["overhead_lo"] < 0.5 < everything["overhead_hi"]
    assert _one(single, num="ft-gil", family="all")["overhead"] == pytest.approx(0.4)
    assert _one(single, num="ft", family="increment")["n_benchmarks"] == 2


def test_race_loss_distribution(races: pd.DataFrame) -> None:
    loss = metrics.race_loss(races)
    call = _one(loss, arm="gil", variant="call", threads=2, switch_interval=0.005)
    # lost 0, 100, 200 of 1000 -> 0%, 10%, 20%
    assert call["trials"] == 3 and call["trials_with_loss"] == 2
    assert call["median"] == pytest.approx(0.10)
    assert (call["q1"], call["q3"]) == pytest.approx((0.05, 0.15))
    assert call["iqr"] == pytest.approx(0.10)
    assert call["max"] == pytest.approx(0.20)
    inline = _one(loss, arm="ft", variant="inline", threads=2, switch_interval=0.005)
    assert inline["median"] == pytest.approx(0.45)  # 300..600 of 1000
    locked = loss[loss["variant"] == "locked"]
    assert (locked["max"] == 0).all()


def test_family_summary(bench: pd.DataFrame, races: pd.DataFrame) -> None:
    fam = metrics.family_summary(bench, races)
    control = _one(fam, family="cpu-control")
    assert control["threads_cores"] == 2
    assert control["ft_gil_1t"] == pytest.approx(1.5)
    assert control["ft_gil_cores"] == pytest.approx(0.75)
    assert control["speedup_cores_ft"] == pytest.approx(2.0)
    assert control["speedup_cores_gil"] == pytest.approx(1.0)
    assert control["crossover"] == 2
    increment = _one(fam, family="increment", role="primitive")
    assert increment["variants"] == 1 and increment["ft_gil_cores"] == pytest.approx(3.0)
    assert increment["loss_ft"] == pytest.approx(0.45)
    assert increment["loss_gil"] == pytest.approx(0.0)
    assert pd.isna(increment["crossover"])
    # The control is beside the primitive, not averaged with it.
    control_row = _one(fam, family="increment", role="control")
    assert control_row["ft_gil_cores"] == pytest.approx(0.75)
    assert pd.isna(control_row["crossover"])
    assert math.isnan(_one(fam, family="semaphore", role="primitive")["loss_ft"])


def test_family_summary_counts_the_variants_measured_at_n(bench: pd.DataFrame) -> None:
    """A variant missing at N (timed out there) is named: the figures at N skip it."""
    table = {**fx.GIL_NS, ("increment", "shared-list-b"): (20, 20, 20)}
    ft_table = {**fx.FT_NS, ("increment", "shared-list-b"): (30, 60, 60)}
    fx_dir = Path(bench["source"].iloc[0]).parent.parent / "counts-at-n"
    fx.write_bench(fx_dir / "bench-gil.json", "gil", table=table, processes=3)
    fx.write_bench(fx_dir / "bench-ft.json", "ft", table=ft_table, processes=3)
    bench = load_bench(fx_dir)
    full = _one(
        metrics.family_summary(bench, pd.DataFrame()),
        family="increment",
        role="primitive",
    )
    assert full["variants_cores"] == full["variants"] == 2
    gone = (bench["arm"] == "ft") & (bench["family"] == "increment") & (bench["threads"] == 2)
    gone &= bench["variant"] == "shared-list-b"
    fam = metrics.family_summary(bench[~gone], pd.DataFrame())
    increment = _one(fam, family="increment", role="primitive")
    assert (increment["variants"], increment["variants_cores"]) == (2, 1)
    assert _variants_text(2, 1, 2) == "2 (1 at 2 threads)"
    assert _variants_text(2, 2, 2) == "2"


def test_harness_only_benchmark_is_not_averaged_in(tmp_path: Path) -> None:
    table = {**fx.GIL_NS, ("cpu-control", "empty"): (5000.0, 9000.0, 20000.0)}
    ft_table = {**fx.FT_NS, ("cpu-control", "empty"): (5000.0, 9000.0, 20000.0)}
    fx.write_bench(tmp_path / "bench-gil.json", "gil", table=table)
    fx.write_bench(tmp_path / "bench-ft.json", "ft", table=ft_table)
    bench = load_bench(tmp_path)
    fam = metrics.family_summary(bench, pd.DataFrame())
    control = _one(fam, family="cpu-control")
    assert control["variants"] == 1
    assert control["ft_gil_1t"] == pytest.approx(1.5)  # empty's 1.0 left out
    assert control["speedup_cores_gil"] == pytest.approx(1.0)  # not empty's 5000/9000
    assert control["speedup_cores_ft"] == pytest.approx(2.0)
    # ...but still listed per benchmark.
    assert not metrics.ratios(bench).query("variant == 'empty'").empty


def test_invalid_gil_runs_are_left_out(tmp_path: Path) -> None:
    fx.write_bench(tmp_path / "bench-gil.json", "gil")
    fx.write_bench(tmp_path / "bench-ft.json", "ft", gil_enabled_at_end=True)
    bench = load_bench(tmp_path)
    assert not bench[bench["arm"] == "ft"]["gil_valid"].any()
    assert set(metrics.cell_summary(bench)["arm"]) == {"gil"}
    assert metrics.ratios(bench).empty


def test_metrics_are_deterministic(bench: pd.DataFrame) -> None:
    first = metrics.cell_summary(bench)
    second = metrics.cell_summary(bench)
    pd.testing.assert_frame_equal(first, second)


def test_empty_inputs_give_empty_tables() -> None:
    results = load_results([])
    assert metrics.cell_summary(results.bench).empty
    assert metrics.ratios(results.bench).empty
    assert metrics.lock_overhead(results.bench).empty
    assert metrics.race_loss(results.races).empty
    assert metrics.family_summary(results.bench, results.races).empty
    assert np.isnan(metrics.geomean([]))


# --------------------------------------------------------------------------- the new sweep


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.write_sweep(tmp_path_factory.mktemp("sweep"))


def test_each_workload_has_its_own_ideal(sweep: Path) -> None:
    summary = metrics.cell_summary(load_bench(sweep))
    at4 = summary[(summary["threads"] == 4) & (summary["arm"] == "ft")].set_index("variant")
    assert at4.loc["per-thread", "ideal"] == 2.0  # min(4, 2 cores)
    assert at4.loc["shared", "ideal"] == 1.0  # barrier/shared: fixed work
    assert at4.loc["ping-pong", "ideal"] == 2.0  # pairs: min(4 // 2, 2), vs 2 threads
    assert at4.loc["ping-pong", "speedup_base"] == 2
    assert at4.loc["ping-pong", "speedup"] == pytest.approx(2.0)  # 40000 / 20000
    ping1 = _one(summary, arm="ft", variant="ping-pong", threads=1)
    assert math.isnan(ping1["speedup"]) and math.isnan(ping1["ideal"])
    assert at4.loc["shared", "ideal_rule"] == "fixed" and at4.loc["queue", "role"] == "primitive"
    pipe1 = _one(summary, arm="gil", variant="queue", threads=1)
    assert pipe1["effective_threads"] == 3 and bool(pipe1["oversubscribed"])
    assert _one(summary, arm="gil", variant="per-thread", threads=1)["role"] == "control"


def test_ideal_rules() -> None:
    from concepts.families import ideal_speedup, traits

    assert ideal_speedup("per-thread", 8, 2) == 2 and ideal_speedup("per-thread", 1, 16) == 1
    assert ideal_speedup("fixed", 16, 16) == 1
    assert ideal_speedup("pair", 8, 16) == 4 and math.isnan(ideal_speedup("pair", 1, 2))
    assert traits("event-broadcast").ideal == "fixed"
    assert traits("condition-shared").ideal == "pair"
    assert traits("queue-pipeline-simple-queue").helper_threads == 2
    assert traits("event-loop-asyncio-shared-loop").helper_threads == 1
    assert traits("executor-process-pool").helper_threads == 1
    assert traits("semaphore-unlocked").role == "control"
    assert traits("ownership-lock-other").role == "control"
    assert traits("semaphore-k1-duration").mode == "duration"
    assert not traits("made-up-thing").known


def test_single_thread_overhead_leaves_helper_threads_out(sweep: Path) -> None:
    single = metrics.single_thread_overhead(load_bench(sweep))
    assert "queue-pipeline" not in set(single["family"])  # producer + consumer at N = 1
    everything = _one(single, num="ft", family="all")
    # One weight per family: increment, locked-increment, barrier, event 1.5 each;
    # ownership (list-own 40/30, list-other 60/30) sqrt(4/3 * 2).
    expected = math.exp((4 * math.log(1.5) + math.log(math.sqrt(4 / 3 * 2))) / 5)
    assert everything["ratio"] == pytest.approx(expected)
    assert everything["n_families"] == 5 and everything["n_benchmarks"] == 6
    assert everything["profile_num"] == everything["profile_den"] == "optimized"


def test_jain_index_known_answers() -> None:
    assert jain_index([5, 5, 5, 5]) == pytest.approx(1.0)
    assert jain_index([1, 0, 0, 0]) == pytest.approx(0.25)
    assert jain_index([3, 1]) == pytest.approx(0.8)  # 16 / (2 * 10)


def test_fairness_table(sweep: Path) -> None:
    table = metrics.fairness(load_bench(sweep))
    row = _one(table, arm="ft", family="locked-increment", variant="lock-fine", threads=2)
    assert row["jain"] == pytest.approx(0.9) and row["jain_min"] == pytest.approx(0.8)
    assert row["spread"] == pytest.approx(0.3) and row["spread_max"] == pytest.approx(0.5)
    timed = _one(table, arm="ft", variant="lock-fine-duration", threads=2)
    assert timed["mode"] == "duration"
    assert timed["run_seconds"] == pytest.approx(0.05) and timed["switch_intervals"] == 10
    assert math.isnan(row["run_seconds"]) and math.isnan(row["switch_intervals"])
    assert table[table["family"].isin(["increment", "ownership"])].empty  # nothing shared
    # Ten switch intervals are too few for a GIL arm's index, not for the ft arm's.
    coarse = metrics.coarse_gil_fairness(table)
    assert set(zip(coarse["arm"], coarse["variant"], strict=True)) == {
        ("gil", "lock-fine-duration")
    }


def test_parallelism_flags_runs_short_of_cpus(sweep: Path) -> None:
    table = metrics.parallelism(load_bench(sweep))
    ft2 = _one(table, arm="ft", family="increment", variant="per-thread", threads=2)
    assert ft2["expected"] == 2 and ft2["runs_short_of_cpus"] == 1 and ft2["runs"] == 5
    gil2 = _one(table, arm="gil", family="increment", variant="per-thread", threads=2)
    assert gil2["expected"] == 1 and gil2["runs_short_of_cpus"] == 0
    assert table[table["family"] == "locked-increment"].empty  # shares a lock: not judged


def test_memory_latency_ownership(sweep: Path) -> None:
    results = load_results(sweep)
    memory = metrics.memory(results.bench)
    assert memory["mib_gil"].to_numpy() == pytest.approx(30.0)
    assert memory["ft_gil"].to_numpy() == pytest.approx(40 / 30)
    latency = metrics.latency_summary(results.latency)
    ft = _one(latency, arm="ft", benchmark="event-ping-pong", threads=2)
    assert ft["p50_s"] == pytest.approx(1.5 * 22e-6)  # median of 20, 22, 24 us x 1.5
    assert ft["max_s"] == pytest.approx(1.5 * 600e-6) and ft["trials"] == 3
    own = metrics.ownership(results.bench)
    assert _one(own, arm="ft", object="list", threads=2)["ratio"] == pytest.approx(1.5)
    assert _one(own, arm="gil", object="list", threads=4)["ratio"] == pytest.approx(1.0)
    assert set(own["basis"]) == {"95% CI"}


def test_session_pairing_notes(tmp_path: Path, sweep: Path) -> None:
    assert metrics.session_notes(metrics.ratios(load_bench(sweep))) == []
    apart = fx.write_sweep(tmp_path / "apart", sessions=("s1", "s2"))
    notes = metrics.session_notes(metrics.ratios(load_bench(apart)))
    assert any("different sessions" in n and n.startswith("ft/gil") for n in notes)
    serial = tmp_path / "serial"
    for arm in ("gil", "ft"):
        fx.write_bench(serial / f"bench-{arm}.json", arm, session="s9", interleaved=False)
    notes = metrics.session_notes(metrics.ratios(load_bench(serial)))
    assert any("not interleaved" in n for n in notes)
    old = metrics.session_notes(metrics.ratios(load_bench(COMPLETE)))
    assert any("record no session" in n for n in old)


def test_safe_race_variants_come_from_the_file(tmp_path: Path) -> None:
    assert metrics.safe_variants(load_races(COMPLETE)) == ("locked", "itertools-count")
    path = fx.write_races(tmp_path / "races-ft.json", "ft", safe_variants=["locked", "atomic"])
    assert metrics.safe_variants(load_races(path)) == ("atomic", "locked")


def test_a_shared_object_pattern_that_does_not_scale_is_named(tmp_path: Path) -> None:
    # ft: the shared object's time per op doubles at 2 threads, the own twin's halves.
    gil = {
        ("shared-object", "attr-read-shared"): (100.0, 100.0, 100.0),
        ("shared-object", "attr-read-own"): (100.0, 100.0, 100.0),
    }
    ft = {
        ("shared-object", "attr-read-shared"): (150.0, 300.0, 300.0),
        ("shared-object", "attr-read-own"): (150.0, 75.0, 75.0),
    }
    fx.write_bench(tmp_path / "bench-gil.json", "gil", table=gil)
    fx.write_bench(tmp_path / "bench-ft.json", "ft", table=ft)
    bench = load_bench(tmp_path)
    table = metrics.shared_patterns(metrics.cell_summary(bench), metrics.ratios(bench), cores=2)
    row = _one(table, pattern="attr-read")
    assert row["threads"] == 2 and bool(row["does_not_scale"])
    assert row["ft_speedup_shared"] == pytest.approx(0.5, rel=0.05)
    assert row["ft_speedup_own"] == pytest.approx(2.0, rel=0.05)
    assert row["ft_gil_shared"] == pytest.approx(3.0, rel=0.05)
    assert row["build_cost"] == pytest.approx(1.5, rel=0.05)
