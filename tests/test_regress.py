"""The regression gate (analysis.regress): metrics, verdicts, re-measurement, A/B on the
real interpreters, baselines, trial logs, history.

The fixtures in tests/data/regress are synthetic pyperf result sets with known ratios
(make_fixtures.py there). Verdict tests judge them; the A/B tests at the end measure
for real, on the matched pair, through the runners' own command line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from analysis.regress import __main__ as cli
from analysis.regress import baseline as baselines
from analysis.regress import gate, history, trial
from analysis.regress.judge import (
    DEFAULT_TOLERANCE,
    EXIT_CODES,
    EXIT_USAGE,
    INCONCLUSIVE,
    PASS,
    REGRESSION,
    judge,
    outcome,
)
from analysis.regress.measure import GATE_ROUNDS, GateSweep, parse_pair, sweep_args
from analysis.regress.metrics import (
    METRICS,
    CellsDict,
    Estimate,
    change,
    load_cells,
    merge,
    paired_change,
    select,
    side_of,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "regress"
LOCK = "locked-increment-lock-fine"
LOCK_METRICS = {f"ft/gil {LOCK} t1", f"lock-overhead ft {LOCK} t1"}
SPEEDUP = "speedup t2 ft increment-per-thread"
BY_NAME = {m.name: m for m in METRICS}


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def ab_cells(base: str, head: str) -> CellsDict:
    """Cells of an A/B sweep whose base is fixture ``base`` and head fixture ``head``."""
    cells: CellsDict = {}
    for side, name in (("base", base), ("head", head)):
        loaded, _ = load_cells(DATA / name, ["gil", "ft"])
        for arm, benches in loaded.items():
            cells[f"{arm}.{side}"] = benches
    return cells


def verdicts_of(cells: CellsDict, tolerance: float = 0.10) -> dict[str, str]:
    base, head = side_of("base"), side_of("head")
    return {m.name: judge(m, change(m, cells, base, head), tolerance).verdict for m in METRICS}


# --- metrics and verdicts --------------------------------------------------------------


def test_the_gated_metrics() -> None:
    gated = {m.name for m in METRICS if m.gated}
    assert gated == {
        "ft/gil increment-per-thread t1",
        f"ft/gil {LOCK} t1",
        f"lock-overhead gil {LOCK} t1",
        f"lock-overhead ft {LOCK} t1",
    }
    reported = {m.name for m in METRICS if not m.gated}
    assert reported == {f"speedup t2 {arm} increment-per-thread" for arm in ("gil", "ft")}
    chosen = select(gate=[SPEEDUP], report_only=[f"ft/gil {LOCK} t1"])
    flags = {m.name: m.gated for m in chosen}
    assert flags[SPEEDUP] and not flags[f"ft/gil {LOCK} t1"]
    with pytest.raises(ValueError, match="unknown metric"):
        select(gate=["nonsense"])


def test_same_code_passes_and_a_slower_ft_lock_regresses() -> None:
    assert set(verdicts_of(ab_cells("base-1", "run-pass")).values()) == {PASS}
    found = verdicts_of(ab_cells("base-1", "run-regression"))
    assert {name for name, v in found.items() if v == REGRESSION} == LOCK_METRICS
    assert all(v == PASS for name, v in found.items() if name not in LOCK_METRICS)


def test_change_is_oriented_so_that_above_one_is_worse() -> None:
    cells = ab_cells("base-1", "run-pass")
    slower = {side: {b: list(v) for b, v in benches.items()} for side, benches in cells.items()}
    slower["ft.head"]["increment-per-thread-t2"] = [
        [v * 1.5 for v in process] for process in slower["ft.head"]["increment-per-thread-t2"]
    ]
    speedup = BY_NAME[SPEEDUP]
    est = change(speedup, slower, side_of("base"), side_of("head"))
    assert est.value == pytest.approx(1.5, rel=0.05) and est.low > 1


def test_a_busy_machine_gives_no_false_regression() -> None:
    """Most processes slowed as a whole, the code unchanged: the intervals widen with the
    spread of the processes, so nothing is called a regression."""
    found = verdicts_of(ab_cells("base-1", "run-wide"))
    assert INCONCLUSIVE in found.values() and REGRESSION not in found.values()


@pytest.mark.parametrize(
    ("estimate", "expected", "why"),
    [
        (Estimate(1.02, 0.97, 1.08, 5), PASS, "+2.0%"),
        (Estimate(1.15, 1.05, 1.25, 5), REGRESSION, "beyond +10%"),
        (Estimate(1.15, 0.98, 1.30, 5), INCONCLUSIVE, "reaches 1.0"),
        (Estimate(1.02, 0.90, 1.25, 5), INCONCLUSIVE, "reaches +25%"),
        (Estimate(0.80, 0.70, 0.90, 5), PASS, "-20.0%"),
        (Estimate(1.50, 1.40, 1.60, 2), INCONCLUSIVE, "only 2 process"),
        (Estimate(float("nan"), float("nan"), float("nan"), 0), INCONCLUSIVE, "missing"),
    ],
)
def test_judge(estimate: Estimate, expected: str, why: str) -> None:
    verdict = judge(METRICS[0], estimate, 0.10)
    assert verdict.verdict == expected and why in verdict.why


def test_outcome_counts_gated_metrics_and_never_passes_an_injection() -> None:
    gated, ungated = BY_NAME[f"ft/gil {LOCK} t1"], BY_NAME[SPEEDUP]
    good = judge(gated, Estimate(1.0, 0.95, 1.05, 5), 0.1)
    bad = judge(ungated, Estimate(1.5, 1.4, 1.6, 5), 0.1)
    assert outcome([good, bad], [])[0] == PASS
    result, notes = outcome([good, bad], ["x@ft.head:0.15"])
    assert result == INCONCLUSIVE and any("missed" in n for n in notes)
    assert EXIT_CODES == {PASS: 0, REGRESSION: 1, INCONCLUSIVE: 2}


# --- one gate run: measure, judge, re-measure --------------------------------------------


class FixtureSweep(GateSweep):
    """A sweep whose measurements are fixture copies (the orchestration under test)."""

    def __init__(self, sides: dict[str, tuple[str, str]], sources: list[dict[str, str]]) -> None:
        super().__init__(sides)
        self.sources = sources
        self.calls: list[set[str]] = []

    def run(self, benchmarks, results, log=None):  # type: ignore[no-untyped-def]
        import pyperf

        chosen = set(benchmarks)
        self.calls.append(chosen)
        source = self.sources[len(self.calls) - 1]
        results.mkdir(parents=True)
        for cell, (arm, _python) in self.sides.items():
            fixture = DATA / source[cell.split(".")[1]] / f"bench-{arm}.json"
            suite = pyperf.BenchmarkSuite.load(str(fixture))
            kept = [b for b in suite.get_benchmarks() if b.get_name() in chosen]
            pyperf.BenchmarkSuite(kept).dump(str(results / f"bench-{cell}.json"))


def ab_sides() -> dict[str, tuple[str, str]]:
    return {f"{arm}.{side}": (arm, "python") for side in ("base", "head") for arm in ("gil", "ft")}


def test_a_regression_is_confirmed_by_re_measuring_only_its_benchmarks(tmp_path: Path) -> None:
    sources = [
        {"base": "base-1", "head": "run-regression"},
        {"base": "base-2", "head": "run-regression"},
    ]
    sweep = FixtureSweep(ab_sides(), sources)
    comparison = gate.Comparison(side_of("base"), side_of("head"))
    gate.run(sweep, {"ab": comparison}, METRICS, change, lambda _m: 0.10, tmp_path)
    assert sweep.calls[1] == {f"{LOCK}-t1", "increment-per-thread-t1"}
    assert comparison.outcome == REGRESSION
    remeasured = {v.metric.name for v in comparison.verdicts if v.remeasured}
    assert remeasured >= LOCK_METRICS
    assert all(
        v.estimate and v.estimate.processes == 16
        for v in comparison.verdicts
        if v.metric.name in LOCK_METRICS
    )


def test_a_clean_pass_measures_once(tmp_path: Path) -> None:
    sweep = FixtureSweep(ab_sides(), [{"base": "base-1", "head": "run-pass"}])
    comparison = gate.Comparison(side_of("base"), side_of("head"))
    gate.run(sweep, {"ab": comparison}, METRICS, change, lambda _m: 0.10, tmp_path)
    assert len(sweep.calls) == 1 and comparison.outcome == PASS


def test_merge_adds_processes_cell_by_cell() -> None:
    merged = merge(
        {"ft.head": {"a": [1.0]}}, {"ft.head": {"a": [2.0], "b": [3.0]}, "gil.head": {"a": [4.0]}}
    )
    assert merged == {"ft.head": {"a": [1.0, 2.0], "b": [3.0]}, "gil.head": {"a": [4.0]}}


def test_the_paired_estimate_cancels_a_disturbance_that_moves_a_whole_round() -> None:
    """Rounds 4-8 run 60% slower on every side (a neighbour's burst): the unpaired
    estimate counts it as spread and cannot decide; pairing by round cancels it."""
    cells = ab_cells("base-1", "run-pass")
    rounds = min(len(p) for benches in cells.values() for p in benches.values())
    disturbed = {
        side: {
            b: [[v * (1.6 if i >= 3 else 1.0) for v in p] for i, p in enumerate(processes)]
            for b, processes in benches.items()
        }
        for side, benches in cells.items()
    }
    metric = BY_NAME[f"ft/gil {LOCK} t1"]
    base, head = side_of("base"), side_of("head")
    unpaired = change(metric, disturbed, base, head)
    paired = paired_change(metric, disturbed, base, head)
    assert rounds >= 5 and paired.processes == rounds
    assert judge(metric, paired, 0.10).verdict == PASS
    assert (paired.high - paired.low) < (unpaired.high - unpaired.low) / 2
    assert paired_change(metric, cells, base, head).value == pytest.approx(
        change(metric, cells, base, head).value, rel=0.05
    )


EIGHT_ROUND_TRIAL = "linux-x86_64-2cpu-20261203T055047Z"
"""A committed trial with raw files, at 8 rounds (so pooling two makes 16 processes)."""


def test_rejudge_pools_repetitions_and_switches_the_estimator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two repetitions of the committed trial pooled: one verdict per condition from 16
    processes per cell; the paired estimator gives its own intervals."""
    trial_dir = REPO / "results" / "baselines" / "trials" / EIGHT_ROUND_TRIAL
    reps = [trial_dir / "rep-1", trial_dir / "rep-2"]
    raw = trial.load_repetitions(reps, [0.15])
    pooled = trial.judge_repetitions(trial.pooled(raw, 2), [0.15], 0.075)
    assert [r["condition"] for r in pooled] == ["A/A", "ft +15%"]
    assert {m["processes"] for m in pooled[0]["metrics"].values()} >= {16}
    assert pooled[0]["source"] == f"{reps[0]}+{reps[1]}"
    paired = trial.judge_repetitions(raw[:1], [0.15], 0.075, paired_change)
    alone = trial.judge_repetitions(raw[:1], [0.15], 0.075)
    name = f"ft/gil {LOCK} t1"
    assert paired[0]["metrics"][name]["low"] != alone[0]["metrics"][name]["low"]
    assert cli.main(["rejudge", "--pool", "2", "--estimator", "paired", *map(str, reps)]) == 0
    out = capsys.readouterr().out
    assert "| A/A | 1 |" in out and "A/A: gated metric" in out
    assert cli.main(["rejudge", "--pool", "3", *map(str, reps)]) == EXIT_USAGE


TRIALS = REPO / "results" / "baselines" / "trials"
DESIGN_TRIALS = REPO / "results" / "baselines" / "design-trials"
"""Trials of a design the gate does not run by default (other slowdowns, other rounds)."""
TRIALS_WITH_RAW_FILES = sorted(
    str(p.relative_to(TRIALS.parent))
    for folder in (TRIALS, DESIGN_TRIALS)
    if folder.is_dir()
    for p in folder.iterdir()
    if p.is_dir()
)


@pytest.mark.parametrize("name", TRIALS_WITH_RAW_FILES)
def test_the_design_comparisons_are_what_the_committed_trials_give(name: str) -> None:
    """results/baselines/README.md's table of designs for each committed trial with raw
    files is `rejudge --designs` of them, to the digit, and its gate row (unpaired, at the
    trial's rounds) is that trial's logged A/A count."""
    readme = (REPO / "results" / "baselines" / "README.md").read_text(encoding="utf-8")
    folder = TRIALS.parent / name
    header, records = trial.read(folder.with_suffix(".jsonl"))
    reps = sorted(folder.glob("rep-*"), key=lambda p: int(p.name.removeprefix("rep-")))
    assert len(reps) == max(r["rep"] for r in records)
    table = trial.render_designs(reps, trial.slowdowns_of(records), DEFAULT_TOLERANCE, LOCK)
    assert table in readme
    aa = trial.verdict_counts(records)["A/A"]
    rounds = header.get("rounds", r"\d+")  # older headers do not name their rounds
    assert re.search(rf"\| unpaired, {rounds} rounds \| {aa[PASS]}/{sum(aa.values())} \|", table)


def test_the_newest_committed_trial_is_the_gate_as_it_is() -> None:
    assert TRIALS_WITH_RAW_FILES, "no committed trial with raw files"
    newest = trial.read(sorted(TRIALS.glob("*.jsonl"))[-1])[0]
    assert newest.get("rounds") == GATE_ROUNDS


def test_rounds_set_the_gate_sweep_and_refuse_fewer_than_it_judges() -> None:
    assert sweep_args(16)[:4] == ("--rounds", "16", "--max-rounds", "16")
    assert GateSweep({}).args == sweep_args(GATE_ROUNDS)
    assert cli.main(["ab", "--rounds", "2", "--base-ref", "HEAD"]) == EXIT_USAGE


def test_sweep_command_line() -> None:
    sweep = GateSweep(
        {"gil.base": ("gil", "/p/gil"), "ft.base": ("ft", "/p/ft")},
        trees={"gil.base": Path("/w/base"), "ft.base": Path("/w/base")},
    )
    cmd = sweep.command(["increment-per-thread-t1", "locked-increment-lock-fine-t2"], Path("/r"))
    assert cmd[1:3] == ["-m", "runners.bench"]
    assert "gil@gil.base=/p/gil" in cmd and "ft@ft.base=/p/ft" in cmd
    assert cmd.count("--source") == 2 and "ft.base=/w/base" in cmd
    assert cmd[cmd.index("--threads") + 1] == "1,2"
    assert cmd[cmd.index("--filter") + 1] == (
        r"^(increment\-per\-thread\-t1|locked\-increment\-lock\-fine\-t2)$"
    )


def test_parse_pair(tmp_path: Path) -> None:
    assert parse_pair(f"gil={sys.executable},ft={sys.executable}", "--x") == {
        "gil": sys.executable,
        "ft": sys.executable,
    }
    for bad, message in [
        ("gil=/nope,ft=/nope", "no such interpreter"),
        (f"gil={sys.executable}", "give both arms"),
        ("pypy=/x", "is not ARM=PATH"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_pair(bad, "--x")


# --- committed baselines ---------------------------------------------------------------


def test_baseline_check_flags_the_slowed_metrics() -> None:
    base = baselines.load(DATA / "baseline.json")
    estimate, tolerance = baselines.estimator(base), baselines.tolerance(base, 0.10)
    for run, flagged in (("run-pass", set()), ("run-regression", LOCK_METRICS)):
        cells, _ = load_cells(DATA / run, ["gil", "ft"])
        found = {
            m.name: judge(m, estimate(m, cells, side_of(""), side_of("")), tolerance(m)).verdict
            for m in METRICS
        }
        assert {n for n, v in found.items() if v == REGRESSION} == flagged, run


def test_baseline_refuses_an_injected_run_and_names_environment_differences() -> None:
    with pytest.raises(baselines.LoadError, match="injected"):
        baselines.build([DATA / "base-1", DATA / "run-injected"], side_of(""), [])
    with pytest.raises(baselines.LoadError, match="at least 2"):
        baselines.build([DATA / "base-1"], side_of(""), [])
    base = baselines.load(DATA / "baseline.json")
    differ = baselines.differences(base, baselines.environment(DATA / "run-env", side_of("")))
    assert any(d.startswith("versions:") and "3.14.0" in d for d in differ)


def test_committed_baselines_load() -> None:
    for path in (REPO / "results" / "baselines").glob("*.json"):
        data = baselines.load(path)
        assert data["machine_class"] == path.stem and data["metrics"], path


# --- command line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["ab", "--head-python", "gil=/nope,ft=/nope"],
        [
            "ab",
            "--base-ref",
            "no-such-ref-anywhere",
            "--head-python",
            f"gil={sys.executable},ft={sys.executable}",
        ],
        [
            "check",
            "--baseline",
            "/nope.json",
            "--python",
            f"gil={sys.executable},ft={sys.executable}",
        ],
        ["trial", "--slowdowns", "ten"],
        ["trial", "--extend", "/nope.jsonl", "--rounds", "16"],
        ["trial", "--extend", "/nope.jsonl"],
        # a log from before headers named their rounds (an 8-round trial): not extended
        [
            "trial",
            "--extend",
            str(REPO / "results/baselines/trials/linux-x86_64-2cpu-20261201T141752Z.jsonl"),
        ],
        ["baseline"],
        ["summarize", "/nope.jsonl"],
        ["ab", "--tolerance", "150%"],
        ["frobnicate"],
    ],
)
def test_bad_input_is_one_line_and_exit_64(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("python -m analysis.regress: error:"), err


def test_the_trial_plan() -> None:
    plan = trial.conditions([0.10, 0.15, 0.25])
    assert list(plan) == ["A/A", "ft +10%", "ft +15%", "ft +25%"]
    assert plan["A/A"] == (0.0, {"gil": "gil.head", "ft": "ft.head"})
    assert plan["ft +15%"] == (0.15, {"gil": "gil.head", "ft": "ft.s15"})


def _sitting(name: str, rounds: int, outcomes: list[str]) -> str:
    header = {"kind": "trial", "command": f"python -m analysis.regress trial ({name})",
              "machine": "m", "benchmark": LOCK, "tolerance": 0.075, "rounds": rounds}  # fmt: skip
    records = [
        {"rep": i, "condition": "A/A", "slowdown": 0.0, "outcome": o, "seconds": 10.0}
        for i, o in enumerate(outcomes, 1)
    ]
    return "".join(json.dumps(line) + "\n" for line in (header, *records))


def test_a_log_extended_by_a_second_sitting_numbers_its_repetitions_on(tmp_path: Path) -> None:
    """`trial --extend LOG` appends a sitting: the log is the two sittings' logs one after
    the other, read as one trial; a sitting of another design is refused."""
    log = tmp_path / "trial.jsonl"
    first = _sitting("a", 16, ["pass"] * 4)
    log.write_text(first + _sitting("b", 16, ["pass", "inconclusive"]))
    headers, records = trial.read_sittings(log)
    assert [h["command"][-3:] for h in headers] == ["(a)", "(b)"]
    assert [r["rep"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r["sitting"] for r in records] == [1, 1, 1, 1, 2, 2]
    assert "| A/A | 6 | 5 | 0 | 1 |" in trial.render_summary(records)
    log.write_text(_sitting("a", 16, ["pass"]) + _sitting("b", 8, ["pass"]))
    with pytest.raises(ValueError, match="sitting 2 has rounds 8, the first 16: not one trial"):
        trial.read_sittings(log)


def test_committed_trial_logs_match_the_readme() -> None:
    """The counts results/baselines/README.md states are the committed logs' counts, and
    the newest log's A/A ranges."""
    logs = sorted((REPO / "results" / "baselines" / "trials").glob("*.jsonl"))
    assert logs, "no committed trial log"
    readme = (REPO / "results" / "baselines" / "README.md").read_text(encoding="utf-8")
    for log in logs:
        header, records = trial.read(log)
        assert header["command"].startswith("python -m analysis.regress trial")
        assert {"machine", "commit", "interpreters"} <= set(header)
        table = trial.render_summary(records).split("\n\n")[0]
        assert table in readme, f"README does not state the counts of {log.name}"
        if log == logs[-1]:  # the gate as it is: its A/A ranges are stated too
            assert trial.render_spread(records) in readme, log.name
        for record in records:
            assert {"rep", "condition", "outcome", "metrics", "date"} <= set(record)


def test_the_spread_table_reads_the_a_a_changes_of_a_log() -> None:
    """summarize's second table: each gated metric's A/A range, from the records."""
    metric = {"value": 1.0, "low": 0.96, "high": 1.04, "processes": 8, "gated": True}
    records = [
        {"rep": 1, "condition": "A/A", "metrics": {"m": metric, "r": {**metric, "gated": False}}},
        {"rep": 2, "condition": "A/A", "metrics": {"m": {**metric, "value": 1.1, "processes": 16}}},
        {"rep": 1, "condition": "ft +15%", "metrics": {"m": {**metric, "value": 1.5}}},
    ]
    table = trial.render_spread(records).splitlines()
    assert table[2:] == ["| m | 1.000 - 1.100 | 0.040 | 8 or 16 |"]
    assert trial.render_spread(records, "ft +25%") == ""


# --- history and trend -----------------------------------------------------------------


def test_history_appends_once_per_session_and_marks_big_steps(tmp_path: Path) -> None:
    path = tmp_path / "history" / "metrics.jsonl"
    name = f"ft/gil {LOCK} t1"
    for index, (value, session) in enumerate([(1.50, "a"), (1.51, "b"), (1.80, "c"), (1.80, "c")]):
        entry = history.entry(
            "main",
            f"2026-12-0{index + 1}",
            {name: Estimate(value, value * 0.98, value * 1.02, 6)},
            {"gil": "3.13.5", "ft": "3.13.5"},
            commit=f"c{index}",
            session=session,
        )
        history.append(path, entry)
    entries = history.read(path)
    assert [e["session"] for e in entries] == ["a", "b", "c"]
    rows = [r for r in history.trend_rows(entries) if r["metric"] == name]
    assert [r["step_exceeds"] for r in rows] == [False, False, True]
    assert rows[2]["step"] == pytest.approx(1.80 / 1.51 - 1)


def test_analysis_imports_no_runner_or_benchmark_code() -> None:
    """Analysis measures only through the runners' command line (a subprocess)."""
    import ast

    for path in (REPO / "analysis").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in {"runners", "benchmarks"}, f"{path}: {name}"


def test_rejudging_the_committed_pilot_gives_the_figures_the_readme_states(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """results/baselines/README.md's rejudged pilot: the default tolerance and 5%."""
    pilot = REPO / "results" / "baselines" / "pilot"
    reps = [
        *sorted((pilot / "15-values").glob("rep-*")),
        pilot / "30-values" / "rep-1",
        *sorted((pilot / "30-values-fastest").glob("rep-*")),
    ]
    assert cli.main(["rejudge", *map(str, reps)]) == 0
    out = capsys.readouterr().out
    # 4 processes per cell: honest intervals are too wide to decide most repetitions
    assert "| A/A | 6 | 2 | 0 | 4 |" in out and "| ft +15% | 6 | 0 | 2 | 4 |" in out
    assert "the interval contains the injected factor in 31 of 36 metric-repetitions" in out
    counts = trial.verdict_counts(trial.rejudge(reps, [0.10, 0.15, 0.25], 0.05))
    assert counts["A/A"] == {PASS: 1, REGRESSION: 0, INCONCLUSIVE: 5}
    assert counts["ft +25%"] == {PASS: 0, REGRESSION: 4, INCONCLUSIVE: 2}
    assert cli.main(["rejudge", str(pilot)]) == EXIT_USAGE
