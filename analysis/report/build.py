"""``build_report``: every group's section, the interpreter sets and the trend, written
atomically with the CSV tables and plots."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from analysis import metrics, plots
from analysis import sets as sets_mod
from analysis.load import Results
from analysis.markdown import slug
from analysis.regress import history
from analysis.report.group import (
    GroupData,
    ReportOutcome,
    _csv,
    _group_data,
    _missing,
    _notes,
    gil_reenabled_warnings,
)
from analysis.report.interpreters import mismatch_warnings
from analysis.report.sections import _plots, render_group
from analysis.report.tables import DEFINITIONS, _foreign_section
from concepts import lock_overhead as lock_def
from concepts import stats
from concepts.files import atomic_write
from concepts.races import MIN_OVERLAP

SETS_PLOT = "interpreter-sets"
"""Stem of the interpreter-sets comparison's figure and table (an ``only_plots`` name)."""


def build_report(
    results: Results,
    output: Path,
    *,
    make_plots: bool = True,
    history_file: Path | None = None,
    record_history: bool = False,
    only_plots: Collection[str] | None = None,
) -> ReportOutcome:
    """Compute every metric of ``results`` and write the report into ``output``.

    ``only_plots`` (stems such as ``scaling``) draws just those of each group's plots
    (analysis.publish needs one); the others are neither drawn nor listed as missing.

    With ``history_file`` the report gets the trend section of that history (from 3
    runs on); with ``record_history`` too, the gated ratios of every interleaved session
    are first appended to it (once per session).
    """
    outcome = ReportOutcome(output=output)
    output.mkdir(parents=True, exist_ok=True)
    # Groups come from gilbench results; foreign pyperf files get one section of their own.
    own = [
        results.bench[~results.bench["foreign"].fillna(False).astype(bool)],
        results.races,
    ]
    groups = sorted({str(g) for f in own if not f.empty for g in f["group"].unique()})
    sections: list[str] = []
    tables: dict[str, list[pd.DataFrame]] = {}
    datas: list[GroupData] = []
    for name in groups:
        data = _group_data(name, results)
        datas.append(data)
        outcome.artefacts += data.artefacts
        missing = _missing(data)
        warnings = mismatch_warnings(data.pair, data.bench, data.races)
        warnings += gil_reenabled_warnings(data.bench)
        suffix = "" if len(groups) == 1 else f"-{slug(name)}"
        drawn: list[tuple[str, str, Path]] = []
        if make_plots:
            drawn = _plots(data, output, suffix, missing, only_plots)
            for _, _, png in drawn:
                outcome.plots += [png, png.with_suffix(".svg")]
        level = 2 if len(groups) == 1 else 3
        body = render_group(data, drawn, missing, warnings, level)
        sections.append(body if len(groups) == 1 else f"## {name}\n\n{body}")
        prefix = "" if len(groups) == 1 else f"{name}: "
        outcome.missing += [prefix + m for m in missing]
        outcome.warnings += [prefix + w for w in warnings]
        outcome.notes += [prefix + n for n in _notes(data)]
        benchmarks = data.summary
        if not benchmarks.empty and not data.ratios.empty:
            vs_gil = data.ratios[data.ratios["den"] == "gil"].rename(
                columns={
                    "num": "arm",
                    "ratio": "ratio_vs_gil",
                    "lo": "ratio_vs_gil_lo",
                    "hi": "ratio_vs_gil_hi",
                    "basis": "ratio_vs_gil_basis",
                    "same_session": "same_session_as_gil",
                }
            )[
                [
                    "group",
                    "arm",
                    "family",
                    "variant",
                    "threads",
                    "ratio_vs_gil",
                    "ratio_vs_gil_lo",
                    "ratio_vs_gil_hi",
                    "ratio_vs_gil_basis",
                    "same_session_as_gil",
                ]
            ]
            benchmarks = benchmarks.merge(
                vs_gil, on=["group", "arm", "family", "variant", "threads"], how="left"
            )
        for key, frame in (
            ("summary", data.families),
            ("benchmarks", benchmarks),
            ("ratios", data.ratios),
            ("lock-cost", data.locks),
            ("race-loss", data.loss),
            ("single-thread-overhead", data.single),
            ("parallelism", data.parallel),
            ("fairness", data.fairness),
            ("latency", data.handoff),
            ("memory", data.memory),
            ("ownership", data.ownership),
            ("patterns", metrics.shared_patterns(data.summary, data.ratios, data.cores)),
        ):
            tables.setdefault(key, []).append(frame)
    for key, frames in tables.items():
        nonempty = [f for f in frames if not f.empty]
        frame = pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame()
        outcome.written.append(atomic_write(output / f"{key}.csv", _csv(frame)))
    every_plot = make_plots and only_plots is None
    sets_plot = make_plots and (only_plots is None or SETS_PLOT in only_plots)
    set_section = _sets_section(datas, output, sets_plot, outcome)
    if set_section:
        sections.insert(0, set_section)
    if not groups:
        outcome.missing.append(
            "no gilbench results (bench-<arm>.json or races-<arm>.json): nothing but the "
            "other pyperf benchmarks to report"
        )
        sections.append("## Missing\n\n- " + outcome.missing[-1] + "\n")
    if history_file is not None:
        trend = _trend_section(results, history_file, record_history, output, every_plot, outcome)
        if trend:
            sections.append(trend)
    if not results.bench.empty:
        foreign = _foreign_section(results.bench)
        if foreign:
            sections.append(foreign)
    readme = _readme(results, sections, outcome)
    outcome.written.append(atomic_write(output / "README.md", readme))
    outcome.written = outcome.plots + outcome.written
    return outcome


