"""A group's section of the report: its headlines, plots, tables and run metadata."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from analysis import metrics, plots
from analysis.markdown import _finite, _fmt_s, fmt_pct, fmt_ratio, md_table, num
from analysis.report.group import GroupData, _notes
from analysis.report.headlines import _headlines
from analysis.report.tables import _lock_table, _race_table, _single_table, _summary_rows
from concepts import lock_overhead as lock_def
from concepts import stats
from concepts.fairness import DEFAULT_SWITCH_INTERVAL, FIXED_DURATION, MIN_SWITCH_INTERVALS


def _run_length(seconds: object, intervals: object) -> str:
    """A fixed-duration run's length, "250 ms (50)"; "–" for runs of a fixed count."""
    if not _finite(seconds):
        return "–"
    length = f"{num(seconds) * 1000:g} ms"
    return f"{length} ({num(intervals):.0f})" if _finite(intervals) else length


def _plots(
    data: GroupData,
    out: Path,
    stem_suffix: str,
    missing: list[str],
    only: Collection[str] | None = None,
) -> list[tuple[str, str, Path]]:
    """Draw the group's plots (``only`` those stems, if given); return (stem, heading, png
    path); note the ones that cannot be drawn."""
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
        if only is not None and stem not in only:
            continue
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
        if not table.empty and (only is None or stem in only):
            files = draw_extra(table, context, out, stem + stem_suffix)
            drawn.append((stem, stem, files[0]))
    return drawn


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
                f"{r.runs_short_of_cpus} of {r.runs}",
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
                    "runs short of CPUs",
                ],
                rows,
            )
            + "\n"
        )
        parts.append(
            f"CPU time / wall time of each run's timed regions, for workloads whose threads "
            f"share nothing; a run below {metrics.SHORT_OF_CPUS:g} x what it should "
            "reach (min(N, cores) without the GIL, 1 with it) was short of CPUs (its threads "
            "waited for a CPU or the OS). In a VM, time the host gives another tenant counts "
            "as this guest's CPU time: this table cannot see that kind of disturbance. Table: "
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
                _run_length(r.run_seconds, r.switch_intervals),
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
                    "run length (switch intervals)",
                    "runs",
                ],
                rows,
            )
            + "\n"
        )
        parts.append(
            "Jain's index of the threads' throughputs: 1 when every thread got the same "
            "share, 1/N when one got everything. Finish spread: (last finish − first "
            "finish) / span. A fixed-duration run's length is given in its metadata's "
            "seconds and in the run's switch intervals (CPython's default is "
            f"{DEFAULT_SWITCH_INTERVAL * 1000:g} ms; gilbench runs them for "
            f"{FIXED_DURATION * 1000:g} ms): on a GIL arm the threads can only take turns "
            "at switch intervals, so its index says how that many slices were dealt; it is "
            "the free-threaded arm's index that shows how the primitive itself shares. "
            "Table: [fairness.csv](fairness.csv).\n"
        )
        short = metrics.coarse_gil_fairness(data.fairness)
        if not short.empty:
            parts.append(
                f"{len(short)} GIL-arm row(s) ran fixed-duration runs of fewer than "
                f"{MIN_SWITCH_INTERVALS} switch intervals "
                f"({', '.join(sorted({f'{r.family}/{r.variant}' for r in short.itertuples()}))}): "
                "their Jain's index shows how a handful of slices were dealt, not the "
                "primitive's fairness.\n"
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
            " holds); read them as measurement artefacts, not as findings:\n"
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
    parts += _patterns_section(data, h)
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


def _patterns_section(data: GroupData, h: str) -> list[str]:
    """ "Patterns that do not scale": the shared-object family, shared against own."""
    table = metrics.shared_patterns(data.summary, data.ratios, data.cores)
    if table.empty:
        return []
    rows = [
        [
            str(r.pattern),
            fmt_ratio(r.ft_speedup_shared, r.ft_speedup_shared_lo, r.ft_speedup_shared_hi),
            fmt_ratio(r.ft_speedup_own, r.ft_speedup_own_lo, r.ft_speedup_own_hi),
            "**does not scale**" if r.does_not_scale else "–",
            fmt_ratio(r.ft_gil_shared, r.ft_gil_shared_lo, r.ft_gil_shared_hi),
            fmt_ratio(r.build_cost, r.build_cost_lo, r.build_cost_hi),
        ]
        for r in table.itertuples()
    ]
    n = int(table["threads"].max())
    header = [
        "pattern",
        f"ft speedup at {n}, shared object",
        "… each thread's own",
        "verdict",
        f"ft/gil at {n}, shared",
        "build cost: ft/gil at 1, own",
    ]
    return [
        f"{h} Patterns that do not scale\n",
        md_table(header, rows) + "\n",
        "Each pattern of the `shared-object` family run on one object every thread shares "
        "and, as its twin, on each thread's own object of the same kind (who creates what: "
        "benchmarks/shared_object.py). A pattern does not scale when the shared variant's "
        "speedup interval lies wholly below its twin's: sharing the object, not the work, "
        "costs. The build cost is what the free-threaded build costs that pattern alone "
        "(above 1: slower than gil). Run the family with `--filter shared-object`.\n",
    ]


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
