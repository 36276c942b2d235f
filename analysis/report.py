"""The report: results/report/README.md with the plots, summary tables and warnings, plus CSVs.

``build_report`` takes loaded :class:`~analysis.load.Results`, computes the metrics
(analysis.metrics), draws the plots (analysis.plots) and writes, each atomically:

- ``README.md``: interpreter pair and any mismatch warning, what is missing, the
  summary table per family, the five plots, race-loss and lock-cost tables, the
  run-metadata sections (parallelism, fairness, latency, memory, ownership),
  definitions;
- ``summary.csv`` (the per-family summary), ``benchmarks.csv`` (every benchmark
  cell), ``ratios.csv``, ``lock-cost.csv``, ``race-loss.csv``, ``parallelism.csv``,
  ``fairness.csv``, ``latency.csv``, ``memory.csv``, ``ownership.csv``,
  ``single-thread-overhead.csv``;
- the plots as PNG and SVG.

Missing inputs (an arm, the race files, a family, an unlocked reference) never stop
the report: the sections that need them say what is missing instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import artefacts as artefacts_mod
from analysis import metrics, plots
from analysis import sets as sets_mod
from analysis._files import atomic_write
from analysis.load import EXPECTED_GIL, KNOWN_ARMS, Results, arms_present
from analysis.regress import history
from concepts import lock_overhead as lock_def
from concepts import matching, stats
from concepts.families import CORE_FAMILIES
from concepts.races import MIN_OVERLAP


@dataclass
class Outcome:
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


# --------------------------------------------------------------------------- formatting


def num(value: object) -> float:
    """``value`` as a float; NaN for None, NA and anything not numeric."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _finite(value: object) -> bool:
    return math.isfinite(num(value))


def fmt_ratio(point: object, lo: object = None, hi: object = None) -> str:
    """``1.50× [1.39–1.62]``, or ``–`` when not measured."""
    if not _finite(point):
        return "–"
    text = f"{num(point):.2f}×"
    if _finite(lo) and _finite(hi):
        text += f" [{num(lo):.2f}–{num(hi):.2f}]"
    return text


def fmt_pct(value: object, digits: int = 1) -> str:
    return f"{100 * num(value):.{digits}f}%" if _finite(value) else "–"


def fmt_ns(value: object) -> str:
    return f"{num(value):.1f}" if _finite(value) else "–"


def md_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower() or "group"


# --------------------------------------------------------------------------- checks


