"""Run metadata: achieved parallelism, fairness, hand-off latency, memory, ownership cost,
sessions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.metrics.cells import (
    CELL,
    RUN,
    _sorted,
    _traits_by_cell,
    first_recorded,
    gilbench_rows,
    group_cores,
    samples,
)
from analysis.metrics.intervals import basis_label, geomean, ratio_ci
from concepts.arms import ARMS
from concepts.fairness import MIN_SWITCH_INTERVALS

SHORT_OF_CPUS = 0.8
"""A run of a no-sharing workload whose CPU time / wall time is below this fraction of
the parallelism it should reach was *short of CPUs*: its threads waited instead of
running (for a CPU another process of this machine held, or for the OS). What the ratio
cannot see: in a VM, time the host gives another tenant still counts as this guest's CPU
time, so a run slowed by the host's other tenants can show full parallelism."""


# --------------------------------------------------------------------------- run metadata


def _gil_enabled(arm: str) -> bool:
    return ARMS[arm].expect_gil_enabled if arm in ARMS else True


def _median_present(column: pd.Series) -> float:
    """The median of a column's recorded values; NaN when none is recorded."""
    present = pd.to_numeric(column, errors="coerce").dropna()
    return float(present.median()) if not present.empty else math.nan


def parallelism(bench: pd.DataFrame) -> pd.DataFrame:
    """Achieved parallelism of the no-sharing workloads, per cell.

    A run's ``cpu_per_wall`` (CPU time / wall time of its timed regions) should reach
    the expected parallelism: min(N, cores) where the arm runs without the GIL, 1 where
    it has one. A run below :data:`SHORT_OF_CPUS` x that was short of CPUs. Only
    workloads whose threads share nothing (concepts.families ``independent``), and only
    runs that recorded ``cpu_per_wall``. Columns: group, arm, family, variant, threads,
    expected, runs, runs_short_of_cpus, cpu_per_wall (median), cpu_per_wall_min.
    """
    columns = [
        "group", "arm", "family", "variant", "threads", "expected", "runs", "runs_short_of_cpus",
        "cpu_per_wall", "cpu_per_wall_min",
    ]  # fmt: skip
    rows = gilbench_rows(bench)
    if rows.empty or rows["cpu_per_wall"].isna().all():
        return pd.DataFrame(columns=columns)
    cores = group_cores(bench)
    per_run = (
        rows.dropna(subset=["cpu_per_wall"])
        .groupby(RUN, sort=True)["cpu_per_wall"]
        .median()
        .reset_index()
    )
    records = []
    traits_of = _traits_by_cell(rows)
    for key, frame in per_run.groupby(CELL, sort=True):
        group, arm, family, variant, threads = key
        if not traits_of[key].independent:
            continue
        expected = (
            1.0 if _gil_enabled(str(arm)) else float(min(int(str(threads)), cores[str(group)]))
        )
        values = frame["cpu_per_wall"].to_numpy(dtype=float)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "threads": int(str(threads)),
                "expected": expected,
                "runs": len(values),
                "runs_short_of_cpus": int((values < SHORT_OF_CPUS * expected).sum()),
                "cpu_per_wall": float(np.median(values)),
                "cpu_per_wall_min": float(values.min()),
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(pd.DataFrame(records, columns=columns), ["group", "family", "variant", "arm"])


