"""analysis.load: tidy frames from pyperf and races files, foreign files, bad input."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from analysis.load import (
    BENCH_COLUMNS,
    LoadError,
    load_bench,
    load_races,
    load_results,
    recorded_cpus,
    short_version,
    truthy,
)

DATA = Path(__file__).resolve().parent / "data" / "analysis"
COMPLETE = DATA / "complete"
FOREIGN = DATA / "foreign-timeit.json"


def _fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analysis_fixtures", DATA / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _fixtures()


def test_bench_frame_has_one_row_per_value() -> None:
    bench = load_bench(COMPLETE)
    assert list(bench.columns[: len(BENCH_COLUMNS)]) == BENCH_COLUMNS
    # 3 arms x 7 benchmarks x 3 thread counts x 5 processes x 2 values; the calibration
    # run each benchmark starts with has no values and is skipped.
    assert len(bench) == 3 * len(fx.GIL_NS) * 3 * 5 * 2
    assert sorted(bench["run"].unique()) == [0, 1, 2, 3, 4]
    # Files written before workloads recorded their traits: taken from concepts.families.
    control = bench[bench["benchmark"] == "increment-per-thread-t2"].iloc[0]
    assert (control["role"], control["ideal"], control["traits_from"]) == (
        "control",
        "per-thread",
        "table",
    )
    assert pd.isna(control["cpu_per_wall"]) and pd.isna(control["session"])
    assert bench[bench["family"] == "cpu-control"]["traits_from"].eq("default").all()
    row = bench[(bench["arm"] == "ft") & (bench["benchmark"] == "cpu-control-arith-t2")].iloc[0]
    assert row["family"] == "cpu-control" and row["variant"] == "arith"
    assert row["threads"] == 2
    assert row["python_version"] == "3.13.5"
    assert row["py_gil_disabled"] is True or bool(row["py_gil_disabled"])
    assert not bool(row["gil_enabled_at_start"]) and not bool(row["gil_enabled_at_end"])
    assert row["cpu_count"] == 2 and row["cores"] == 2
    assert row["cpu_model"] == "Fixture CPU @ 2.00GHz"
    assert row["hostname"] == "fixture-host"
    assert str(row["date"]).startswith("2026-11-24")
    assert row["source"].endswith("bench-ft.json")
    assert bool(row["gil_valid"]) and not bool(row["foreign"])
    assert bench["value"].min() > 0


def test_races_frame_has_one_row_per_trial() -> None:
    races = load_races(COMPLETE)
    raw = json.loads((COMPLETE / "races-gil.json").read_text())
    assert len(races[races["arm"] == "gil"]) == len(raw["trials"])
    call = races[(races["arm"] == "gil") & (races["variant"] == "call") & (races["threads"] == 2)]
    assert sorted(call[call["switch_interval"] == 0.005]["loss_rate"]) == pytest.approx(
        [0.0, 0.1, 0.2]
    )
    assert {"python_version", "cpu_model", "hostname", "gil_enabled_at_start"} <= set(races)


def test_foreign_pyperf_file_is_listed_not_fatal() -> None:
    results = load_results([COMPLETE, FOREIGN])
    assert not results.problems
    foreign = results.bench[results.bench["foreign"].astype(bool)]
    assert set(foreign["benchmark"]) == {"timeit-1+1"}
    assert foreign["family"].isna().all()
    assert foreign["threads"].isna().all()
    assert len(foreign) >= 2


def test_live_pyperf_timeit_file_loads(tmp_path: Path) -> None:
    out = tmp_path / "timeit.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyperf",
            "timeit",
            "-q",
            "-p",
            "2",
            "-n",
            "2",
            "-w",
            "0",
            "-l",
            "100",
            "-o",
            str(out),
            "1+1",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    bench = load_bench(out)
    assert bench["foreign"].all() and len(bench) == 4
    assert bench["arm"].isna().all()  # nothing says which arm it is


def test_arm_comes_from_the_file_name_when_metadata_lacks_it(tmp_path: Path) -> None:
    path = fx.write_bench(tmp_path / "bench-ft-gil.json", "ft-gil", arm=None)
    data = json.loads(path.read_text())
    assert "arm" not in data["metadata"]
    assert set(load_bench(path)["arm"]) == {"ft-gil"}


def test_wrong_gil_state_marks_rows_invalid(tmp_path: Path) -> None:
    path = fx.write_bench(tmp_path / "bench-ft.json", "ft", gil_enabled_at_start="1")
    assert not load_bench(path)["gil_valid"].any()


def test_directories_skip_history_and_report(tmp_path: Path) -> None:
    fx.write_complete(tmp_path, arms=("gil",))
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "bench-gil.20260101T000000.json").write_text("{broken")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "bench-x.json").write_text("{broken")
    (tmp_path / "notes.json").write_text("{broken")
    results = load_results(tmp_path)
    assert not results.problems
    assert len(results.files) == 2


def test_groups_split_by_host_and_by_version(tmp_path: Path) -> None:
    fx.write_complete(tmp_path / "a", arms=("gil", "ft"))
    fx.write_complete(tmp_path / "b", arms=("gil", "ft"))
    for arm in ("gil", "ft"):
        fx.write_bench(tmp_path / "b" / f"bench-{arm}.json", arm, hostname="other-host")
        fx.write_races(tmp_path / "b" / f"races-{arm}.json", arm, hostname="other-host")
    results = load_results([tmp_path / "a", tmp_path / "b"])
    assert set(results.bench["group"]) == {"fixture-host", "other-host"}
    assert set(results.races["group"]) == {"fixture-host", "other-host"}
    # Same host, 3.13 and 3.14 of each arm: one group per interpreter set (version and
    # the build profile the fixtures' configure flags amount to).
    fx.write_complete(tmp_path / "c", arms=("gil", "ft"))
    for arm in ("gil", "ft"):
        fx.write_bench(tmp_path / "c" / f"bench-{arm}.json", arm, python_version="3.14.0")
        fx.write_races(tmp_path / "c" / f"races-{arm}.json", arm, python_version="3.14.0")
    both = load_results([tmp_path / "a", tmp_path / "c"])
    assert set(both.bench["group"]) == {
        "fixture-host · 3.13.5-optimized",
        "fixture-host · 3.14.0-optimized",
    }
    assert set(both.bench["interpreter_set"]) == {"3.13.5-optimized", "3.14.0-optimized"}


def test_interpreter_sets_beside_the_default_one_are_found_and_kept_apart(tmp_path: Path) -> None:
    """results/ and results/sets/<set>/ (where tox puts another set): two groups, one
    per set, both found from results/ alone; the recorded set name wins."""
    fx.write_complete(tmp_path, arms=("gil", "ft"))
    other = tmp_path / "sets" / "3.13.5-plain"
    for arm in ("gil", "ft"):
        fx.write_bench(other / f"bench-{arm}.json", arm, interpreter_set="3.13.5-plain")
    results = load_results([tmp_path])
    assert set(results.bench["interpreter_set"]) == {"3.13.5-optimized", "3.13.5-plain"}
    assert results.bench.groupby("interpreter_set")["group"].nunique().max() == 1
    assert results.bench["group"].nunique() == 2
    for _, frame in results.bench.groupby("group"):
        assert set(frame["arm"]) == {"gil", "ft"}


def test_one_hostname_two_machines_stay_two_groups(tmp_path: Path) -> None:
    """Both machine kinds call themselves ``vm``: CPU count tells them apart, not the name."""
    fx.write_two_machines(tmp_path)
    results = load_results([tmp_path / "2core", tmp_path / "16core"])
    assert set(results.bench["group"]) == {"vm · 2 cpus", "vm · 16 cpus"}
    by_group = results.bench.groupby("group")["cores"].unique()
    assert list(by_group["vm · 16 cpus"]) == [16] and list(by_group["vm · 2 cpus"]) == [2]
    # Each group holds both arms of its own directory, nothing of the other one.
    for _, frame in results.bench.groupby("group"):
        assert set(frame["arm"]) == {"gil", "ft"} and frame["origin"].nunique() == 1


def test_two_arms_of_one_directory_are_one_group(tmp_path: Path) -> None:
    fx.write_complete(tmp_path / "r", arms=("gil", "ft"))
    results = load_results(tmp_path / "r")
    assert results.bench["group"].nunique() == 1
    assert set(results.bench["arm"]) == {"gil", "ft"}
    # Same machine facts, two result directories: two measurements, two groups.
    fx.write_complete(tmp_path / "s", arms=("gil", "ft"))
    both = load_results([tmp_path / "r", tmp_path / "s"])
    assert set(both.bench["group"]) == {"fixture-host · r", "fixture-host · s"}


def test_helpers() -> None:
    assert truthy(True) and truthy("1") and truthy("True") and truthy(1)
    assert truthy(False) is False and truthy("0") is False and truthy(None) is None
    assert short_version("3.13.5 (64-bit) revision 6cb20a2") == "3.13.5"
    assert short_version("3.14.0rc1") == "3.14.0rc1"
    assert recorded_cpus("0,1") == [0, 1]
    assert recorded_cpus("0-3,6") == [0, 1, 2, 3, 6]
    assert recorded_cpus("junk") is None


# --------------------------------------------------------------------------- bad input


def test_missing_directory_raises_one_line() -> None:
    with pytest.raises(LoadError, match="no such file or directory") as info:
        load_results(Path("/nonexistent/gilbench-results"))
    assert "\n" not in str(info.value)


def test_empty_directory(tmp_path: Path) -> None:
    results = load_results(tmp_path)
    assert results.files == [] and results.problems == []
    assert results.bench.empty and results.races.empty
    with pytest.raises(LoadError, match="no bench-"):
        load_bench(tmp_path)
    with pytest.raises(LoadError, match="no races-"):
        load_races(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bench-gil.json", "", "empty file"),
        ("bench-gil.json", "this is not json", "not valid JSON"),
        ("races-gil.json", '{"schema": "gilbench.races/9", "trials": []}', "unknown schema"),
        ("bench-gil.json", '{"something": "else"}', "unknown schema"),
        ("bench-gil.json", "[1, 2, 3]", "unknown schema"),
        ("bench-gil.json", '{"version": "0.0.1", "benchmarks": []}', "not a valid pyperf file"),
        (
            "races-gil.json",
            '{"schema": "gilbench.races/1", "metadata": {}, "trials": [{"variant": "x"}]}',
            "lacks threads, expected, observed, lost",
        ),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    results = load_results(tmp_path)
    assert results.files == []
    assert len(results.problems) == 1
    assert message in results.problems[0] and name in results.problems[0]
    with pytest.raises(LoadError, match=message):
        load_results(tmp_path, on_error="raise")


def test_truncated_pyperf_file(tmp_path: Path) -> None:
    text = (COMPLETE / "bench-gil.json").read_text()
    (tmp_path / "bench-gil.json").write_text(text[: len(text) // 2])
    fx.write_races(tmp_path / "races-gil.json", "gil")
    results = load_results(tmp_path)
    assert [Path(p).name for p in results.files] == ["races-gil.json"]
    assert "truncated" in results.problems[0]
    with pytest.raises(LoadError, match="truncated"):
        load_bench(tmp_path)


def test_inconsistent_trial_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    path = fx.write_races(tmp_path / "races-gil.json", "gil")
    data = json.loads(path.read_text())
    data["trials"][0]["lost"] = 7  # observed says 0 lost
    path.write_text(json.dumps(data))
    results = load_results(path)
    assert len(results.files) == 1
    assert "lost=7" in results.problems[0]


def test_frames_are_pandas(tmp_path: Path) -> None:
    assert isinstance(load_bench(COMPLETE / "bench-gil.json"), pd.DataFrame)


def test_real_runner_files_load_with_their_metadata() -> None:
    """Files the runners really wrote: every field the analysis needs is there."""
    results = load_results(DATA / "real-quick", on_error="raise")
    bench, races = results.bench, results.races
    assert set(bench["arm"]) == {"gil", "ft", "ft-gil"} == set(races["arm"])
    assert not bench["foreign"].any()
    assert bench["gil_valid"].all() and races["gil_valid"].all()
    for arm, free_threaded, gil in (
        ("gil", False, True),
        ("ft", True, False),
        ("ft-gil", True, True),
    ):
        rows = bench[bench["arm"] == arm]
        assert set(rows["py_gil_disabled"]) == {free_threaded}, arm
        assert set(rows["gil_enabled_at_start"]) == {gil} == set(rows["gil_enabled_at_end"]), arm
        assert set(races[races["arm"] == arm]["gil_enabled_at_start"]) == {gil}, arm
    assert {"increment", "locked-increment", "semaphore", "cpu-control"} <= set(bench["family"])
    assert set(bench["threads"]) == {1, 2}
    assert bench["cores"].notna().all() and bench["cpu_model"].notna().all()
    assert bench["python_version"].str.fullmatch(r"3\.\d+\.\d+").all()
    assert races["loss_rate"].between(0, 1).all()
    assert len(bench["group"].unique()) == 1


def test_latency_files_load_and_bad_ones_are_named(tmp_path: Path) -> None:
    fx.write_sweep(tmp_path / "r")
    results = load_results(tmp_path / "r")
    assert set(results.latency["arm"]) == {"gil", "ft"}
    assert results.latency["group"].nunique() == 1
    assert results.latency["group"].iloc[0] == results.bench["group"].iloc[0]
    (tmp_path / "r" / "latency-ft.json").write_text('{"schema": 1, "results": [{"threads": 2}]}')
    again = load_results(tmp_path / "r")
    assert any("latency-ft.json" in p and "lacks benchmark" in p for p in again.problems)


def test_a_file_that_lacks_an_identity_field_joins_its_machine(tmp_path: Path) -> None:
    """A races file without the CPU model belongs with its directory's bench files."""
    fx.write_complete(tmp_path / "r", arms=("gil", "ft"))
    fx.write_races(tmp_path / "r" / "races-ft.json", "ft", cpu_model_name=None)
    results = load_results(tmp_path / "r")
    assert set(results.bench["group"]) == set(results.races["group"]) == {"fixture-host"}