def interpreter_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per (group, arm): version, build, observed GIL, config args, machine."""
    rows = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    records = []
    for (group, arm), per_arm in rows.groupby(["group", "arm"], sort=True):

        def values(column: str, frame: pd.DataFrame = per_arm) -> list[str]:
            return sorted({str(v) for v in frame[column].dropna().unique()})

        def flags(column: str, frame: pd.DataFrame = per_arm) -> str:
            seen = {bool(v) for v in frame[column].dropna().unique()}
            return "/".join("enabled" if v else "disabled" for v in sorted(seen)) or "?"

        records.append(
            {
                "group": group,
                "arm": arm,
                "python_version": ", ".join(values("python_version")) or "?",
                "build": "/".join(
                    "free-threaded" if v == "True" else "default" for v in values("py_gil_disabled")
                )
                or "?",
                "gil_at_start": flags("gil_enabled_at_start"),
                "gil_at_end": flags("gil_enabled_at_end"),
                "config_args": " | ".join(values("python_config_args")),
                "profile": "/".join(
                    sorted(
                        set(values("build_profile"))
                        | {matching.build_profile(c) for c in values("python_config_args")}
                    )
                )
                or "?",
                "executable": ", ".join(values("python_executable")),
                "cpu_model": ", ".join(values("cpu_model")),
                "cores": ", ".join(values("cores")),
                "hostname": ", ".join(values("hostname")),
                "sources": ", ".join(Path(s).name for s in values("source")),
            }
        )
    table = pd.DataFrame(records)
    if not table.empty:
        table = table.sort_values(
            ["group", "arm"], key=lambda c: c.map(metrics.arm_sort_key) if c.name == "arm" else c
        ).reset_index(drop=True)
    return table


def mismatch_warnings(pair: pd.DataFrame, bench: pd.DataFrame, races: pd.DataFrame) -> list[str]:
    """Differences between the arms of one group that make the comparison less clean."""
    warnings: list[str] = []
    if pair.empty:
        return warnings
    # The one matching rule (concepts.matching), every arm against the first one.
    arms = list(pair.itertuples())
    first = arms[0]
    for other in arms[1:]:
        for problem in matching.pair_mismatches(
            str(first.python_version),
            str(first.config_args).split(" | ")[0] if first.config_args else None,
            str(other.python_version),
            str(other.config_args).split(" | ")[0] if other.config_args else None,
            names=(str(first.arm), str(other.arm)),
        ):
            warnings.append(
                f"{first.arm} and {other.arm} are not a matched pair: {problem} "
                "(ratios mix the GIL effect with the build difference)"
            )
    if len(set(pair["cpu_model"])) > 1:
        warnings.append(
            "CPU models differ between arms: " + ", ".join(sorted(set(pair["cpu_model"])))
        )
    if len(set(pair["cores"])) > 1:
        warnings.append(
            "usable core counts differ between arms: "
            + ", ".join(f"{a} {c}" for a, c in zip(pair["arm"], pair["cores"], strict=True))
        )
    for frame, what in ((bench, "benchmark runs"), (races, "race files")):
        if frame.empty:
            continue
        bad = frame[~frame["gil_valid"].fillna(True).astype(bool)]
        for arm, rows in bad.groupby("arm"):
            expect = "enabled" if EXPECTED_GIL.get(str(arm), True) else "disabled"
            unit = "runs" if what == "benchmark runs" else "trials"
            count = (
                rows[["source", "benchmark", "run"]].drop_duplicates().shape[0]
                if what == "benchmark runs"
                else len(rows)
            )
            warnings.append(
                f"arm {arm!s}: {count} {unit} recorded a GIL state or build that is not the "
                f"arm's (GIL must be {expect}); they are left out of every metric"
            )
    return warnings


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
    summary = metrics.summarize(bench)
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
        for arm in KNOWN_ARMS:
            if arm not in bench_arms:
                needs = {
                    "gil": "no ratio against gil, no crossover, no single-thread overhead",
                    "ft": "no ft/gil ratio, no crossover, no ft single-thread overhead",
                    "ft-gil": "no ft-gil/gil ratio (the build's cost without the GIL effect)",
                }[arm]
                missing.append(f"benchmark results of arm {arm} (bench-{arm}.json): {needs}")
        families = set(metrics.gilbench_rows(data.bench)["family"].unique())
        absent = [f for f in CORE_FAMILIES if f not in families]
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


def _plots(
    data: GroupData, out: Path, stem_suffix: str, missing: list[str]
) -> list[tuple[str, str, Path]]:
    """Draw the group's plots; return (stem, heading, png path); note skipped ones."""
    context = plots.context_for([data.bench, data.races], data.name, data.cores)
    n_c = None
    if not data.summary.empty:
        n_c = metrics.at_cores(sorted(set(data.summary["threads"])), data.cores)
    drawn: list[tuple[str, str, Path]] = []
    jobs: list[tuple[str, object, str, Callable[[str], list[Path]]]] = [
        (
            "race-loss",
            not data.races.empty,
            "no race-loss files",
            lambda stem: plots.plot_race_loss(
                data.races[data.races["gil_valid"].fillna(True).astype(bool)], context, out, stem
            ),
        ),
        (
            "lock-cost",
            not data.locks.empty,
            "no locked benchmark with its unshared, unlocked reference in the same arm",
            lambda stem: plots.plot_lock_overhead(data.locks, context, out, stem),
        ),
        (
            "scaling",
            not data.summary.empty and data.summary["speedup"].notna().any(),
            "no benchmark measured at 1 thread and more",
            lambda stem: plots.plot_scaling(data.summary, context, out, stem),
        ),
        (
            "ft-vs-gil",
            not data.ratios.empty and (data.ratios["den"] == "gil").any(),
            "needs the gil arm and at least one of ft / ft-gil",
            lambda stem: plots.plot_ratios(data.ratios, context, out, stem, n_c),
        ),
        (
            "single-thread-overhead",
            not data.single.empty,
            "needs 1-thread results of gil and ft (or ft-gil)",
            lambda stem: plots.plot_single_thread(data.single, context, out, stem),
        ),
    ]
    headings = dict(plots.ALL_PLOTS)
    for stem, possible, reason, draw in jobs:
        if not possible:
            missing.append(f"plot {stem}: {reason}")
            continue
        files = draw(stem + stem_suffix)
        drawn.append((stem, headings[stem], files[0]))
    # Run-metadata plots: drawn where the files have the data (older ones do not, and
    # their sections say so), never counted as missing.
    for stem, table, draw_extra in (
        ("fairness", data.fairness, plots.plot_fairness),
        ("ownership", data.ownership, plots.plot_ownership),
    ):
        if not table.empty:
            files = draw_extra(table, context, out, stem + stem_suffix)
            drawn.append((stem, stem, files[0]))
    return drawn


