"""One group's data (a machine and interpreter set): its metrics, what is missing, its notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import artefacts as artefacts_mod
from analysis import metrics
from analysis.load import Results, arms_present
from analysis.report.interpreters import interpreter_table
from concepts.arms import ARM_ORDER, ARMS
from concepts.families import FULL_RUN_FAMILIES


@dataclass
class ReportOutcome:
    """What :func:`build_report` wrote and what it found missing."""

    output: Path
    written: list[Path] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the files do not record (older files): said, but not "missing"."""
    artefacts: list[artefacts_mod.Artefact] = field(default_factory=list)
    """Physically impossible results (analysis.artefacts), every group's."""


# --------------------------------------------------------------------------- writing


def _csv(frame: pd.DataFrame) -> str:
    return str(frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))


# --------------------------------------------------------------------------- report


@dataclass
class GroupData:
    """Metrics of one group (one machine / version set)."""

    name: str
    bench: pd.DataFrame
    races: pd.DataFrame
    cores: int
    summary: pd.DataFrame
    ratios: pd.DataFrame
    crossover: pd.DataFrame
    locks: pd.DataFrame
    single: pd.DataFrame
    loss: pd.DataFrame
    families: pd.DataFrame
    pair: pd.DataFrame
    latency: pd.DataFrame
    parallel: pd.DataFrame
    fairness: pd.DataFrame
    handoff: pd.DataFrame
    memory: pd.DataFrame
    memory_arms: pd.DataFrame
    ownership: pd.DataFrame
    sessions: list[str]
    artefacts: list[artefacts_mod.Artefact] = field(default_factory=list)
    """Results physics forbids (analysis.artefacts): listed first, never read as findings."""


def _group_data(
    name: str,
    results: Results,
) -> GroupData:
    bench = (
        results.bench[results.bench["group"] == name] if not results.bench.empty else results.bench
    )
    races = (
        results.races[results.races["group"] == name] if not results.races.empty else results.races
    )
    latency = (
        results.latency[results.latency["group"] == name]
        if not results.latency.empty
        else results.latency
    )
    valid_races = races[races["gil_valid"].fillna(True).astype(bool)] if not races.empty else races
    cores_map = metrics.group_cores(pd.concat([f for f in (bench, races, latency) if not f.empty]))
    cores = cores_map.get(name, 1)
    ratio_table = metrics.ratios(bench)
    memory = metrics.memory(bench)
    summary = metrics.cell_summary(bench)
    loss = metrics.race_loss(valid_races)
    found = [
        *artefacts_mod.speedups(summary),
        *artefacts_mod.build_floor(ratio_table),
        *artefacts_mod.zero_losses(loss, metrics.safe_variants(valid_races)),
    ]
    return GroupData(
        name=name,
        bench=bench,
        races=races,
        cores=cores,
        summary=summary,
        ratios=ratio_table,
        crossover=metrics.crossover(ratio_table),
        locks=metrics.lock_overhead(bench),
        single=metrics.single_thread_overhead(bench),
        loss=loss,
        families=metrics.family_summary(bench, valid_races),
        pair=interpreter_table([bench, races]),
        latency=latency,
        parallel=metrics.parallelism(bench),
        fairness=metrics.fairness(bench),
        handoff=metrics.latency_summary(latency),
        memory=memory,
        memory_arms=metrics.memory_by_arm(memory),
        ownership=metrics.ownership(bench),
        sessions=metrics.session_notes(ratio_table),
        artefacts=found,
    )


