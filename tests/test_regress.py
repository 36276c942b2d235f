"""The regression gate on fixtures: verdicts, exit codes, re-measurement, Markdown, baselines.

The fixtures in tests/data/regress are synthetic pyperf result sets with known ratios
(see make_fixtures.py there); no test here measures anything or asserts on timings.
Measurement is replaced by a fake interpreter that copies a fixture into the results
directory, so the orchestration (arms, PYTHON_GIL, filters) is checked too.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from analysis import regress
from analysis._regress_baseline import BaselineMetric, load_baseline
from analysis._regress_data import Environment, ResultSet, load_results
from analysis._regress_gate import (
    EXIT_INCONCLUSIVE,
    EXIT_PASS,
    EXIT_REGRESSION,
    EXIT_USAGE,
    INCONCLUSIVE,
    MISSING,
    PASS,
    REGRESSION,
    GateSettings,
    judge,
    run_gate,
)
from analysis._regress_measure import MeasureError
from analysis._regress_metrics import Estimate, MetricSpec, Statistic, discover, estimate

DATA = Path(__file__).resolve().parent / "data" / "regress"
BASELINE = DATA / "baseline.json"
LOCK_METRICS = {
    "ft/gil locked-increment-lock-fine t1",
    "lock-overhead ft locked-increment-lock-fine t1",
    "lock-overhead ft locked-increment-lock-fine t2",
}


def gate(name: str, *extra: str) -> list[str]:
    return ["--results", str(DATA / name), "--baseline", str(BASELINE), "--no-remeasure", *extra]


def verdicts(report_rows: list) -> dict[str, str]:
    return {row.name: row.verdict for row in report_rows}


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


# --- verdicts through the command line -------------------------------------------------


def test_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-pass")) == EXIT_PASS
    out = capsys.readouterr().out
    assert out.startswith("## gilbench regression gate: PASS (exit 0)")
    assert "| metric | kind | baseline | now | CI | change | tolerance | verdict | notes |" in out
    assert "REGRESSION" not in out and "inconclusive" not in out


def test_regression_flags_exactly_the_slowed_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-regression")) == EXIT_REGRESSION
    out = capsys.readouterr().out
    assert "REGRESSION (exit 1)" in out
    flagged = {line.split("|")[1].strip() for line in out.splitlines() if "**REGRESSION**" in line}
    assert flagged == LOCK_METRICS


def test_wide_ci_is_inconclusive_not_regression(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-wide")) == EXIT_INCONCLUSIVE
    out = capsys.readouterr().out
    assert "unstable data" in out
    assert "**REGRESSION**" not in out


def test_environment_mismatch_names_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-env")) == EXIT_INCONCLUSIVE
    out = capsys.readouterr().out
    assert "Environment differs from the baseline" in out
    assert "cpu count: baseline 2, now 4" in out
    assert "ft python version: baseline 3.13.5, now 3.14.0" in out
    assert "ft build flags: baseline --disable-gil --enable-optimizations, now (none)" in out


def test_gil_state_mismatch_is_named() -> None:
    results = load_results([DATA / "run-pass"])
    results.env.arms["ft"].gil_enabled = "enabled"  # e.g. an import re-enabled the GIL
    report = run_gate(load_baseline(BASELINE), results, GateSettings())
    assert report.verdict == INCONCLUSIVE
    assert report.env_differences == ["ft GIL state: baseline disabled, now enabled"]


def test_micro_version_is_compared_only_on_request() -> None:
    results = load_results([DATA / "run-pass"])
    results.env.arms["gil"].python_version = "3.13.9"
    baseline = load_baseline(BASELINE)
    assert run_gate(baseline, results, GateSettings()).verdict == PASS
    strict = run_gate(baseline, results, GateSettings(version_level="micro"))
    assert strict.verdict == INCONCLUSIVE
    assert strict.env_differences == ["gil python version: baseline 3.13.5, now 3.13.9"]


def test_regression_on_a_busy_machine_is_inconclusive() -> None:
    results = load_results([DATA / "run-regression"])
    results.env.loads = [2.6] * 10  # another job on the 2 CPUs
    report = run_gate(load_baseline(BASELINE), results, GateSettings())
    assert report.verdict == INCONCLUSIVE
    assert any("machine busy (median load average 2.60 on 2 CPUs)" in n for n in report.notes)
    assert run_gate(load_baseline(BASELINE), results, GateSettings(max_load_factor=0)).verdict == (
        REGRESSION
    )
    quiet = load_results([DATA / "run-regression"])
    quiet.env.loads = [1.5] * 10  # our own two threads
    assert run_gate(load_baseline(BASELINE), quiet, GateSettings()).verdict == REGRESSION


def test_busy_run_is_rechecked_on_a_quiet_remeasurement() -> None:
    results = load_results([DATA / "run-regression"])
    results.env.loads = [3.0] * 10

    def quiet_again(keys: set) -> ResultSet:
        again = load_results([DATA / "run-regression"])
        again.env.loads = [1.4] * 10
        return again

    report = run_gate(load_baseline(BASELINE), results, GateSettings(), remeasure=quiet_again)
    assert report.verdict == REGRESSION


def test_missing_metric_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-missing")) == EXIT_INCONCLUSIVE
    out = capsys.readouterr().out
    missing = {line.split("|")[1].strip() for line in out.splitlines() if "| missing |" in line}
    assert missing == LOCK_METRICS | {"speedup t2 ft locked-increment-lock-fine"}
    assert regress.main(gate("run-missing", "--allow-missing")) == EXIT_PASS


def test_injected_run_cannot_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(gate("run-injected")) == EXIT_INCONCLUSIVE
    assert "TEST-ONLY slowdown injected" in capsys.readouterr().out


def test_exit_codes_are_distinct() -> None:
    codes = [EXIT_PASS, EXIT_REGRESSION, EXIT_INCONCLUSIVE, regress.EXIT_MEASURE_FAILED, EXIT_USAGE]
    assert codes == [0, 1, 2, 3, 64]


# --- judge(): the tolerance rule on hand-made estimates --------------------------------


def metric(value: float = 1.0, spread: float = 0.0, higher_is_worse: bool = True) -> BaselineMetric:
    spec = MetricSpec("m", "ft/gil", ("ft", "b", 1), ("gil", "b", 1), higher_is_worse)
    return BaselineMetric(spec, value, spread, 5, [value] * 5)


@pytest.mark.parametrize(
    ("now", "spread", "higher_is_worse", "expected"),
    [
        (Estimate(1.25, 1.20, 1.30, 8), 0.0, True, REGRESSION),  # CI clears 10%
        (Estimate(1.12, 1.08, 1.16, 8), 0.0, True, PASS),  # CI straddles 10%
        (Estimate(1.05, 1.00, 1.10, 8), 0.0, True, PASS),
        (Estimate(1.20, 0.90, 1.50, 8), 0.0, True, INCONCLUSIVE),  # width 60% > 2 x 10%
        (Estimate(1.40, 1.15, 1.70, 8), 0.0, True, REGRESSION),  # wide, but all beyond 10%
        (Estimate(1.25, 1.20, 1.30, 2), 0.0, True, INCONCLUSIVE),  # 2 undisturbed processes
        (Estimate(1.20, 1.18, 1.22, 8), 0.05, True, REGRESSION),  # tol 15%
        (Estimate(1.14, 1.12, 1.16, 8), 0.05, True, PASS),  # beyond 10%, within 3 x 5%
        (Estimate(0.75, 0.72, 0.78, 8), 0.0, False, REGRESSION),  # a speedup fell 25%
        (Estimate(1.30, 1.25, 1.35, 8), 0.0, False, PASS),  # a speedup rose
    ],
)
def test_judge(now: Estimate, spread: float, higher_is_worse: bool, expected: str) -> None:
    row = judge(metric(1.0, spread, higher_is_worse), now, GateSettings())
    assert row.verdict == expected
    assert row.tolerance == pytest.approx(max(0.10, 3 * spread))


def test_judge_notes_an_improvement() -> None:
    row = judge(metric(), Estimate(0.7, 0.68, 0.72, 8), GateSettings())
    assert row.verdict == PASS
    assert "improved" in row.notes[0]


def test_judge_missing() -> None:
    assert judge(metric(), None, GateSettings()).verdict == MISSING


def test_bootstrap_is_seeded() -> None:
    results = load_results([DATA / "run-wide"])
    spec = load_baseline(BASELINE).metrics["ft/gil increment-per-thread t1"].spec
    first = estimate(results, spec, statistic=Statistic(), n_boot=500, seed=7)
    assert first == estimate(results, spec, statistic=Statistic(), n_boot=500, seed=7)
    assert first is not None and first.lo <= first.value <= first.hi


def test_dropping_disturbed_processes_ignores_a_slow_burst() -> None:
    """Interference only slows values down; a burst over half the processes must not count."""
    fast = [(1.00, 1.01, 1.02)] * 8
    burst = [(1.8, 1.8, 1.81)] * 4 + [(1.00, 1.01, 1.02)] * 4
    results = ResultSet("hand-made", {("ft", "b", 1): burst, ("gil", "b", 1): fast}, Environment())
    spec = MetricSpec("m", "ft/gil", ("ft", "b", 1), ("gil", "b", 1), True)
    robust = estimate(results, spec, statistic=Statistic(), n_boot=200, seed=1)
    plain = estimate(results, spec, statistic=Statistic("mean", 0.5, 0.0), n_boot=200, seed=1)
    assert robust is not None and plain is not None
    assert robust.value == pytest.approx(1.0)
    assert (robust.lo, robust.hi) == (pytest.approx(1.0), pytest.approx(1.0))
    assert robust.dropped == 4 and robust.processes == 4
    assert plain.value == pytest.approx((1.8033 + 1.01) / 2 / 1.01, rel=1e-3)
    assert plain.dropped == 0


def test_dropping_cannot_hide_a_slowdown_of_every_process() -> None:
    """The cut is relative to the same benchmark's fastest process: a uniform +25% stays."""
    base = [(1.00 + i / 100, 1.01 + i / 100) for i in range(8)]
    slowed = [tuple(v * 1.25 for v in values) for values in base]
    processes = {("gil", "a", 1): slowed, ("gil", "b", 1): base}
    results = ResultSet("hand-made", processes, Environment())
    spec = MetricSpec("m", "lock-overhead", ("gil", "a", 1), ("gil", "b", 1), True)
    got = estimate(results, spec, statistic=Statistic(), n_boot=200, seed=1)
    assert got is not None and got.dropped == 0
    assert got.value == pytest.approx(1.25)