def _summary_rows(data: GroupData) -> tuple[list[str], list[list[str]]]:
    fam = data.families
    n_c = fam["threads_cores"].dropna().max() if not fam.empty else None
    at = f"{int(num(n_c))} threads" if _finite(n_c) else "the core count"
    header = [
        "family",
        "role",
        "variants",
        "ft/gil at 1 thread",
        f"ft/gil at {at}",
        "interval",
        f"speedup at {at}: gil / ft / ft-gil (ideal)",
        "crossover: ft faster (interval below 1) from",
        f"median loss rate at {at}: gil / ft",
    ]
    rows = []
    for r in fam.itertuples():
        speedups = " / ".join(
            f"{num(v):.2f}" if _finite(v) else "–"
            for v in (r.speedup_cores_gil, r.speedup_cores_ft, r.speedup_cores_ft_gil)
        ) + (f" ({num(r.ideal_cores):.2g})" if _finite(r.ideal_cores) else "")
        cross = r.crossover
        if r.role != "primitive":
            cross_text = "(controls: not a crossover)"
        elif not _finite(cross):
            has_both = (
                not data.ratios.empty
                and (
                    (data.ratios["family"] == r.family)
                    & (data.ratios["num"] == "ft")
                    & (data.ratios["den"] == "gil")
                ).any()
            )
            cross_text = "never (at measured counts)" if has_both else "–"
        else:
            n = int(num(cross))
            cross_text = f"{n} thread" if n == 1 else f"{n} threads"
        loss = (
            f"{fmt_pct(r.loss_gil)} / {fmt_pct(r.loss_ft)}"
            if _finite(r.loss_gil) or _finite(r.loss_ft)
            else "–"
        )
        rows.append(
            [
                str(r.family),
                "primitives" if r.role == "primitive" else "controls",
                _variants_text(r.variants, getattr(r, "variants_cores", r.variants), n_c),
                fmt_ratio(r.ft_gil_1t, r.ft_gil_1t_lo, r.ft_gil_1t_hi),
                fmt_ratio(r.ft_gil_cores, r.ft_gil_cores_lo, r.ft_gil_cores_hi),
                str(r.ft_gil_basis),
                speedups,
                cross_text,
                loss,
            ]
        )
    return header, rows


def _variants_text(total: object, at_n: object, n_c: object) -> str:
    """ "2", or "2 (1 at 16 threads)" when some variants are missing at N."""
    if not _finite(at_n) or int(num(at_n)) >= int(num(total)) or not _finite(n_c):
        return str(total)
    return f"{total} ({int(num(at_n))} at {int(num(n_c))} threads)"


def _race_table(loss: pd.DataFrame) -> str:
    header = [
        "variant", "threads", "switch interval", "arm", "trials (set aside)", "median", "IQR",
        "max",
    ]  # fmt: skip
    rows = [
        [
            str(r.variant),
            str(r.threads),
            "?" if not _finite(r.switch_interval) else f"{num(r.switch_interval):g} s",
            str(r.arm),
            f"{r.trials!s} ({r.set_aside!s})" if r.set_aside else str(r.trials),
            fmt_pct(r.median, 2),
            f"{fmt_pct(r.q1, 2)}–{fmt_pct(r.q3, 2)}",
            fmt_pct(r.max, 2),
        ]
        for r in loss.itertuples()
    ]
    return md_table(header, rows)


def _lock_table(locks: pd.DataFrame) -> str:
    header = [
        "benchmark",
        "primitive",
        "vs",
        "arm",
        "threads",
        "added ns/op [interval]",
        "relative",
        "interval",
    ]
    rows = [
        [
            f"{r.family}/{r.variant}",
            str(r.primitive),
            str(r.reference),
            str(r.arm),
            str(r.threads),
            f"{fmt_ns(r.overhead_ns)} [{fmt_ns(r.overhead_lo_ns)}, {fmt_ns(r.overhead_hi_ns)}]",
            f"{100 * num(r.relative):+.0f}%" if _finite(r.relative) else "–",
            str(r.basis),
        ]
        for r in locks.itertuples()
    ]
    return md_table(header, rows)


def _single_table(single: pd.DataFrame) -> str:
    header = ["family", "benchmarks", "ft vs gil", "ft-gil vs gil", "interval"]
    rows = []
    for family in [
        "all",
        *sorted(
            (f for f in single["family"].unique() if f != "all"),
            key=lambda f: metrics.family_sort_key(str(f)),
        ),
    ]:
        cells = []
        count = 0
        bases: set[str] = set()
        for arm in ("ft", "ft-gil"):
            row = single[(single["family"] == family) & (single["num"] == arm)]
            if row.empty:
                cells.append("–")
                continue
            r = row.iloc[0]
            count = max(count, int(r["n_benchmarks"]))
            bases.add(str(r["basis"]))
            ci = (
                f" [{100 * r['overhead_lo']:+.0f}%, {100 * r['overhead_hi']:+.0f}%]"
                if _finite(r["overhead_lo"])
                else ""
            )
            cells.append(f"{100 * r['overhead']:+.1f}%{ci}")
        label = "all (one weight per family)" if family == "all" else family
        rows.append([label, str(count), *cells, "; ".join(sorted(bases)) or "–"])
    profiles = single.drop_duplicates("num")
    profile_text = "; ".join(
        f"{r.num} {r.profile_num} vs {r.den} {r.profile_den}" for r in profiles.itertuples()
    )
    published = "; ".join(
        f"{ref['label']} (build profile {ref['profile']})" for ref in metrics.PUBLISHED_OVERHEAD
    )
    return (
        md_table(header, rows)
        + f"\n\nBuild profiles measured here: {profile_text}. Published: {published}.\n\n"
        + SINGLE_THREAD_CAVEAT
    )