def _trend_section(
    results: Results,
    history_file: Path,
    record: bool,
    output: Path,
    make_plots: bool,
    outcome: ReportOutcome,
) -> str:
    """Record this run's sessions in the history (``record``), then render its trend."""
    if record and not results.bench.empty:
        for entry in history.main_job_entries(results.bench):
            history.append(history_file, entry)
    entries = history.read(history_file)
    if len(entries) < history.MIN_RUNS:
        return ""
    figure = None
    if make_plots:
        drawn = plots.plot_trend(history.trend_rows(entries), output)
        outcome.plots += drawn
        figure = drawn[0].name
    return history.render_trend(entries, figure)


def _sets_section(
    datas: list[GroupData], output: Path, make_plots: bool, outcome: ReportOutcome
) -> str:
    """The interpreter-sets comparison, where one machine holds two or more sets."""
    candidates = []
    for data in datas:
        labels = set(data.bench["interpreter_set"].dropna()) if not data.bench.empty else set()
        if len(labels) != 1:
            continue
        candidates.append(
            sets_mod.SetGroup(
                data.name,
                labels.pop(),
                sets_mod.machine_of(data.bench),
                data.summary,
                data.ratios,
                data.locks,
                data.single,
                data.families,
                data.cores,
            )
        )
    parts = []
    for number, machine in enumerate(sets_mod.comparable(candidates), 1):
        table = sets_mod.primitive_table(machine)
        suffix = "" if number == 1 else f"-{number}"
        png = None
        if make_plots and not table.empty:
            files = plots.plot_sets(
                table, [g.interpreter_set for g in machine], output, f"{SETS_PLOT}{suffix}"
            )
            outcome.plots += files
            png = files[0]
        if not table.empty:
            outcome.written.append(atomic_write(output / f"{SETS_PLOT}{suffix}.csv", _csv(table)))
        parts.append(sets_mod.render(machine, png))
    return "\n".join(parts)


def _readme(
    results: Results,
    sections: list[str],
    outcome: ReportOutcome,
) -> str:
    files = [Path(p).name for p in results.files]
    header = [
        "# gilbench report",
        "",
        "Default (GIL) vs free-threaded CPython on concurrency primitives. Generated by "
        "`python -m analysis` (`tox -e analysis`) from: "
        + (", ".join(f"`{f}`" for f in files) or "no files")
        + ".",
        "",
        "Tables as CSV: [summary.csv](summary.csv) (per family), "
        "[benchmarks.csv](benchmarks.csv) (every benchmark, arm and thread count), "
        "[ratios.csv](ratios.csv), [lock-cost.csv](lock-cost.csv), "
        "[race-loss.csv](race-loss.csv), [single-thread-overhead.csv](single-thread-overhead.csv), "
        "[parallelism.csv](parallelism.csv), [fairness.csv](fairness.csv), "
        "[latency.csv](latency.csv), [memory.csv](memory.csv), [ownership.csv](ownership.csv).",
        "",
    ]
    if outcome.artefacts:
        header[2:2] = [
            f"**{len(outcome.artefacts)} result(s) are measurement artefacts** (physically"
            ' impossible values, listed under "Measurement artefacts" below): '
            + "; ".join(a.line() for a in outcome.artefacts[:3])
            + ("; ..." if len(outcome.artefacts) > 3 else ""),
            "",
        ]
    if results.problems:
        header += ["## Input problems", ""]
        header += [f"- {p}" for p in results.problems]
        header.append("")
    if not sections:
        header += ["Nothing to report: no result could be loaded.", ""]
    body = "\n".join(header) + "\n" + "\n".join(sections)
    definitions = DEFINITIONS.format(
        trim=stats.TRIM,
        min_overlap=MIN_OVERLAP,
        min_proc=metrics.MIN_CI_PROCESSES,
        below=metrics.MIN_CI_PROCESSES - 1,
        lock_definition=lock_def.DEFINITION,
        short_of_cpus=metrics.SHORT_OF_CPUS,
    )
    return body.rstrip() + "\n\n" + definitions