def _missing(data: GroupData) -> list[str]:
    """What this group lacks, one line each, naming what it prevents."""
    missing = []
    bench_arms = arms_present(metrics.gilbench_rows(data.bench)) if not data.bench.empty else []
    race_arms = arms_present(data.races)
    if not bench_arms:
        missing.append("no gilbench benchmark results (bench-<arm>.json): no timing plots")
    else:
        for arm in ARM_ORDER:
            if arm not in bench_arms:
                needs = {
                    "gil": "no ratio against gil, no crossover, no single-thread overhead",
                    "ft": "no ft/gil ratio, no crossover, no ft single-thread overhead",
                    "ft-gil": "no ft-gil/gil ratio (the build's cost without the GIL effect)",
                }[arm]
                missing.append(f"benchmark results of arm {arm} (bench-{arm}.json): {needs}")
        families = set(metrics.gilbench_rows(data.bench)["family"].unique())
        absent = [f for f in FULL_RUN_FAMILIES if f not in families]
        if absent:
            missing.append("benchmark families not in the results: " + ", ".join(absent))
        threads = sorted({int(t) for t in metrics.gilbench_rows(data.bench)["threads"]})
        if 1 not in threads:
            missing.append("no 1-thread benchmarks: no speedups, no single-thread overhead")
        wanted: dict[str, list[str]] = {}
        for benchmark, reference in metrics.missing_lock_references(data.bench).items():
            wanted.setdefault(reference, []).append(benchmark)
        for reference, benchmarks in wanted.items():
            missing.append(
                f"lock cost of {', '.join(benchmarks)}: its unshared, unlocked reference "
                f"({reference}) was not measured"
            )
    if not race_arms:
        missing.append("no race-loss results (races-<arm>.json): no race-loss plot or table")
    else:
        for arm in ("gil", "ft"):
            if arm not in race_arms:
                missing.append(f"race-loss results of arm {arm} (races-{arm}.json)")
    return missing


def gil_reenabled_warnings(bench: pd.DataFrame) -> list[str]:
    """One line per arm whose user workloads turn the GIL back on for their users."""
    if bench.empty or "gil_reenabled_by" not in bench or bench["gil_reenabled_by"].isna().all():
        return []
    found = bench.dropna(subset=["gil_reenabled_by"])
    lines = []
    for arm, modules in sorted(
        {(str(a), str(m)) for a, m in zip(found["arm"], found["gil_reenabled_by"], strict=True)}
    ):
        said = (
            f"arm {arm}: importing the user workloads turns the GIL back on for their users "
            f"(module {modules}); "
        )
        if arm in ARMS and ARMS[arm].expect_gil_enabled:
            lines.append(said + "this arm ran with the GIL on: what those users get today")
        else:
            lines.append(
                said + "this arm ran with it kept off (PYTHON_GIL=0), so its numbers are what "
                f"the code would do once {modules} supports free-threading (the ft-gil arm "
                "measures the GIL-on case)"
            )
    return lines


def _notes(data: GroupData) -> list[str]:
    """What the result files do not record (older or foreign files), one line each."""
    notes: list[str] = []
    if not data.bench.empty and not metrics.gilbench_rows(data.bench).empty:
        rows = metrics.gilbench_rows(data.bench)
        for column, what in (
            ("cpu_per_wall", "achieved parallelism (cpu_per_wall)"),
            ("fairness_jain", "fairness (fairness_jain, thread_finish_spread)"),
        ):
            if rows[column].isna().all():
                notes.append(
                    f"run metadata: no result file records {what}; files written before "
                    "gilbench recorded it lack it"
                )
        if rows["traits_from"].eq("file").sum() < len(rows):
            unknown = sorted(
                {
                    f"{f}-{v}"
                    for f, v, k in zip(
                        rows["family"], rows["variant"], rows["traits_from"], strict=True
                    )
                    if k == "default"
                }
            )
            if unknown:
                notes.append(
                    "workload traits (role, ideal scaling, helper threads) of "
                    + ", ".join(unknown)
                    + ": neither recorded in the files nor known to concepts.families, "
                    "so taken as per-thread primitives without helpers"
                )
    if data.latency.empty:
        notes.append("no hand-off latency results (latency-<arm>.json): no latency percentiles")
    notes += data.sessions
    return notes
