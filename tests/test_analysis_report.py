"""python -m analysis end to end: the report, its plots as valid images, bad input, no writes.

The full report with plots is drawn once per module (plots are the slow part on these
2-core machines); the bad-input cases run with --no-plots or fail before drawing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import matplotlib.image
import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.load import load_results
from analysis.report.build import SETS_PLOT, build_report
from concepts.files import file_mode

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "analysis"
COMPLETE = DATA / "complete"
FOREIGN = DATA / "foreign-timeit.json"
PLOTS = ("race-loss", "lock-cost", "scaling", "ft-vs-gil", "single-thread-overhead")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analysis_fixtures", DATA / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _fixtures()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int, dict[str, str]]:
    """Report of the complete fixture + a foreign pyperf file, in a results dir of its own.

    Returns (results dir, report dir, exit status, input hashes taken before the run).
    """
    root = tmp_path_factory.mktemp("full")
    results = root / "results"
    shutil.copytree(COMPLETE, results)
    shutil.copy(FOREIGN, results / "bench-timeit.json")
    before = _hashes(results)
    out = results / "report"
    status = main(["--results", str(results), "--output", str(out)])
    return results, out, status, before


def test_report_is_written(full_report: tuple[Path, Path, int, dict[str, str]]) -> None:
    _, out, status, _ = full_report
    assert status == 0
    readme = (out / "README.md").read_text()
    for stem in PLOTS:
        assert f"]({stem}.png)" in readme, stem
    # Relative links only, and each one resolves inside the report folder.
    for link in re.findall(r"\]\(([^)]+)\)", readme):
        assert not link.startswith("/") and (out / link).is_file(), link
    assert "## Interpreters and machine" in readme
    assert "## Summary per family" in readme
    # Headlines carry the hand-computable answers.
    assert "At 1 thread, ft takes +50% time per op vs gil" in readme
    assert "speedup at 2 threads: gil 1.00, ft 2.00, ft-gil 1.00 (ideal 2)" in readme
    assert (
        "Families whose primitives' throughput is higher on ft than on gil (ft/gil time "
        "ratio: 95% CI below 1; from N threads): cpu-control (2)"
    ) in readme
    assert "lost nothing in any trial" in readme
    assert "Other pyperf benchmarks" in readme and "timeit-1+1" in readme
    assert "Warnings" not in readme  # a matched pair
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    for written in (out / "README.md", out / "summary.csv", out / "scaling.png"):
        assert stat.S_IMODE(written.stat().st_mode) == file_mode()  # not mkstemp's 0600


def test_plots_are_valid_images(full_report: tuple[Path, Path, int, dict[str, str]]) -> None:
    _, out, _, _ = full_report
    for stem in PLOTS:
        png = out / f"{stem}.png"
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(png)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
        # Not blank: a real plot has many distinct colours.
        assert len({tuple(px) for px in image[::7, ::7].reshape(-1, image.shape[2])}) > 10
        root = ET.parse(out / f"{stem}.svg").getroot()
        assert root.tag.endswith("svg")
        svg = (out / f"{stem}.svg").read_text()
        assert "CPython 3.13.5 (gil) vs 3.13.5t (ft, ft-gil)" in svg  # the title's context
        assert "Fixture CPU @ 2.00GHz" in svg and "2 cores" in svg and "2026-11-24" in svg


def test_summary_csv(full_report: tuple[Path, Path, int, dict[str, str]]) -> None:
    _, out, _, _ = full_report
    summary = pd.read_csv(out / "summary.csv")
    control = summary[summary["family"] == "cpu-control"].iloc[0]
    assert control["crossover"] == 2
    assert control["ft_gil_1t"] == pytest.approx(1.5)
    assert control["speedup_cores_ft"] == pytest.approx(2.0)
    increment = summary[summary["family"] == "increment"].iloc[0]
    assert increment["loss_ft"] == pytest.approx(0.45)
    for name in ("benchmarks", "ratios", "lock-cost", "race-loss", "single-thread-overhead"):
        assert not pd.read_csv(out / f"{name}.csv").empty, name


def test_inputs_are_not_modified(full_report: tuple[Path, Path, int, dict[str, str]]) -> None:
    results, _, _, before = full_report
    after = {k: v for k, v in _hashes(results).items() if not k.startswith("report/")}
    assert after == before


def test_second_run_ignores_its_own_report(
    full_report: tuple[Path, Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    results, _, _, _ = full_report
    other = results.parent / "again"
    args = ["--results", str(results), "--output", str(other), "--no-plots"]
    assert main(args) == 0
    assert "skipped" not in capsys.readouterr().err
    assert (other / "summary.csv").read_text() == (results / "report" / "summary.csv").read_text()


# --------------------------------------------------------------------------- partial input


def test_only_one_arm_reports_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx.write_complete(tmp_path / "results", arms=("gil",))
    out = tmp_path / "report"
    assert main(["--results", str(tmp_path / "results"), "--output", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "## Missing" in readme
    assert "arm ft (bench-ft.json)" in readme
    assert "plot ft-vs-gil" in readme and "plot single-thread-overhead" in readme
    assert (out / "scaling.png").is_file() and (out / "race-loss.png").is_file()
    assert not (out / "ft-vs-gil.png").exists()
    err = capsys.readouterr().err
    assert "missing: benchmark results of arm ft" in err
    assert (
        main(
            ["--results", str(tmp_path / "results"), "--output", str(out), "--no-plots", "--strict"]
        )
        == 1
    )


def test_mismatched_pair_is_warned(tmp_path: Path) -> None:
    results = tmp_path / "results"
    fx.write_bench(results / "bench-gil.json", "gil", python_version="3.13.4")
    fx.write_bench(
        results / "bench-ft.json", "ft", python_config_args="'--prefix=/x' '--disable-gil'"
    )
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "gil and ft are not a matched pair: versions differ: gil 3.13.4, ft 3.13.5" in readme
    assert "configure flags differ beyond --disable-gil and install locations" in readme


def test_install_prefixes_are_not_a_mismatch(tmp_path: Path) -> None:
    results = tmp_path / "results"
    fx.write_bench(
        results / "bench-gil.json", "gil", python_config_args="'--prefix=/a' '--with-lto'"
    )
    fx.write_bench(
        results / "bench-ft.json",
        "ft",
        python_config_args="'--prefix=/b' '--disable-gil' '--with-lto'",
    )
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    assert "Warnings" not in (out / "README.md").read_text()


def test_wrong_gil_state_is_warned_and_left_out(tmp_path: Path) -> None:
    results = tmp_path / "results"
    fx.write_bench(results / "bench-gil.json", "gil")
    fx.write_bench(results / "bench-ft.json", "ft", gil_enabled_at_end=True)
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "arm ft: 105 runs recorded a GIL state" in readme  # 7 x 3 benchmarks x 5 runs
    assert (out / "ratios.csv").read_text().strip() == ""  # no valid ft run to compare


def test_two_machines_side_by_side(tmp_path: Path) -> None:
    fx.write_complete(tmp_path / "a", arms=("gil", "ft"))
    for arm in ("gil", "ft"):
        fx.write_bench(
            tmp_path / "b" / f"bench-{arm}.json", arm, hostname="host-b", cpu_model_name="Other CPU"
        )
    out = tmp_path / "report"
    assert (
        main(
            [
                "--results",
                str(tmp_path / "a"),
                "--results",
                str(tmp_path / "b"),
                "--output",
                str(out),
                "--no-plots",
            ]
        )
        == 0
    )
    readme = (out / "README.md").read_text()
    assert "## fixture-host" in readme and "## host-b" in readme
    assert set(pd.read_csv(out / "summary.csv")["group"]) == {"fixture-host", "host-b"}


def test_a_bad_file_next_to_good_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = fx.write_complete(tmp_path / "results", arms=("gil", "ft"))
    (results / "bench-ft-gil.json").write_text('{"version": "1.0", "benchmarks": [')
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    assert "## Input problems" in (out / "README.md").read_text()
    assert "analysis: warning: skipped:" in capsys.readouterr().err
    assert main([str(results), "--output", str(out), "--no-plots", "--strict"]) == 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such file or directory"),
        ("empty", "no bench-*.json or races-*.json"),
        ("truncated", "truncated"),
        ("nonjson", "not valid JSON"),
        ("schema", "unknown schema"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, message: str
) -> None:
    results = tmp_path / "results"
    if setup != "missing":
        results.mkdir()
    if setup == "truncated":
        text = (COMPLETE / "bench-gil.json").read_text()
        (results / "bench-gil.json").write_text(text[:500])
    elif setup == "nonjson":
        (results / "races-gil.json").write_text("lost: 12\n")
    elif setup == "schema":
        (results / "races-gil.json").write_text('{"schema": "somebody.else/2"}')
    before = _hashes(results) if results.exists() else {}
    out = tmp_path / "report"
    assert main(["--results", str(results), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("analysis: error:") and message in err[0]
    assert not out.exists()
    if results.exists():
        assert _hashes(results) == before


def test_cli_subprocess_help_and_no_traceback(tmp_path: Path) -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "analysis", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert helped.returncode == 0
    for option in ("--results", "--output", "--no-plots", "--strict"):
        assert option in helped.stdout
    (tmp_path / "bench-gil.json").write_text("{")
    failed = subprocess.run(
        [sys.executable, "-m", "analysis", str(tmp_path), "--output", str(tmp_path / "r")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert failed.stderr.count("\n") == 1


def test_output_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report"
    target.write_text("not a folder")
    assert main([str(COMPLETE), "--output", str(target), "--no-plots"]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_report_of_real_runner_files(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main([str(DATA / "real-quick"), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "Warnings" not in readme  # the matched 3.13.5 pair, GIL states as expected
    assert "## Headlines" in readme and "## Summary per family" in readme
    summary = pd.read_csv(out / "summary.csv")
    assert {"increment", "locked-increment", "semaphore", "cpu-control"} <= set(summary["family"])
    assert summary["ft_gil_1t"].notna().all()
    locks = pd.read_csv(out / "lock-cost.csv")
    assert {"Lock", "RLock"} <= set(locks["primitive"])


def test_only_a_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert main([str(FOREIGN), "--output", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "timeit-1+1" in readme and "no gilbench results" in readme
    assert not list(out.glob("*.png"))
    assert "missing: no gilbench results" in capsys.readouterr().err


# --------------------------------------------------------------------------- the new sweep


def test_report_of_a_new_sweep_has_every_section(tmp_path: Path) -> None:
    results = fx.write_sweep(tmp_path / "results")
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out)]) == 0
    readme = (out / "README.md").read_text()
    for heading in (
        "## Achieved parallelism",
        "## Fairness",
        "## Hand-off latency",
        "## Peak memory",
        "## Ownership cost",
    ):
        assert heading in readme, heading
    assert "Achieved parallelism: 3 of 90 runs of no-sharing workloads" in readme
    assert "| locked-increment/lock-fine | work | ft | 2 | 0.900 (min 0.800) |" in readme
    assert "| locked-increment/lock-fine-duration | duration | gil | 2 |" in readme
    assert "| 50 ms (10) |" in readme  # the run length, from the runs' metadata
    assert "ran fixed-duration runs of fewer than 20 switch intervals" in readme
    assert "(locked-increment/lock-fine-duration)" in readme
    assert "| list | ft | 2 | 1.50×" in readme
    assert "ft vs gil peak RSS, geometric mean over benchmarks: 1.33×" in readme
    assert "build profile optimized vs optimized" in readme
    assert "Sessions:" not in readme
    for stem in ("fairness", "ownership"):
        assert f"]({stem}.png)" in readme and (out / f"{stem}.svg").is_file(), stem
    for name in ("parallelism", "fairness", "latency", "memory", "ownership"):
        assert not pd.read_csv(out / f"{name}.csv").empty, name
    bench = pd.read_csv(out / "benchmarks.csv")
    for column in ("role", "ideal", "ideal_rule", "effective_threads", "basis"):
        assert column in bench.columns, column
    ping = bench[(bench["variant"] == "ping-pong") & (bench["threads"] == 4)]
    assert set(ping["ideal"]) == {2.0} and set(ping["speedup_base"]) == {2}


def test_sessions_that_differ_are_named(tmp_path: Path) -> None:
    results = fx.write_sweep(tmp_path / "results", sessions=("s1", "s2"))
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "Sessions: ft/gil:" in readme
    assert "ratios divide results of different sessions" in readme


def test_no_95_ci_below_five_processes(tmp_path: Path) -> None:
    results = tmp_path / "results"
    for arm in ("gil", "ft"):
        fx.write_bench(results / f"bench-{arm}.json", arm, processes=3)
    out = tmp_path / "report"
    assert main([str(results), "--output", str(out), "--no-plots"]) == 0
    bench = pd.read_csv(out / "benchmarks.csv")
    assert (bench["n_processes"] < 5).all()
    for column in ("basis", "speedup_basis", "ratio_vs_gil_basis"):
        assert not bench[column].astype(str).str.contains("95% CI").any(), column
    assert set(bench["basis"]) == {"t interval of 3 processes"}
    assert "95% CI" not in (out / "summary.csv").read_text()


def test_one_hostname_two_machines_in_the_summary(tmp_path: Path) -> None:
    fx.write_two_machines(tmp_path)
    out = tmp_path / "report"
    args = ["--results", str(tmp_path / "2core"), "--results", str(tmp_path / "16core")]
    assert main([*args, "--output", str(out), "--no-plots"]) == 0
    assert set(pd.read_csv(out / "summary.csv")["group"]) == {"vm · 2 cpus", "vm · 16 cpus"}
    one = tmp_path / "one"
    assert main([str(tmp_path / "2core"), "--output", str(one), "--no-plots"]) == 0
    assert set(pd.read_csv(one / "summary.csv")["group"]) == {"vm"}


def test_older_files_say_what_they_lack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert main([str(DATA / "real-quick"), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "## Not recorded in these files" in readme
    assert "no result file records achieved parallelism" in readme
    assert "Not recorded: no run of a no-sharing workload has `cpu_per_wall`" in readme
    assert "Traceback" not in capsys.readouterr().err


def test_report_of_real_interleaved_sweep_files(tmp_path: Path) -> None:
    """Files the runners wrote after the run-metadata change: one session, interleaved."""
    out = tmp_path / "report"
    sweep = DATA / "real-sweep"
    assert main([str(sweep), "--output", str(out), "--no-plots"]) == 0
    readme = (out / "README.md").read_text()
    assert "Sessions:" not in readme  # both arms in one interleaved session
    assert "no result file records achieved parallelism" not in readme
    parallel = pd.read_csv(out / "parallelism.csv")
    assert set(parallel["variant"]) == {"per-thread"}
    assert set(pd.read_csv(out / "fairness.csv")["variant"]) == {"shared-list"}
    bench = pd.read_csv(out / "benchmarks.csv")
    assert set(bench["basis"]) == {"none (1 process)"}
    assert set(bench["effective_threads"]) == {1, 2}


def test_interpreter_sets_side_by_side(tmp_path: Path) -> None:
    """Two sets of one machine (the default one in results/, another in results/sets/):
    one section lines their primitives up, with each set's overhead beside the published
    figure for its version and profile, and a plot with the sets on one axis."""
    results = tmp_path / "results"
    fx.write_complete(results, arms=("gil", "ft"))  # the fixtures' flags: optimized
    plain = results / "sets" / "3.13.5-plain"
    for arm in ("gil", "ft"):
        fx.write_bench(plain / f"bench-{arm}.json", arm, interpreter_set="3.13.5-plain",
                       build_profile="plain")  # fmt: skip
    out = tmp_path / "report"
    # Only the sets' own figure: the groups' plots are another test's (and most of the time).
    build_report(load_results(results), out, only_plots={SETS_PLOT})
    readme = (out / "README.md").read_text()
    assert "## Interpreter sets side by side" in readme
    assert "3.13.5-plain, 3.13.5-optimized" in readme  # version order, plain first
    assert "ft/gil t1: 3.13.5-plain" in readme and "ft/gil t1: 3.13.5-optimized" in readme
    assert "3.13t ≈ 40%" in readme  # the optimized set's published figure
    assert "none for plain builds; for optimized: 3.13t ≈ 40%" in readme  # the plain set's
    table = pd.read_csv(out / "interpreter-sets.csv")
    assert set(table["interpreter_set"]) == {"3.13.5-plain", "3.13.5-optimized"}
    assert (out / "interpreter-sets.png").is_file()


# --------------------------------------------------------------------------- trend


def test_trend_section_from_a_history_of_three_runs(tmp_path: Path) -> None:
    """The interleaved real sweep is recorded once (--record-history), and with two runs
    recorded before it the report shows the trend of the gated ratios, steps marked."""
    from analysis.regress import history
    from analysis.regress.metrics import Estimate

    results = tmp_path / "results"
    shutil.copytree(DATA / "real-sweep", results)
    path = history.history_path(results)
    name = "ft/gil increment-per-thread t1"
    for day, value in (("2026-11-01", 1.0), ("2026-11-02", 1.5)):
        est = {name: Estimate(value, value * 0.99, value * 1.01, 6)}
        history.append(path, history.entry("ab", day, est, {"gil": "3.13.5"}, commit="abc"))
    args = ["--results", str(results), "--output", str(tmp_path / "r")]
    assert main([*args, "--record-history"]) == 0
    assert main([*args, "--record-history"]) == 0  # the same session is not recorded twice
    assert len(history.read(path)) == 3
    readme = (tmp_path / "r" / "README.md").read_text(encoding="utf-8")
    assert "## Trend of the gated ratios (3 runs)" in readme
    assert "**+50.0% step**" in readme and (tmp_path / "r" / "trend.png").is_file()
    assert main(["--results", str(results), "--output", str(tmp_path / "s"), "--no-plots"]) == 0
    assert len(history.read(path)) == 3  # reading alone records nothing