SINGLE_THREAD_CAVEAT = (
    "What this comparison can say: how much more time the free-threaded build takes for "
    "these concurrency operations on one thread, on this machine, for builds of the "
    "profile shown. What it cannot say: the published figures are geometric means over "
    "pyperformance (general Python code) on optimized (PGO+LTO) builds; gilbench's "
    "single-threaded workloads are a few synchronisation and reference-counting-heavy "
    "loops, so a plain build, or these workloads, can differ from them without either "
    "figure being wrong. Workloads that run helper threads or processes even at 1 "
    "thread (queue pipelines, executors, the shared event loop) are left out.\n"
)


def _foreign_section(
    bench: pd.DataFrame,
) -> str:
    foreign = metrics.foreign_summary(bench)
    if foreign.empty:
        return ""
    lines = [
        "## Other pyperf benchmarks",
        "",
        "Benchmarks without gilbench metadata (no `family`), e.g. from "
        "`python -m pyperf timeit -o`. They are listed here; where the same benchmark "
        "appears in a gil and an ft file its ratio is given.",
        "",
    ]
    rows = []
    for r in foreign.itertuples():
        rows.append(
            [
                str(r.benchmark),
                str(r.arm) if isinstance(r.arm, str) else "?",
                Path(str(r.source)).name,
                str(r.processes),
                str(r.values),
                f"{num(r.median_s) * 1e9:.1f} ns"
                if r.unit == "second"
                else f"{num(r.median_s):g} {r.unit!s}",
            ]
        )
    lines.append(md_table(["benchmark", "arm", "file", "processes", "values", "median"], rows))
    rows_ratio = []
    raw = bench[bench["family"].isna()]
    for name, frame in raw.groupby("benchmark"):
        arms = set(frame["arm"].dropna())
        if {"ft", "gil"} <= arms:
            # A foreign benchmark's kind of row is unknown: its processes' means (SHARED).
            means = frame.groupby(["arm", "source", "run"])["value"].mean()
            ratio = metrics.ratio_ci(means["ft"], means["gil"])
            basis = metrics.basis_label([len(means["ft"]), len(means["gil"])])
            rows_ratio.append([str(name), fmt_ratio(*ratio), basis])
    if rows_ratio:
        lines += ["", md_table(["benchmark", "ft/gil [interval]", "interval"], rows_ratio)]
    return "\n".join(lines) + "\n"


DEFINITIONS = """\
## How to read this

- **time per op**: each worker process contributes one statistic (seconds per
  operation; pyperf `inner_loops` = operations), by the kind of row. Where one thread
  runs **alone** it is the process's fastest value (interference only adds time); where
  threads **share** the cores it is the process's mean value (the schedule's effect is
  part of the result). A benchmark's time per op is the geometric mean of its processes'
  statistics, {trim:.0%} trimmed at each end (a whole process is sometimes slowed by
  another tenant). Throughput = 1 / time per op. Every table names its estimator.
- **intervals**: Welch's t interval on the log scale with Yuen's variance of a trimmed
  mean, over processes (the independent samples), the sides of a ratio independent. An
  interval is called a **95% CI** only when every side has at least {min_proc}
  processes; with 2 to {below} it is a **t interval of N processes** (too few processes to be
  a 95% CI); with 1 process there is none (values inside one process are not
  independent). Every table's interval column says which. `python -m runners.calibrate`
  checks on this machine that the intervals are neither too narrow nor too wide.
- **ratio a/b**: time per op of arm a / arm b, same benchmark and thread count, with
  that row's estimator; above 1, a is slower. Family values are geometric means over the family's
  **primitives**; its **controls** (the same work without the primitive, or without
  sharing) are a row of their own beside them, never mixed in.
- **speedup** = t(base) / t(N) within an arm, both with the **shared** estimator (like
  with like: a 1-thread row's fastest value would not compare with a 2-thread row's
  mean), against each workload's own **ideal**:
  min(N, cores) for per-thread work; 1 for a fixed amount of work shared by N threads
  (`barrier/shared`, `event/broadcast`, the shared event loop's one loop thread);
  relative to N = 2 for hand-off pairs (`event/ping-pong`, `condition/*`: at N = 1 there
  is nobody to wake, a different operation), ideal min(N / 2, cores). Efficiency =
  speedup / ideal. "At the core count" uses the largest measured N <= cores.
- **effective threads**: the threads a workload really runs (measured `threads_total`,
  else N plus its helper threads: a pipeline's producer and consumer, an executor's
  submitter, the shared loop's thread); more than the usable CPUs is oversubscribed.
- **crossover**: the smallest measured thread count where ft's throughput beats gil's:
  the interval of the ft/gil ratio lies below 1 (per family: of the geometric mean over
  its primitives). A point estimate below 1 inside the noise is not a crossover; only
  with 1 process per side, where there is no interval, the point estimate decides (and
  the headline says so).
- **lock cost over unshared work**: {lock_definition}. It includes acquiring and
  releasing the primitive, waiting for it, and the shared data's own traffic.
  Relative = locked / reference − 1.
- `cpu-control/empty` times the harness itself (one "operation" per timed run): it is
  listed per benchmark but left out of family values, speedups and overheads.
- **race-loss rate**: lost / expected increments per trial; median, IQR and max over
  the trials whose threads ran together (at least {min_overlap:.0%} of the trial's span
  with 2+ threads incrementing); a trial whose threads ran one after another (a busy
  machine) is set aside, counted in the table, and is neither loss nor safety. The safe
  variants must lose nothing.
- **single-thread overhead**: ft (and ft-gil) vs gil at 1 thread, over workloads that
  are truly single-threaded there, as a geometric mean per family and over families
  (one weight per family), minus 1, with each arm's build profile.
- **achieved parallelism**: CPU time / wall time of a run's timed regions. A run of a
  no-sharing workload below {disturbed:g} x what it should reach (min(N, cores) without
  the GIL, 1 with it) is counted as disturbed.
- **fairness**: Jain's index of the threads' throughputs (1: equal shares, 1/N: one
  thread got everything) and the finish spread ((last finish − first finish) / span),
  medians over runs, for contended primitives at 2+ threads.
- **ownership cost**: t(X-other) / t(X-own): each thread uses its own uncontended
  object, created by another thread or by itself.
"""


