"""Time per op, speedup against each workload's ideal, ratios between arms, and crossover."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from analysis.metrics.cells import (
    Sample,
    _sorted,
    aggregated,
    effective_threads,
    group_cores,
    samples,
)
from analysis.metrics.intervals import basis_label, geomean, geomean_ratio_ci
from concepts import stats
from concepts.arms import RATIO_PAIRS
from concepts.families import WORKLOADS, ideal_speedup
from concepts.families import traits as table_traits

# --------------------------------------------------------------------------- tables


def cell_summary(
    bench: pd.DataFrame,
) -> pd.DataFrame:
    """Per benchmark cell: time per op, throughput, speedup against the workload's own ideal.

    Columns: group, arm, family, variant, threads, role, ideal_rule, mode, time_s,
    time_lo_s, time_hi_s, throughput, n_processes, n_values, basis, cores,
    helper_threads, effective_threads, oversubscribed, speedup_base (the thread count
    speedup is relative to), speedup, speedup_lo, speedup_hi, speedup_basis, ideal (the
    ideal speedup at N), efficiency (speedup / ideal), traits_known.
    """
    cells = samples(bench)
    cores = group_cores(bench)
    records = []
    for key, sample in cells.items():
        group, arm, family, variant, threads = key
        time_s, lo, hi = stats.location_interval(sample.process_values)
        base_n = sample.traits.base_threads()
        base = cells.get((group, arm, family, variant, base_n))
        speedup_basis = sample.basis
        speedup_kind = sample.kind
        if threads == base_n:
            speedup = s_lo = s_hi = 1.0  # by definition, no uncertainty
            speedup_basis = "by definition"
        elif base is not None and threads > base_n:
            # Like with like: one statistic on both sides (the shared one, unless both
            # cells run alone).
            speedup_kind = stats.common_kind(base.kind, sample.kind)
            speedup, s_lo, s_hi = stats.ratio_interval(
                base.statistics(speedup_kind), sample.statistics(speedup_kind)
            )
            speedup_basis = basis_label([base.n_processes, sample.n_processes])
        else:
            speedup = s_lo = s_hi = math.nan
            speedup_basis = "none"
        n_cores = cores.get(group, 1)
        ideal = ideal_speedup(sample.traits.ideal, threads, n_cores)
        effective = effective_threads(sample, threads)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "threads": threads,
                "role": sample.traits.role,
                "ideal_rule": sample.traits.ideal,
                "mode": sample.traits.mode,
                "kind": sample.kind,
                "estimator": stats.describe(sample.kind),
                "time_s": time_s,
                "time_lo_s": lo,
                "time_hi_s": hi,
                "throughput": 1.0 / time_s,
                "n_processes": sample.n_processes,
                "n_values": sample.n_values,
                "basis": sample.basis,
                "cores": n_cores,
                "helper_threads": sample.traits.helper_threads,
                "effective_threads": effective,
                "oversubscribed": effective > n_cores,
                "speedup_base": base_n,
                "speedup": speedup,
                "speedup_lo": s_lo,
                "speedup_hi": s_hi,
                "speedup_basis": speedup_basis,
                "speedup_estimator": stats.describe(speedup_kind),
                "ideal": ideal,
                "efficiency": speedup / ideal if ideal and math.isfinite(ideal) else math.nan,
                "traits_known": sample.traits.known,
            }
        )
    return _sorted(pd.DataFrame(records), ["group", "family", "variant", "arm", "threads"])


def _same_session(a: Sample, b: Sample) -> bool | None:
    """True when both cells were measured in one session, False when not, None: unknown."""
    if not a.sessions or not b.sessions:
        return None
    return bool(a.sessions & b.sessions)


def ratios(
    bench: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] = RATIO_PAIRS,
) -> pd.DataFrame:
    """Time-per-op ratio num/den per benchmark and thread count, with its interval.

    Columns: group, num, den, family, variant, threads, role, ratio, lo, hi, basis,
    n_num, n_den, num_time_s, den_time_s, same_session (True, False, or NA when a file
    records no session), interleaved (both sides say their arms alternated per
    benchmark; NA when not recorded). Only cells present in both arms appear.
    """
    cells = samples(bench)
    records = []
    for (group, arm, family, variant, threads), sample in cells.items():
        for num, den in pairs:
            if arm != num:
                continue
            other = cells.get((group, den, family, variant, threads))
            if other is None:
                continue
            ratio, lo, hi = stats.ratio_interval(sample.process_values, other.process_values)
            records.append(
                {
                    "group": group,
                    "num": num,
                    "den": den,
                    "family": family,
                    "variant": variant,
                    "threads": threads,
                    "role": sample.traits.role,
                    "mode": sample.traits.mode,
                    "kind": sample.kind,
                    "estimator": stats.describe(sample.kind),
                    "ratio": ratio,
                    "lo": lo,
                    "hi": hi,
                    "basis": basis_label([sample.n_processes, other.n_processes]),
                    "n_num": sample.n_processes,
                    "n_den": other.n_processes,
                    "num_time_s": sample.location,
                    "den_time_s": other.location,
                    "same_session": _same_session(sample, other),
                    "interleaved": (
                        None
                        if sample.interleaved is None or other.interleaved is None
                        else sample.interleaved and other.interleaved
                    ),
                }
            )
    out = _sorted(pd.DataFrame(records), ["group", "num", "den", "family", "variant", "threads"])
    if not out.empty:
        for column in ("same_session", "interleaved"):
            out[column] = out[column].astype("boolean")
    return out


def family_ratios(
    bench: pd.DataFrame,
    num: str = "ft",
    den: str = "gil",
    role: str = "primitive",
) -> pd.DataFrame:
    """Geometric-mean time ratio num/den over each family's ``role`` variants, per N.

    Primitives by default (controls with ``role="control"``); fixed-duration variants
    and the harness never count. Only variants measured in both arms at that thread
    count count. Columns: group, num, den, family, role, threads, variants, ratio, lo,
    hi, basis.
    """
    columns = [
        "group", "num", "den", "family", "role", "threads", "variants", "ratio", "lo", "hi",
        "basis",
    ]  # fmt: skip
    cells = samples(bench)
    pairs: dict[tuple[str, str, int], list[tuple[list[float], list[float]]]] = {}
    for (group, arm, family, variant, threads), sample in sorted(cells.items()):
        if arm != num or not aggregated(sample, role):
            continue
        other = cells.get((group, den, family, variant, threads))
        if other is not None:
            pairs.setdefault((group, family, threads), []).append(
                (sample.process_values, other.process_values)
            )
    records = []
    for (group, family, threads), family_pairs in pairs.items():
        ratio, lo, hi = geomean_ratio_ci(family_pairs)
        counts = [len(side) for pair in family_pairs for side in pair]
        records.append(
            {
                "group": group,
                "num": num,
                "den": den,
                "family": family,
                "role": role,
                "threads": threads,
                "variants": len(family_pairs),
                "ratio": ratio,
                "lo": lo,
                "hi": hi,
                "basis": basis_label(counts),
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(pd.DataFrame(records, columns=columns), ["group", "family", "threads"])


def beats(ratio: float, hi: float, require_ci: bool = True) -> bool:
    """Whether a time ratio num/den says ``num`` is faster (higher throughput).

    With ``require_ci`` (default) and a finite upper bound, the whole interval must be
    below 1; without a CI (a single value per side) the point estimate decides.
    """
    if require_ci and math.isfinite(hi):
        return hi < 1.0
    return ratio < 1.0


def can_run_parallel(ideal: str, threads: int) -> bool:
    """Whether a workload with this ideal (concepts.families) can run faster than one
    thread at ``threads`` threads, given the cores: per-thread work from 2 threads,
    hand-off pairs from 4, fixed work never."""
    return ideal_speedup(ideal, threads, threads) > 1.0


def _family_ideals(rows: pd.DataFrame, family: str) -> set[str]:
    """The ideals of a family's primitives: of those measured in ``rows``, else of those
    concepts.families lists, else per-thread work."""
    variants: set[str] = set()
    if not rows.empty and {"family", "variant", "role"} <= set(rows.columns):
        chosen = rows[(rows["family"] == family) & (rows["role"] == "primitive")]
        variants = {str(v) for v in chosen["variant"].dropna()}
    ideals = {table_traits(f"{family}-{v}").ideal for v in variants}
    if not ideals:
        ideals = {
            t.ideal
            for name, t in WORKLOADS.items()
            if name.startswith(family + "-") and t.role == "primitive"
        }
    return ideals or {"per-thread"}


def crossover(
    ratio_table: pd.DataFrame,
    family_table: pd.DataFrame | None = None,
    num: str = "ft",
    den: str = "gil",
    require_ci: bool = True,
) -> pd.DataFrame:
    """The thread count from which ``num``'s throughput beats ``den``'s, for good.

    Per benchmark from ``ratio_table`` (:func:`ratios`), and per family (``variant``
    None) from ``family_table`` (:func:`family_ratios`; when not given, the geometric
    mean of the primitives' point ratios, without interval). "Beats" is :func:`beats`:
    the ratio's interval is below 1. The crossover is the smallest measured N such that
    ``num`` beats ``den`` at N **and at every measured count above N**, and the workload
    can run in parallel at N (its ideal speedup there is above 1, :func:`can_run_parallel`):
    a win at 1 thread, or on a workload whose ideal is fixed work, is a single-thread or
    hand-off effect, not the parallelism a crossover is about. Column ``crossover`` is
    that thread count, or NA when there is none at the measured counts.
    """
    columns = ["group", "family", "variant", "crossover", "threads_measured"]
    records: list[dict[str, object]] = []

    def first_win(frame: pd.DataFrame, ideals: set[str]) -> int | None:
        frame = frame.sort_values("threads")
        his = frame["hi"].tolist() if "hi" in frame else [math.nan] * len(frame)
        points = list(zip(frame["threads"], frame["ratio"], his, strict=True))
        wins = [beats(float(ratio), float(hi), require_ci) for _n, ratio, hi in points]
        for index, (threads, _ratio, _hi) in enumerate(points):
            parallel = any(can_run_parallel(ideal, int(threads)) for ideal in ideals)
            if parallel and all(wins[index:]):
                return int(threads)
        return None

    rows = (
        ratio_table[(ratio_table["num"] == num) & (ratio_table["den"] == den)]
        if not ratio_table.empty
        else ratio_table
    )
    if not rows.empty:
        for (group, family, variant), frame in rows.groupby(["group", "family", "variant"]):
            records.append(
                {
                    "group": group,
                    "family": family,
                    "variant": variant,
                    "crossover": first_win(frame, {table_traits(f"{family}-{variant}").ideal}),
                    "threads_measured": sorted(int(t) for t in frame["threads"]),
                }
            )
    if family_table is None and not rows.empty:
        operations = rows[rows["role"] == "primitive"] if "role" in rows else rows
        family_table = (
            operations.groupby(["group", "family", "threads"])["ratio"].apply(geomean).reset_index()
        )
    if family_table is not None and not family_table.empty:
        if "num" in family_table:
            family_table = family_table[(family_table["num"] == num) & (family_table["den"] == den)]
        for (group, family), frame in family_table.groupby(["group", "family"]):
            ideals = _family_ideals(rows, str(family))
            records.append(
                {
                    "group": group,
                    "family": family,
                    "variant": None,
                    "crossover": first_win(frame, ideals),
                    "threads_measured": sorted(int(t) for t in frame["threads"]),
                }
            )
    out = pd.DataFrame(records, columns=columns)
    out["crossover"] = out["crossover"].astype("Int64")
    return _sorted(out, ["group", "family"]) if not out.empty else out