def test_paired_statistic_pairs_processes_of_the_same_round() -> None:
    # Round k ran both benchmarks at the machine's speed of that moment (x1 or x2).
    speed = [1, 2, 1, 2, 2, 1]
    num = [(3.0 * s,) for s in speed]
    den = [(1.0 * s,) for s in speed]
    results = ResultSet("hand-made", {("gil", "a", 1): num, ("gil", "b", 1): den}, Environment())
    spec = MetricSpec("m", "lock-overhead", ("gil", "a", 1), ("gil", "b", 1), True)
    paired = Statistic("min", 0.5, 0.0, paired=True)
    got = estimate(results, spec, statistic=paired, n_boot=200, seed=1)
    assert got is not None
    assert (got.value, got.lo, got.hi) == (pytest.approx(3.0),) * 3


def test_processes_are_kept_in_the_order_they_ran(tmp_path: Path) -> None:
    """Files of later rounds may sort first by name; pairing needs the time order."""
    suite = json.loads((DATA / "run-pass" / "bench-gil.json").read_text())
    bench = suite["benchmarks"][0]
    early, late = bench["runs"][0], bench["runs"][1]
    # The later process goes into the file that loads first (a-... before b-...).
    for name, run, date in (
        ("bench-a.json", late, "2026-01-01 10:00:09"),
        ("bench-b.json", early, "2026-01-01 10:00:01"),
    ):
        one = {**suite, "benchmarks": [{**bench, "runs": [{**run, "metadata": {"date": date}}]}]}
        (tmp_path / name).write_text(json.dumps(one))
    processes = load_results([tmp_path]).processes
    assert list(processes.values()) == [[tuple(early["values"]), tuple(late["values"])]]