def fairness(bench: pd.DataFrame) -> pd.DataFrame:
    """Fairness per contended primitive, arm and thread count (runs with 2+ threads).

    From each run's ``fairness_jain`` (Jain's index of per-thread throughput) and
    ``thread_finish_spread`` ((last finish - first finish) / span). Contended: a
    primitive whose threads share something (not ``independent``). Columns: group,
    arm, family, variant, threads, mode, runs, jain (median), jain_min, spread (median),
    spread_max; for fixed-duration runs also run_seconds (a run's length, from its
    metadata) and switch_intervals (that length in the run's ``sys.getswitchinterval()``:
    how many GIL slices a gil arm's run could deal out); NaN for other runs.
    """
    columns = [
        "group", "arm", "family", "variant", "threads", "mode", "runs", "jain", "jain_min",
        "spread", "spread_max", "run_seconds", "switch_intervals",
    ]  # fmt: skip
    rows = gilbench_rows(bench)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows[rows["fairness_jain"].notna() | rows["thread_finish_spread"].notna()]
    rows = rows[rows["threads"] >= 2]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    per_run = rows.groupby([*RUN, "mode"], sort=True, dropna=False)[
        ["fairness_jain", "thread_finish_spread"]
    ].median()
    per_run = per_run.reset_index()
    records = []
    traits_of = _traits_by_cell(rows)
    rows_by_cell = rows.groupby(CELL, sort=True, dropna=False)
    for key, frame in per_run.groupby(CELL, sort=True):
        group, arm, family, variant, threads = key
        found = traits_of[key]
        if found.role != "primitive" or found.independent:
            continue
        jain = frame["fairness_jain"].dropna().to_numpy(dtype=float)
        spread = frame["thread_finish_spread"].dropna().to_numpy(dtype=float)
        cell_rows = rows_by_cell.get_group(key)
        run_seconds = _median_present(cell_rows["run_seconds"])
        interval = _median_present(cell_rows["switch_interval"])
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "threads": int(str(threads)),
                "mode": first_recorded(frame, "mode") or found.mode,
                "runs": len(frame),
                "jain": float(np.median(jain)) if jain.size else math.nan,
                "jain_min": float(jain.min()) if jain.size else math.nan,
                "spread": float(np.median(spread)) if spread.size else math.nan,
                "spread_max": float(spread.max()) if spread.size else math.nan,
                "run_seconds": run_seconds,
                "switch_intervals": run_seconds / interval if interval > 0 else math.nan,
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(
        pd.DataFrame(records, columns=columns), ["group", "family", "variant", "arm", "threads"]
    )