def _count(value: object, singular: str, plural: str | None = None) -> str:
    """``1 family``, ``3 families``."""
    n = int(num(value)) if _finite(value) else 0
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _headlines(data: GroupData) -> list[str]:
    """A few sentences a reader can take away without reading the tables."""
    lines: list[str] = []
    single = data.single
    for arm in ("ft", "ft-gil"):
        row = (
            single[(single["family"] == "all") & (single["num"] == arm)]
            if not single.empty
            else single
        )
        if row.empty:
            continue
        r = row.iloc[0]
        ci = (
            f" ({r['basis']} {100 * num(r['overhead_lo']):+.0f}% to "
            f"{100 * num(r['overhead_hi']):+.0f}%)"
            if _finite(r["overhead_lo"])
            else ""
        )
        lines.append(
            f"At 1 thread, {arm} takes {100 * num(r['overhead']):+.0f}% time per op vs gil"
            f"{ci}, geometric mean over {_count(r['n_families'], 'family', 'families')} "
            f"({_count(r['n_benchmarks'], 'single-threaded benchmark')}, one weight per "
            f"family), build profile {r['profile_num']} vs {r['profile_den']} "
            + (
                "(published for pyperformance on optimized, PGO+LTO, builds: 3.13t ≈ +40%, "
                "3.14t +5–10%)."
                if arm == "ft"
                else "(the free-threaded build with the GIL on: its cost without parallelism)."
            )
        )
    fam = data.families
    if not fam.empty:
        control = fam[fam["family"] == "cpu-control"].sort_values("role")
        if not control.empty:
            c = control.iloc[0]
            n = int(num(c["threads_cores"])) if _finite(c["threads_cores"]) else None
            columns = {arm: "speedup_cores_" + arm.replace("-", "_") for arm in KNOWN_ARMS}
            parts = [
                f"{arm} {num(c[column]):.2f}"
                for arm, column in columns.items()
                if _finite(c[column])
            ]
            if parts and n:
                lines.append(
                    f"CPU-bound control (no shared state), speedup at {n} threads: "
                    + ", ".join(parts)
                    + f" (ideal {num(c['ideal_cores']):.2g})."
                )
        crossing = [
            f"{r.family} ({int(num(r.crossover))})"
            for r in fam.itertuples()
            if _finite(r.crossover) and r.role == "primitive"
        ]
        compared = fam[fam["ft_gil_1t"].notna() & (fam["role"] == "primitive")]
        if not compared.empty:
            bases = sorted(set(compared["ft_gil_basis"]))
            rule = "; ".join(
                f"{basis} below 1"
                if not basis.startswith("none")
                else f"point estimate below 1, no interval: {basis[len('none') :].strip(' ()')}"
                for basis in bases
            )
            lines.append(
                f"Families whose primitives' throughput is higher on ft than on gil "
                f"(ft/gil time ratio: {rule}; from N threads): "
                + (", ".join(crossing) if crossing else "none at the measured thread counts")
                + "."
            )
    if not data.parallel.empty:
        disturbed = int(data.parallel["disturbed_runs"].sum())
        runs = int(data.parallel["runs"].sum())
        lines.append(
            f"Achieved parallelism: {disturbed} of {runs} runs of no-sharing workloads kept "
            f"fewer CPUs busy than {metrics.DISTURBED_PARALLELISM:g} x what they should "
            "(disturbed: another tenant had the CPUs)"
            + ("." if not disturbed else "; their figures are lower bounds.")
        )
    if data.sessions:
        lines.append("Sessions: " + "; ".join(data.sessions) + ".")
    loss = data.loss
    if not loss.empty:
        top = loss["threads"].max()
        for arm, variant in (("ft", "inline"), ("gil", "inline"), ("gil", "call")):
            rows = loss[
                (loss["arm"] == arm) & (loss["variant"] == variant) & (loss["threads"] == top)
            ]
            if rows.empty:
                continue
            best = rows.sort_values("median").iloc[-1]
            interval = (
                f", switch interval {num(best['switch_interval']):g} s"
                if _finite(best["switch_interval"])
                else ""
            )
            lines.append(
                f"`{variant}` race on {arm}, {int(top)} threads{interval} (the worst interval): "
                "median "
                f"{fmt_pct(best['median'], 2)} of increments lost (max {fmt_pct(best['max'], 2)})."
            )
        safe_names = metrics.safe_variants(data.races)
        safe = loss[loss["variant"].isin(safe_names)]
        if not safe.empty:
            lost_any = safe[safe["max"] > 0]
            names = ", ".join(f"`{v}`" for v in safe_names)
            lines.append(
                f"Safe variants ({names}) lost nothing in any trial."
                if lost_any.empty
                else "**Safe variants lost updates**: "
                + ", ".join(
                    f"{r.variant} on {r.arm} at {r.threads} threads" for r in lost_any.itertuples()
                )
                + " (a failure of the experiment)."
            )
    return lines