def test_statistic_of_old_baselines() -> None:
    assert Statistic.from_dict(None) == Statistic("mean", 0.5, 0.0)
    assert Statistic.from_dict({"per_process": "min", "quantile": 0.25}) == Statistic(
        "min", 0.25, 0.0
    )
    assert Statistic.from_dict(Statistic().as_dict()) == Statistic()
    with pytest.raises(ValueError):
        Statistic("max", 0.5)
    with pytest.raises(ValueError):
        Statistic("min", 0.5, -0.1)


def test_baseline_statistic_option(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    sources = [str(DATA / f"base-{i}") for i in (1, 2, 3)]
    argv = ["baseline", "--from", *sources, "--out", str(out), "--statistic", "mean:0.5"]
    assert regress.main(argv) == 0
    assert load_baseline(out).statistic == Statistic("mean", 0.5, 0.0)
    assert regress.main([*argv[:-1], "paired:min:0.5"]) == 0
    assert load_baseline(out).statistic == Statistic("min", 0.5, 0.0, paired=True)
    assert regress.main([*argv[:-1], "min:0.5:0.2"]) == 0
    assert load_baseline(out).statistic == Statistic("min", 0.5, 0.2)
    assert regress.main([*argv[:-1], "median"]) == EXIT_USAGE


def test_discover_names_the_three_kinds() -> None:
    keys = load_results([DATA / "run-pass"]).processes
    names = {spec.name for spec in discover(keys)}
    assert "ft/gil increment-per-thread t1" in names
    assert "speedup t2 gil cpu-control-sum-squares" in names
    assert "speedup t2 ft cpu-control-sum-squares" in names
    assert names >= LOCK_METRICS
    assert "lock-overhead gil locked-increment-lock-fine t2" in names
    assert not any("increment-per-thread" in n and "lock-overhead" in n for n in names)


# --- re-measurement -------------------------------------------------------------------


def test_remeasure_confirms_a_regression() -> None:
    asked: list[set] = []

    def remeasure(keys: set) -> ResultSet:
        asked.append(keys)
        return load_results([DATA / "run-regression"])

    report = run_gate(
        load_baseline(BASELINE),
        load_results([DATA / "run-regression"]),
        GateSettings(),
        remeasure=remeasure,
    )
    assert report.verdict == REGRESSION
    assert asked == [
        {
            ("ft", "locked-increment-lock-fine", 1),
            ("gil", "locked-increment-lock-fine", 1),
            ("ft", "increment-per-thread", 1),
            ("ft", "locked-increment-lock-fine", 2),
            ("ft", "increment-per-thread", 2),
        }
    ]
    assert {r.name for r in report.rows if r.remeasured} == LOCK_METRICS
    assert {r.name for r in report.rows if r.verdict == REGRESSION} == LOCK_METRICS


def test_remeasure_that_does_not_confirm_keeps_ci_green() -> None:
    report = run_gate(
        load_baseline(BASELINE),
        load_results([DATA / "run-regression"]),
        GateSettings(),
        remeasure=lambda keys: load_results([DATA / "run-pass"]),
    )
    assert report.verdict != REGRESSION
    assert all(r.verdict != REGRESSION for r in report.rows)
    assert {r.name for r in report.rows if r.remeasured} == LOCK_METRICS


def test_remeasure_failure_is_inconclusive() -> None:
    def broken(keys: set) -> ResultSet:
        raise MeasureError("arm ft: runners.bench exited 1")

    report = run_gate(
        load_baseline(BASELINE),
        load_results([DATA / "run-regression"]),
        GateSettings(),
        remeasure=broken,
    )
    assert report.verdict == INCONCLUSIVE
    assert any("re-measure failed: arm ft" in note for note in report.notes)


def test_no_remeasure_when_the_environment_differs() -> None:
    def never(keys: set) -> ResultSet:
        raise AssertionError("must not re-measure in another environment")

    report = run_gate(
        load_baseline(BASELINE), load_results([DATA / "run-env"]), GateSettings(), remeasure=never
    )
    assert report.verdict == INCONCLUSIVE


# --- fake interpreter for the measuring commands --------------------------------------


@pytest.fixture
def fake_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An executable standing in for a bench interpreter: it logs its call, copies a fixture."""
    log = tmp_path / "calls.jsonl"
    script = tmp_path / "fake-python"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, shutil, sys\n"
        "args = sys.argv[1:]\n"
        "arm = args[args.index('--arm') + 1]\n"
        "out = args[args.index('--results-dir') + 1]\n"
        "call = {'args': args, 'PYTHON_GIL': os.environ.get('PYTHON_GIL')}\n"
        "with open(os.environ['FAKE_LOG'], 'a') as f:\n"
        "    f.write(json.dumps(call) + '\\n')\n"
        "if os.environ.get('FAKE_FAIL'):\n"
        "    sys.exit(1)\n"
        "os.makedirs(out, exist_ok=True)\n"
        "shutil.copy(os.path.join(os.environ['FAKE_SRC'], f'bench-{arm}.json'), out)\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_SRC", str(DATA / "run-regression"))
    monkeypatch.setenv("PYTHON_GIL", "1")  # must not leak into the gil arm
    return script, log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_cli_remeasures_on_the_right_interpreters(
    fake_python: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script, log = fake_python
    argv = [
        "--results", str(DATA / "run-regression"), "--baseline", str(BASELINE),
        "--python", f"gil={script}", "--python", f"ft={script}",
        "--remeasure-dir", str(tmp_path / "again"),
    ]  # fmt: skip
    assert regress.main(argv) == EXIT_REGRESSION
    out = capsys.readouterr().out
    assert "(re-measured)" in out and "re-measured 3 flagged metric(s)" in out
    made = calls(log)
    assert [c["args"][c["args"].index("--arm") + 1] for c in made] == ["gil", "ft"]
    assert [c["PYTHON_GIL"] for c in made] == [None, "0"]
    gil_args, ft_args = made[0]["args"], made[1]["args"]
    assert gil_args[gil_args.index("--filter") + 1] == "^(locked-increment-lock-fine-t1)$"
    assert ft_args[ft_args.index("--filter") + 1] == (
        "^(increment-per-thread-t1|increment-per-thread-t2|"
        "locked-increment-lock-fine-t1|locked-increment-lock-fine-t2)$"
    )
    assert ft_args[-2:] == ["--threads", "1,2"] and gil_args[-2:] == ["--threads", "1"]
    assert "--quick" in ft_args  # the baseline's recorded runner options


def test_cli_remeasure_failure_is_inconclusive(
    fake_python: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, _ = fake_python
    monkeypatch.setenv("FAKE_FAIL", "1")
    argv = [
        "--results", str(DATA / "run-regression"), "--baseline", str(BASELINE),
        "--python", f"gil={script}", "--python", f"ft={script}",
    ]  # fmt: skip
    assert regress.main(argv) == EXIT_INCONCLUSIVE


def test_measure_command_interleaves_rounds(
    fake_python: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, log = fake_python
    monkeypatch.chdir(tmp_path)  # no committed baseline here: the defaults apply
    out = tmp_path / "run"
    argv = ["measure", "--results-dir", str(out), "--python", f"gil={script}"]
    assert regress.main([*argv, "--python", f"ft={script}"]) == 0
    assert sorted(p.name for p in out.glob("bench-*.json")) == ["bench-ft.json", "bench-gil.json"]
    made = calls(log)
    arms = [c["args"][c["args"].index("--arm") + 1] for c in made]
    assert regress.GATE_ROUNDS == 4
    assert arms == ["gil", "ft", "ft", "gil", "gil", "ft", "ft", "gil"]  # order alternates
    args = made[0]["args"]
    assert args[args.index("--filter") + 1] == regress.bench_filter(regress.GATE_BENCHMARKS)
    assert args[-len(regress.GATE_BENCH_ARGS) :] == list(regress.GATE_BENCH_ARGS)
    # the merged file holds every round's processes (pyperf's merge of runs)
    merged = load_results([out])
    one_round = load_results([DATA / "run-regression"])
    for key, runs in one_round.processes.items():
        assert len(merged.processes[key]) == 4 * len(runs)


def test_check_measure_then_gate(
    fake_python: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script, log = fake_python
    run = tmp_path / "gate"
    argv = [
        "--measure", "--results", str(run), "--baseline", str(BASELINE), "--no-remeasure",
        "--python", f"gil={script}", "--python", f"ft={script}",
    ]  # fmt: skip
    assert regress.main(argv) == EXIT_REGRESSION  # the fake measures run-regression
    assert sorted(p.name for p in run.iterdir()) == ["bench-ft.json", "bench-gil.json"]
    args = calls(log)[0]["args"]
    assert args[args.index("--filter") + 1] == "^(fixture)$"  # the baseline's own subset
    assert f"run `{run}`" in capsys.readouterr().out


def test_measure_failure_exits_3(
    fake_python: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, _ = fake_python
    monkeypatch.setenv("FAKE_FAIL", "1")
    argv = ["measure", "--results-dir", str(tmp_path), "--python", f"gil={script}"]
    assert regress.main([*argv, "--arms", "gil"]) == regress.EXIT_MEASURE_FAILED


# --- baselines -----------------------------------------------------------------------


def test_baseline_from_repeated_runs(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    sources = [str(DATA / f"base-{i}") for i in (1, 2, 3)]
    assert regress.main(["baseline", "--from", *sources, "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["schema"] == "gilbench-baseline/1"
    assert data["runs"] == 3 and data["machine_class"].endswith("-2cpu")
    env = data["environment"]
    assert env["cpu_count"] == 2 and env["cpu_model"] == "Fixture CPU"
    assert env["arms"]["ft"] == {
        "python_version": "3.13.5",
        "py_gil_disabled": True,
        "gil_enabled": "disabled",
        "build_flags": ["--disable-gil", "--enable-optimizations"],
        "python_executable": "/opt/py/bin/python3.13t",
    }
    committed = json.loads(BASELINE.read_text())["metrics"]
    assert set(data["metrics"]) == set(committed)
    for name, item in data["metrics"].items():
        assert item["samples"] == 3 and len(item["values"]) == 3
        assert item["value"] == pytest.approx(sorted(item["values"])[1], rel=1e-5)
        assert item["spread"] >= 0
        assert item["value"] == pytest.approx(committed[name]["value"])


def test_baseline_runs_measures_n_times(fake_python: tuple[Path, Path], tmp_path: Path) -> None:
    script, log = fake_python
    out = tmp_path / "b.json"
    argv = [
        "baseline", "--runs", "2", "--python", f"gil={script}", "--python", f"ft={script}",
        "--work-dir", str(tmp_path / "work"), "--out", str(out),
    ]  # fmt: skip
    assert regress.main([*argv, "--rounds", "1"]) == 0
    assert len(calls(log)) == 4  # 2 runs x 2 arms x 1 round
    baseline = load_baseline(out)
    assert baseline.runs == 2 and baseline.measure["arms"] == ["gil", "ft"]
    assert baseline.measure["bench_args"] == list(regress.GATE_BENCH_ARGS)
    assert baseline.measure["rounds"] == 1


def test_baseline_refuses_a_busy_machine(tmp_path: Path) -> None:
    from analysis._regress_baseline import BaselineError, build_baseline

    sets = [load_results([DATA / f"base-{i}"]) for i in (1, 2, 3)]
    sets[1].env.loads = [2.5] * 8
    with pytest.raises(BaselineError, match="busy"):
        build_baseline(sets)
    assert build_baseline(sets, max_load_factor=0).runs == 3


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (["base-1"], "at least 2 repeated runs"),
        (["base-1", "run-injected"], "test-only slowdown hook"),
        (["base-1", "run-env"], "another environment"),
    ],
)
def test_baseline_refusals(
    sources: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["baseline", "--from", *(str(DATA / s) for s in sources), "--out", str(tmp_path / "b")]
    assert regress.main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()


# --- output and bad input ------------------------------------------------------------


def test_step_summary_is_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert regress.main(gate("run-regression")) == EXIT_REGRESSION
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## gilbench regression gate: REGRESSION")
    assert capsys.readouterr().out in text


def test_markdown_file_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "gate.md"
    assert regress.main(gate("run-pass", "--markdown", str(target))) == EXIT_PASS
    assert target.read_text(encoding="utf-8") == capsys.readouterr().out


def test_missing_default_baseline_is_inconclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["--results", str(DATA / "run-pass"), "--no-remeasure"]
    assert regress.main(argv) == EXIT_INCONCLUSIVE
    assert "No baseline for machine class" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-such-option"],
        ["--results", "/nonexistent/results", "--baseline", str(BASELINE)],
        ["--results", str(DATA / "run-pass"), "--baseline", "/nonexistent/baseline.json"],
        ["--results", str(DATA), "--baseline", str(BASELINE)],  # no bench-*.json there
        ["--results", str(DATA / "run-pass"), "--baseline", str(DATA / "run-pass/bench-ft.json")],
        ["--results", str(DATA / "run-pass"), "--fixed-tolerance", "2"],
        ["--results", str(DATA / "run-pass"), "--baseline", str(BASELINE), "--python", "x=/y"],
        ["measure"],
        ["baseline", "--runs", "1"],
    ],
)
def test_usage_errors_exit_64(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert regress.main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("python -m analysis.regress: error:")
    assert len(err.strip().splitlines()) == 1


def test_bad_result_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bench-gil.json").write_text("{truncated", encoding="utf-8")
    argv = ["--results", str(tmp_path), "--baseline", str(BASELINE)]
    assert regress.main(argv) == EXIT_USAGE
    assert "not a readable pyperf result file" in capsys.readouterr().err


def test_committed_baselines_load() -> None:
    """Every committed baseline is readable and gates the three kinds of metric."""
    committed = sorted(
        (Path(__file__).resolve().parent.parent / "results/baselines").glob("*.json")
    )
    for path in committed:
        baseline = load_baseline(path)
        kinds = {m.spec.kind for m in baseline.metrics.values()}
        assert kinds == {"ft/gil", "speedup", "lock-overhead"}, path
        assert baseline.runs >= 2 and all(
            m.samples == baseline.runs for m in baseline.metrics.values()
        )
        assert baseline.environment.cpu_count and set(baseline.environment.arms) >= {"gil", "ft"}
        assert os.path.basename(path) == f"{baseline.machine_class}.json"