def coarse_gil_fairness(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`fairness` whose arm runs with the GIL and whose fixed-duration runs
    lasted fewer than ``MIN_SWITCH_INTERVALS`` switch intervals: too few slices for the
    index to say anything about the primitive."""
    if table.empty:
        return table
    gil = table["arm"].map(lambda arm: _gil_enabled(str(arm)))
    return table[gil & (table["switch_intervals"] < MIN_SWITCH_INTERVALS)]


def latency_summary(latency: pd.DataFrame) -> pd.DataFrame:
    """Hand-off latency percentiles per group, arm, benchmark and thread count.

    Each percentile is the median over trials of that trial's percentile; ``max_s`` the
    largest value of any trial. Columns: group, arm, benchmark, threads, trials, count,
    p50_s, p90_s, p99_s, max_s.
    """
    columns = [
        "group", "arm", "benchmark", "threads", "trials", "count", "p50_s", "p90_s", "p99_s",
        "max_s",
    ]  # fmt: skip
    if latency.empty:
        return pd.DataFrame(columns=columns)
    rows = latency[latency["gil_valid"].fillna(True).astype(bool)]
    records = []
    for (group, arm, benchmark, threads), frame in rows.groupby(
        ["group", "arm", "benchmark", "threads"], sort=True
    ):
        records.append(
            {
                "group": group,
                "arm": arm,
                "benchmark": benchmark,
                "threads": int(str(threads)),
                "trials": len(frame),
                "count": int(frame["count"].fillna(0).sum()),
                **{k: float(frame[k].median()) for k in ("p50_s", "p90_s", "p99_s")},
                "max_s": float(frame["max_s"].max()) if frame["max_s"].notna().any() else math.nan,
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(pd.DataFrame(records, columns=columns), ["group", "benchmark", "threads", "arm"])


def memory(bench: pd.DataFrame) -> pd.DataFrame:
    """Peak memory (pyperf's ``mem_max_rss``) per group, family, variant and thread count.

    Per arm the median over processes, in MiB; ``ft_gil`` is ft's over gil's. Columns:
    group, family, variant, threads, mib_<arm> for each arm present, ft_gil.
    """
    rows = gilbench_rows(bench)
    if rows.empty or rows["mem_max_rss"].isna().all():
        return pd.DataFrame(columns=["group", "family", "variant", "threads", "ft_gil"])
    per_run = rows.dropna(subset=["mem_max_rss"]).groupby(RUN, sort=True)["mem_max_rss"].max()
    cell = per_run.groupby(CELL).median().reset_index()
    wide = cell.pivot_table(
        index=["group", "family", "variant", "threads"], columns="arm", values="mem_max_rss"
    )
    wide = wide / 2**20
    wide.columns = [f"mib_{arm}" for arm in wide.columns]
    out = wide.reset_index()
    out["ft_gil"] = (
        out["mib_ft"] / out["mib_gil"] if {"mib_ft", "mib_gil"} <= set(out.columns) else math.nan
    )
    return _sorted(out, ["group", "family", "variant", "threads"])


def memory_by_arm(table: pd.DataFrame) -> pd.DataFrame:
    """Per group and arm: median and largest peak RSS over benchmarks (MiB), and the
    geometric mean of the per-benchmark ft/gil ratios."""
    records = []
    if table.empty:
        return pd.DataFrame(columns=["group", "arm", "median_mib", "max_mib", "benchmarks"])
    for group, frame in table.groupby("group"):
        for column in [c for c in frame.columns if c.startswith("mib_")]:
            values = frame[column].dropna()
            if values.empty:
                continue
            records.append(
                {
                    "group": group,
                    "arm": column[len("mib_") :],
                    "median_mib": float(values.median()),
                    "max_mib": float(values.max()),
                    "benchmarks": len(values),
                    "ft_gil_geomean": geomean(frame["ft_gil"]) if "ft_gil" in frame else math.nan,
                }
            )
    return _sorted(pd.DataFrame(records), ["group", "arm"])


def ownership(
    bench: pd.DataFrame,
) -> pd.DataFrame:
    """Ownership cost t(X-other) / t(X-own) per group, arm, object and thread count.

    ``X-own``: each thread uses an uncontended object it created itself; ``X-other``:
    the same, but another thread created it. Above 1: using an object another thread
    created costs more (biased reference counting on a free-threaded build). Columns:
    group, arm, object, threads, own_s, other_s, ratio, lo, hi, basis.
    """
    columns = [
        "group", "arm", "object", "threads", "own_s", "other_s", "ratio", "lo", "hi", "basis",
    ]  # fmt: skip
    cells = samples(bench)
    records = []
    for (group, arm, family, variant, threads), other in cells.items():
        if family != "ownership" or not variant.endswith("-other"):
            continue
        thing = variant[: -len("-other")]
        own = cells.get((group, arm, family, f"{thing}-own", threads))
        if own is None:
            continue
        ratio, lo, hi = ratio_ci(other.process_values, own.process_values)
        records.append(
            {
                "group": group,
                "arm": arm,
                "object": thing,
                "threads": threads,
                "own_s": own.location,
                "other_s": other.location,
                "ratio": ratio,
                "lo": lo,
                "hi": hi,
                "basis": basis_label([other.n_processes, own.n_processes]),
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(pd.DataFrame(records, columns=columns), ["group", "object", "arm", "threads"])


def session_notes(ratio_table: pd.DataFrame) -> list[str]:
    """What the arm ratios divide: results of one interleaved session, or not."""
    if ratio_table.empty:
        return []
    notes = []
    for (num, den), frame in ratio_table.groupby(["num", "den"], sort=False):
        apart = int((frame["same_session"] == False).sum())  # noqa: E712 (nullable boolean)
        if apart:
            notes.append(
                f"{num}/{den}: {apart} of {len(frame)} ratios divide results of different "
                "sessions (not measured interleaved): the machine's drift between sessions "
                "is inside those ratios"
            )
        together = frame[(frame["same_session"] == True) & (frame["interleaved"] == False)]  # noqa: E712
        if len(together):
            notes.append(
                f"{num}/{den}: {len(together)} of {len(frame)} ratios divide results of one "
                "session whose arms were not interleaved (measured one after the other): "
                "drift during the session is inside those ratios"
            )
    unknown = int(ratio_table["same_session"].isna().sum())
    if unknown:
        notes.append(
            f"{unknown} of {len(ratio_table)} arm ratios divide results whose files record no "
            "session (older files): whether the arms were measured side by side, "
            "interleaved, is unknown"
        )
    return notes