def _fmt_s(value: object) -> str:
    """Seconds as µs or ns text."""
    if not _finite(value):
        return "–"
    seconds = num(value)
    return f"{seconds * 1e6:.1f} µs" if seconds >= 1e-6 else f"{seconds * 1e9:.0f} ns"


def _run_sections(data: GroupData, h: str, figures: dict[str, Path] | None = None) -> list[str]:
    """The sections on run metadata: parallelism, fairness, latency, memory, ownership."""
    figures = figures or {}
    parts: list[str] = []
    parts.append(f"{h} Achieved parallelism\n")
    if data.parallel.empty:
        parts.append(
            "Not recorded: no run of a no-sharing workload has `cpu_per_wall` (result "
            "files written before gilbench recorded run metadata).\n"
        )
    else:
        rows = [
            [
                f"{r.family}/{r.variant}",
                str(r.arm),
                str(r.threads),
                f"{num(r.expected):g}",
                f"{num(r.cpu_per_wall):.2f} (min {num(r.cpu_per_wall_min):.2f})",
                f"{r.disturbed_runs} of {r.runs}",
            ]
            for r in data.parallel.itertuples()
        ]
        parts.append(
            md_table(
                [
                    "benchmark",
                    "arm",
                    "threads",
                    "should reach",
                    "CPU / wall (median)",
                    "disturbed runs",
                ],
                rows,
            )
            + "\n"
        )
        parts.append(
            f"CPU time / wall time of each run's timed regions, for workloads whose threads "
            f"share nothing; a run below {metrics.DISTURBED_PARALLELISM:g} x what it should "
            "reach (min(N, cores) without the GIL, 1 with it) was disturbed. Table: "
            "[parallelism.csv](parallelism.csv).\n"
        )
    parts.append(f"{h} Fairness\n")
    if data.fairness.empty:
        parts.append(
            "Not recorded: no run with 2+ threads has `fairness_jain` or "
            "`thread_finish_spread` (older result files).\n"
        )
    else:
        parts += _figure(figures.get("fairness"), "Fairness")
        rows = [
            [
                f"{r.family}/{r.variant}",
                str(r.mode),
                str(r.arm),
                str(r.threads),
                f"{num(r.jain):.3f} (min {num(r.jain_min):.3f})" if _finite(r.jain) else "–",
                f"{fmt_pct(r.spread)} (max {fmt_pct(r.spread_max)})" if _finite(r.spread) else "–",
                str(r.runs),
            ]
            for r in data.fairness.itertuples()
        ]
        parts.append(
            md_table(
                [
                    "primitive",
                    "mode",
                    "arm",
                    "threads",
                    "Jain's index (median)",
                    "finish spread (median)",
                    "runs",
                ],
                rows,
            )
            + "\n"
        )
        parts.append(
            "Jain's index of the threads' throughputs: 1 when every thread got the same "
            "share, 1/N when one got everything. Finish spread: (last finish − first "
            "finish) / span. Table: [fairness.csv](fairness.csv).\n"
        )
    parts.append(f"{h} Hand-off latency\n")
    if data.handoff.empty:
        parts.append("Not measured: no `latency-<arm>.json` in the results.\n")
    else:
        rows = [
            [
                str(r.benchmark),
                str(r.arm),
                str(r.threads),
                _fmt_s(r.p50_s),
                _fmt_s(r.p90_s),
                _fmt_s(r.p99_s),
                _fmt_s(r.max_s),
                str(r.trials),
            ]
            for r in data.handoff.itertuples()
        ]
        parts.append(
            md_table(["benchmark", "arm", "threads", "p50", "p90", "p99", "max", "trials"], rows)
            + "\n"
        )
        parts.append(
            "One hand-off's latency, percentiles per trial, medians over trials (max: the "
            "largest of any trial). Table: [latency.csv](latency.csv).\n"
        )
    parts.append(f"{h} Peak memory\n")
    if data.memory_arms.empty:
        parts.append("Not recorded: no run has pyperf's `mem_max_rss`.\n")
    else:
        rows = [
            [
                str(r.arm),
                f"{num(r.median_mib):.1f}",
                f"{num(r.max_mib):.1f}",
                str(r.benchmarks),
            ]
            for r in data.memory_arms.itertuples()
        ]
        parts.append(
            md_table(["arm", "median peak RSS (MiB)", "largest (MiB)", "benchmarks"], rows) + "\n"
        )
        ratio = data.memory_arms["ft_gil_geomean"].dropna()
        if not ratio.empty:
            parts.append(
                f"ft vs gil peak RSS, geometric mean over benchmarks: {num(ratio.iloc[0]):.2f}×. "
            )
        parts.append(
            "pyperf's `mem_max_rss` of each worker process (the whole process: interpreter, "
            "harness and workload), median over processes. Table: [memory.csv](memory.csv).\n"
        )
    parts.append(f"{h} Ownership cost\n")
    if data.ownership.empty:
        parts.append(
            "Not measured: no `ownership` benchmarks (`X-own` and `X-other` variants) in "
            "the results.\n"
        )
    else:
        parts += _figure(figures.get("ownership"), "Ownership cost")
        rows = [
            [
                str(r.object),
                str(r.arm),
                str(r.threads),
                fmt_ratio(r.ratio, r.lo, r.hi),
                str(r.basis),
            ]
            for r in data.ownership.itertuples()
        ]
        parts.append(
            md_table(["object", "arm", "threads", "t(other) / t(own)", "interval"], rows) + "\n"
        )
        parts.append(
            "Each thread uses its own uncontended object, created by another thread "
            "(`-other`) or by itself (`-own`): above 1, an object another thread created "
            "costs more to use (biased reference counting on the free-threaded build). "
            "Table: [ownership.csv](ownership.csv).\n"
        )
    return parts


