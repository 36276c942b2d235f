"""The report's tables: per-family summary, race loss, lock cost, single-thread overhead,
foreign benchmarks, and the definitions section."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import metrics
from analysis.markdown import _finite, fmt_ns, fmt_pct, fmt_ratio, md_table, num
from analysis.report.group import GroupData
from concepts.families import family_sort_key


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
            key=lambda f: family_sort_key(str(f)),
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
- **crossover**: the smallest measured thread count N from which ft's throughput beats
  gil's at N and at every measured count above it: the interval of the ft/gil ratio
  lies below 1 (per family: of the geometric mean over its primitives). Only where the
  workload can run in parallel at N (its ideal speedup there is above 1: from 2 threads
  for per-thread work, 4 for hand-off pairs, never for fixed work); a win at 1 thread,
  e.g. a hand-off to a helper thread that the GIL makes costly, is not a crossover. A
  point estimate below 1 inside the noise is not a crossover; only with 1 process per
  side, where there is no interval, the point estimate decides (and the headline says
  so).
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
  no-sharing workload below {short_of_cpus:g} x what it should reach (min(N, cores) without
  the GIL, 1 with it) is counted as short of CPUs; in a VM the host's other tenants do
  not show in this ratio (their time counts as the guest's CPU time).
- **fairness**: Jain's index of the threads' throughputs (1: equal shares, 1/N: one
  thread got everything) and the finish spread ((last finish − first finish) / span),
  medians over runs, for contended primitives at 2+ threads.
- **ownership cost**: t(X-other) / t(X-own): each thread uses its own uncontended
  object, created by another thread or by itself.
"""