def render_group(
    data: GroupData,
    drawn: list[tuple[str, str, Path]],
    missing: list[str],
    warnings: list[str],
    heading_level: int,
) -> str:
    """The README section of one group."""
    h = "#" * heading_level
    parts: list[str] = []
    if data.artefacts:
        parts.append(f"{h} Measurement artefacts\n")
        parts.append(
            "These results cannot be physically true (analysis.artefacts says why each rule"
            " holds); read them as disturbed measurements, not as findings:\n"
        )
        parts.append("\n".join(f"- **{a.line()}**" for a in data.artefacts) + "\n")
    if not data.pair.empty:
        parts.append(f"{h} Interpreters and machine\n")
        rows = [
            [
                str(r.arm),
                str(r.python_version),
                f"{r.build}, {r.profile}",
                f"{r.gil_at_start} / {r.gil_at_end}",
                f"`{r.config_args!s}`" if r.config_args else "?",
                str(r.cpu_model) or "?",
                str(r.cores) or "?",
                str(r.sources),
            ]
            for r in data.pair.itertuples()
        ]
        parts.append(
            md_table(
                [
                    "arm",
                    "Python",
                    "build, profile",
                    "GIL at start / end",
                    "configure args",
                    "CPU",
                    "cores",
                    "files",
                ],
                rows,
            )
            + "\n"
        )
    if warnings:
        parts.append(f"{h} Warnings\n")
        parts.append("\n".join(f"- **{w}**" for w in warnings) + "\n")
    if missing:
        parts.append(f"{h} Missing\n")
        parts.append("\n".join(f"- {m}" for m in missing) + "\n")
    notes = _notes(data)
    if notes:
        parts.append(f"{h} Not recorded in these files\n")
        parts.append("\n".join(f"- {n}" for n in notes) + "\n")
    headlines = _headlines(data)
    if headlines:
        parts.append(f"{h} Headlines\n")
        parts.append("\n".join(f"- {line}" for line in headlines) + "\n")
    if not data.families.empty:
        parts.append(f"{h} Summary per family\n")
        header, rows = _summary_rows(data)
        parts.append(md_table(header, rows) + "\n")
        parts.append(
            "Ratios are time per op (above 1: ft slower than gil), geometric means over the "
            "family's primitives, and on a row of their own over its controls; the "
            "interval column says what the intervals rest on (a 95% CI needs 4 processes "
            "per side). Speedups are against each workload's own ideal (in brackets). "
            "Where some variants were not measured at the higher thread count (a benchmark "
            "that timed out, say), the variants column says how many were, and the figures "
            "there cover only those. Loss rates: the race variant doing the family's "
            "operation (`inline` for increment, `locked` for locked-increment).\n"
        )
        parts.append(ESTIMATOR_LINE)
    extra = {stem: png for stem, _, png in drawn if stem in RUN_PLOTS}
    for stem, heading, png in drawn:
        if stem in RUN_PLOTS:
            continue
        parts.append(f"{h} {heading}\n")
        parts.append(f"![{heading}]({png.name})\n")
        parts.append(f"Also as [SVG]({png.with_suffix('.svg').name}).\n")
        if stem == "race-loss" and not data.loss.empty:
            parts.append(
                "<details><summary>Loss-rate table</summary>\n\n"
                + _race_table(data.loss)
                + "\n\n</details>\n"
            )
        if stem == "ft-vs-gil":
            parts.append(ESTIMATOR_LINE)
        if stem == "ft-vs-gil" and data.sessions:
            parts.append("\n".join(f"- **{note}**" for note in data.sessions) + "\n")
        if stem == "lock-cost" and not data.locks.empty:
            parts.append(
                f"{lock_def.NAME.capitalize()}: {lock_def.DEFINITION}. {ESTIMATOR_LINE}\n"
                "<details><summary>Lock-cost table</summary>\n\n"
                + _lock_table(data.locks)
                + "\n\n</details>\n"
            )
        if stem == "single-thread-overhead" and not data.single.empty:
            parts.append(f"Estimator (1-thread rows): {stats.describe(stats.ALONE)}.\n")
            parts.append(_single_table(data.single) + "\n")
    parts += _run_sections(data, h, extra)
    return "\n".join(parts)


ESTIMATOR_LINE = (
    f"Estimator: where one thread runs alone, {stats.describe(stats.ALONE)}; where threads "
    f"share the cores, {stats.describe(stats.SHARED)}; a speedup uses the second on both "
    "of its cells (concepts.stats).\n"
)
"""The line that names the estimator under every table of times, ratios and speedups."""

RUN_PLOTS = ("fairness", "ownership")
"""Plots drawn inside the run-metadata sections."""


def _figure(png: Path | None, heading: str) -> list[str]:
    if png is None:
        return []
    return [f"![{heading}]({png.name})\n", f"Also as [SVG]({png.with_suffix('.svg').name}).\n"]


def build_report(
    results: Results,
    output: Path,
    *,
    make_plots: bool = True,
    history_file: Path | None = None,
    record_history: bool = False,
) -> Outcome:
    """Compute every metric of ``results`` and write the report into ``output``.

    With ``history_file`` the report gets the trend section of that history (from 3
    runs on); with ``record_history`` too, the gated ratios of every interleaved session
    are first appended to it (once per session).
    """
    outcome = Outcome(output=output)
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
        suffix = "" if len(groups) == 1 else f"-{slug(name)}"
        drawn: list[tuple[str, str, Path]] = []
        if make_plots:
            drawn = _plots(data, output, suffix, missing)
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
        ):
            tables.setdefault(key, []).append(frame)
    for key, frames in tables.items():
        nonempty = [f for f in frames if not f.empty]
        frame = pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame()
        outcome.written.append(atomic_write(output / f"{key}.csv", _csv(frame)))
    set_section = _sets_section(datas, output, make_plots, outcome)
    if set_section:
        sections.insert(0, set_section)
    if not groups:
        outcome.missing.append(
            "no gilbench results (bench-<arm>.json or races-<arm>.json): nothing but the "
            "other pyperf benchmarks to report"
        )
        sections.append("## Missing\n\n- " + outcome.missing[-1] + "\n")
    if history_file is not None:
        trend = _trend_section(results, history_file, record_history, output, make_plots, outcome)
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
    outcome: Outcome,
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


def _sets_section(datas: list[GroupData], output: Path, make_plots: bool, outcome: Outcome) -> str:
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
                table, [g.interpreter_set for g in machine], output, f"interpreter-sets{suffix}"
            )
            outcome.plots += files
            png = files[0]
        if not table.empty:
            outcome.written.append(
                atomic_write(output / f"interpreter-sets{suffix}.csv", _csv(table))
            )
        parts.append(sets_mod.render(machine, png))
    return "\n".join(parts)


def _readme(
    results: Results,
    sections: list[str],
    outcome: Outcome,
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
        disturbed=metrics.DISTURBED_PARALLELISM,
    )
    return body.rstrip() + "\n\n" + definitions


__all__ = [
    "Outcome",
    "atomic_write",
    "build_report",
    "fmt_ratio",
    "interpreter_table",
    "md_table",
    "mismatch_warnings",
]
