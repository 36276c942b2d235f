"""What the numbers mean: time per op, speedup against each workload's own ideal, ft/gil
ratios with honest intervals, lock cost, race losses, and the run-metadata sections.

Definitions (every function here is deterministic). The estimator and its intervals
are :mod:`concepts.stats`'s; workload traits (role, ideal, helpers) are the
result file's own, else :mod:`concepts.families`'s; the lock-cost reference is
:mod:`concepts.lock_overhead`'s.

- **process value**: one worker process's statistic (seconds per operation) for the
  cell's kind of row: its fastest value where one thread runs alone, its mean value
  where threads share the cores (concepts.stats). pyperf runs each worker in a fresh
  process, so processes are the independent samples; values inside one process are not.
- **time per op** of a benchmark cell (group, arm, family, variant, threads): the
  location of its process values (their geometric mean, trimmed at both ends).
  **throughput** = 1 / time per op.
- **interval basis**: Welch's t interval over processes (concepts.stats). It is
  labelled a "95% CI" only when every side has at least ``MIN_CI_PROCESSES`` (4)
  processes; with 2-3 it is a "t interval of N processes"; with 1 there is none. Every table
  has a ``basis`` column.
- **speedup(N)** = t(base) / t(N) within one arm, both cells with the shared statistic
  (like with like), base = 1 thread, or 2 for hand-off
  pairs (ideal ``pair``); **ideal** is the workload's own: min(N, cores) for per-thread
  work, 1 for a fixed amount of work, min(N // 2, cores) for pairs;
  **efficiency** = speedup / ideal. **effective threads** = threads the workload really
  ran (measured ``threads_total``, else N + helper threads); above the usable CPUs the
  cell is oversubscribed.
- **ratio** num/den (e.g. ft/gil) = time per op of ``num`` / time per op of ``den``
  at the same benchmark and thread count: > 1 means ``num`` is slower.
- **family aggregates** (family ratios, speedups, crossover) are geometric means over
  the family's *primitives* (fixed-work mode); its controls are aggregated beside them,
  never with them; the harness benchmark is in neither.
- **single-thread overhead** of the free-threaded build = ft/gil (and ft-gil/gil) ratio
  at 1 thread minus 1, over truly single-threaded workloads only (no helper threads or
  processes), one weight per family: the geometric mean over families of each family's
  geometric mean over its variants.
- **lock cost over unshared work**: see :mod:`concepts.lock_overhead`.
- **race-loss rate** = lost / expected per trial; per cell the distribution over
  trials: median, quartiles (IQR), max.
- **crossover** = the smallest measured thread count at which ft's throughput beats
  gil's: the interval of the ft/gil time ratio lies below 1.
- **core count** N_c of a group: the CPUs its processes could use (affinity, else
  cpu_count); "at the core count" uses the largest measured thread count <= N_c.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from concepts import lock_overhead as lock_def
from concepts import stats
from concepts.arms import ARMS, RATIO_PAIRS, arm_sort_key
from concepts.fairness import jain_index
from concepts.families import FAMILY_ORDER, Traits, family_sort_key, ideal_speedup
from concepts.families import traits as table_traits
from concepts.races import counts as race_counts

__all__ = ["FAMILY_ORDER", "arm_sort_key", "family_sort_key", "jain_index"]

CONFIDENCE = stats.CONFIDENCE
MIN_CI_PROCESSES = stats.MIN_CI_PROCESSES

ARM_PAIRS: tuple[tuple[str, str], ...] = RATIO_PAIRS
"""Ratios computed (numerator, denominator) when both arms are present."""

CELL = ["group", "arm", "family", "variant", "threads"]
"""Columns identifying one benchmark cell."""

DISTURBED_PARALLELISM = 0.8
"""A run of a no-sharing workload whose CPU time / wall time is below this fraction of
the parallelism it should reach was disturbed (another tenant had the CPUs)."""

PUBLISHED_OVERHEAD: tuple[dict[str, object], ...] = (
    {
        "version": "3.13",
        "low": 0.40,
        "high": 0.40,
        "profile": "optimized",
        "label": "3.13t ≈ 40% (pyperformance, optimized PGO+LTO builds; 3.13 free-threading HOWTO)",
    },
    {
        "version": "3.14",
        "low": 0.05,
        "high": 0.10,
        "profile": "optimized",
        "label": "3.14t 5–10% (pyperformance, optimized PGO+LTO builds; What's New in Python 3.14)",
    },
)
"""Published single-thread overhead of the free-threaded build (fractions), with the
build profile the figure is for."""


# --------------------------------------------------------------------------- intervals


def basis_label(counts: Sequence[int], confidence: float = CONFIDENCE) -> str:
    """What an interval over sides with these process counts may be called
    (:func:`concepts.stats.interval_basis`)."""
    return stats.interval_basis(counts, confidence)


def is_ci(basis: object) -> bool:
    """Whether a ``basis`` label is a confidence interval (not a range, not none)."""
    return isinstance(basis, str) and basis.endswith("% CI")


def _clean(values: Iterable[float]) -> list[float]:
    array = [float(v) for v in values]
    if not array:
        raise ValueError("empty sample")
    if not all(math.isfinite(v) for v in array):
        raise ValueError("sample contains NaN or infinity")
    return array


def location_ci(values: Iterable[float]) -> tuple[float, float, float]:
    """(location, lo, hi) of process statistics (concepts.stats.location_interval)."""
    return stats.location_interval(_clean(values))


def ratio_ci(a_values: Iterable[float], b_values: Iterable[float]) -> tuple[float, float, float]:
    """(location(a) / location(b), lo, hi): concepts.stats.ratio_interval over processes."""
    return stats.ratio_interval(_clean(a_values), _clean(b_values))


def diff_ci(a_values: Iterable[float], b_values: Iterable[float]) -> tuple[float, float, float]:
    """(location(a) - location(b), lo, hi): concepts.stats.difference_interval."""
    return stats.difference_interval(_clean(a_values), _clean(b_values))


def geomean_ratio_ci(groups: Sequence[Any]) -> tuple[float, float, float]:
    """Geometric mean of location(a)/location(b) ratios, with its t interval.

    ``groups``: a list of (a, b) pairs (one geometric mean over them), or a list of such
    lists (a geometric mean over the groups of each group's geometric mean: one weight
    per group, e.g. per family). Every cell is an independent term of one contrast
    (concepts.stats.geomean_interval).
    """
    nested: list[list[tuple[list[float], list[float]]]]
    if groups and isinstance(groups[0], tuple):
        nested = [[(_clean(a), _clean(b)) for a, b in groups]]
    else:
        nested = [[(_clean(a), _clean(b)) for a, b in g] for g in groups]
    nested = [g for g in nested if g]
    if not nested:
        raise ValueError("no pairs")
    pairs = [pair for g in nested for pair in g]
    weights = [1.0 / (len(nested) * len(g)) for g in nested for _ in g]
    return stats.geomean_interval(pairs, weights)


def geomean(values: Iterable[float]) -> float:
    """Geometric mean of positive values (NaN for none)."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(array))))


# --------------------------------------------------------------------------- samples


def gilbench_rows(bench: pd.DataFrame) -> pd.DataFrame:
    """Rows of gilbench benchmarks whose GIL metadata matches their arm.

    Foreign benchmarks (no family) and rows that contradict their arm's expected GIL
    state are left out here; the report lists both.
    """
    if bench.empty:
        return bench
    keep = bench["family"].notna() & bench["threads"].notna() & bench["arm"].notna()
    keep &= bench["gil_valid"].fillna(True).astype(bool)
    rows = bench[keep].copy()
    rows["variant"] = rows["variant"].where(rows["variant"].notna(), rows["benchmark"])
    rows["threads"] = rows["threads"].astype(int)
    return rows


RUN = [*CELL, "source", "benchmark", "run"]


def per_process(bench: pd.DataFrame) -> pd.DataFrame:
    """One row per worker process: its statistic (``process_value``: the statistic of its
    cell's kind of row, concepts.stats), the row's ``kind`` and its value count."""
    rows = gilbench_rows(bench)
    columns = [*RUN, "kind", "process_value", "n_values"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    kinds = {key: _kind(int(str(key[4])), t) for key, t in _traits_by_cell(rows).items()}
    records = []
    for key, frame in rows.groupby(RUN, sort=True):
        kind = kinds[key[: len(CELL)]]
        values = [float(v) for v in frame["value"]]
        records.append([*key, kind, stats.process_statistic(values, kind), len(values)])
    return pd.DataFrame(records, columns=columns)


def _kind(threads: int, traits: Traits) -> str:
    return stats.row_kind(threads, traits.helper_threads)


def _first(frame: pd.DataFrame, column: str) -> object:
    if column not in frame:
        return None
    present = frame[column].dropna()
    return present.iloc[0] if not present.empty else None


@dataclass(frozen=True)
class Sample:
    """One benchmark cell: each process's values and what the workload is."""

    runs: tuple[tuple[float, ...], ...]
    """Each worker process's values, in the order they ran."""
    threads: int
    traits: Traits
    threads_total: float | None = None
    """Median measured threads_total of its runs (None: not recorded)."""
    sessions: frozenset[str] = frozenset()
    interleaved: bool | None = None
    """True when every run says its arms alternated per benchmark; None: not recorded."""

    @property
    def kind(self) -> str:
        """ALONE or SHARED (concepts.stats.row_kind): which per-process statistic it uses."""
        return _kind(self.threads, self.traits)

    def statistics(self, kind: str | None = None) -> list[float]:
        """Each process's statistic for ``kind`` (default: the cell's own)."""
        return [stats.process_statistic(run, kind or self.kind) for run in self.runs]

    @property
    def process_values(self) -> list[float]:
        """Each process's statistic for the cell's own kind of row."""
        return self.statistics()

    @property
    def n_values(self) -> int:
        return sum(len(run) for run in self.runs)

    @property
    def n_processes(self) -> int:
        return len(self.runs)

    @property
    def location(self) -> float:
        return stats.location(self.process_values)

    @property
    def basis(self) -> str:
        return basis_label([self.n_processes])


Key = tuple[str, str, str, str, int]
"""(group, arm, family, variant, threads)."""


def _cell_traits(frame: pd.DataFrame, family: str, variant: str) -> Traits:
    table = table_traits(f"{family}-{variant}")
    role, ideal, helpers = (_first(frame, c) for c in ("role", "ideal", "helper_threads"))
    mode = _first(frame, "mode")
    return Traits(
        role=str(role) if role is not None else table.role,
        ideal=str(ideal) if ideal is not None else table.ideal,
        helper_threads=int(str(helpers)) if helpers is not None else table.helper_threads,
        independent=table.independent,
        mode=str(mode) if mode is not None else table.mode,
        known=table.known,
    )


def _traits_by_cell(rows: pd.DataFrame) -> dict[Any, Traits]:
    """Each cell's traits (as the file recorded them, else concepts.families'), keyed by
    the pandas group key of ``rows.groupby(CELL)``."""
    return {
        key: _cell_traits(frame, str(key[2]), str(key[3]))
        for key, frame in rows.groupby(CELL, sort=True)
    }


def samples(bench: pd.DataFrame) -> dict[Key, Sample]:
    """Each benchmark cell's :class:`Sample`."""
    rows = gilbench_rows(bench)
    if rows.empty:
        return {}
    out: dict[Key, Sample] = {}
    for key, frame in rows.groupby(CELL, sort=True):
        cell: Key = (str(key[0]), str(key[1]), str(key[2]), str(key[3]), int(str(key[4])))
        runs = tuple(
            tuple(float(v) for v in run["value"])
            for _, run in frame.groupby(["source", "benchmark", "run"], sort=True)
        )
        totals: Any = frame["threads_total"].dropna() if "threads_total" in frame else []
        sessions: Any = frame["session"].dropna() if "session" in frame else []
        flags: Any = frame["interleaved"].dropna() if "interleaved" in frame else []
        out[cell] = Sample(
            runs,
            cell[4],
            _cell_traits(frame, cell[2], cell[3]),
            float(np.median(np.asarray(totals, dtype=float))) if len(totals) else None,
            frozenset(str(s) for s in sessions),
            bool(all(bool(f) for f in flags)) if len(flags) else None,
        )
    return out


def group_cores(bench: pd.DataFrame) -> dict[str, int]:
    """Core count N_c per group: the most common usable-CPU count of its rows."""
    out: dict[str, int] = {}
    if bench.empty:
        return out
    for group, frame in bench.groupby("group"):
        cores = frame["cores"].dropna()
        out[str(group)] = int(cores.mode().iloc[0]) if not cores.empty else 1
    return out


def at_cores(threads: Iterable[int], cores: int) -> int | None:
    """The thread count used "at the core count": the largest measured N <= cores."""
    eligible = [n for n in threads if n <= cores]
    return max(eligible) if eligible else None


def is_operation(family: str, variant: str) -> bool:
    """False for the harness's own benchmark (its value is not a per-operation cost)."""
    return table_traits(f"{family}-{variant}").role != "harness"


def aggregated(sample: Sample, role: str = "primitive") -> bool:
    """Whether a cell enters the ``role`` aggregate of its family (fixed-work mode only)."""
    return sample.traits.role == role and sample.traits.mode != "duration"


def effective_threads(sample: Sample, threads: int) -> float:
    """Threads the workload really ran: measured threads_total, else N + helpers."""
    if sample.threads_total is not None:
        return sample.threads_total
    return float(sample.traits.effective_threads(threads))


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sort by ``by`` with families and arms in report order."""
    if frame.empty:
        return frame

    def key(column: pd.Series) -> pd.Series:
        if column.name == "family":
            return column.map(lambda f: family_sort_key(str(f)))
        if column.name in ("arm", "num", "den"):
            return column.map(lambda a: arm_sort_key(str(a)))
        return column

    return frame.sort_values(by, key=key).reset_index(drop=True)


# --------------------------------------------------------------------------- tables


def summarize(
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
    pairs: Sequence[tuple[str, str]] = ARM_PAIRS,
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


def crossover(
    ratio_table: pd.DataFrame,
    family_table: pd.DataFrame | None = None,
    num: str = "ft",
    den: str = "gil",
    require_ci: bool = True,
) -> pd.DataFrame:
    """Smallest thread count at which ``num``'s throughput beats ``den``'s.

    Per benchmark from ``ratio_table`` (:func:`ratios`), and per family (``variant``
    None) from ``family_table`` (:func:`family_ratios`; when not given, the geometric
    mean of the primitives' point ratios, without interval). "Beats" is :func:`beats`:
    the ratio's interval is below 1. Column ``crossover`` is that thread count, or NA
    when it never happens at the measured counts.
    """
    columns = ["group", "family", "variant", "crossover", "threads_measured"]
    records: list[dict[str, object]] = []

    def first_win(frame: pd.DataFrame) -> int | None:
        his = frame["hi"].tolist() if "hi" in frame else [math.nan] * len(frame)
        wins = [
            int(threads)
            for threads, ratio, hi in zip(frame["threads"], frame["ratio"], his, strict=True)
            if beats(float(ratio), float(hi), require_ci)
        ]
        return min(wins) if wins else None

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
                    "crossover": first_win(frame),
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
            records.append(
                {
                    "group": group,
                    "family": family,
                    "variant": None,
                    "crossover": first_win(frame),
                    "threads_measured": sorted(int(t) for t in frame["threads"]),
                }
            )
    out = pd.DataFrame(records, columns=columns)
    out["crossover"] = out["crossover"].astype("Int64")
    return _sorted(out, ["group", "family"]) if not out.empty else out


def lock_reference(
    family: str, variant: str, available: set[tuple[str, str]]
) -> tuple[str, str] | None:
    """The (family, variant) a locked benchmark is compared with, if it was measured.

    The reference is :func:`concepts.lock_overhead.reference`'s; None for benchmarks it
    does not cover, for the references themselves, and when the reference is missing.
    """
    ref = lock_def.reference(f"{family}-{variant}")
    if ref is None:
        return None
    for candidate in available:
        if f"{candidate[0]}-{candidate[1]}" == ref:
            return candidate
    return None


def primitive_of(family: str, variant: str) -> str:
    """Which primitive a locked benchmark exercises (concepts.lock_overhead)."""
    return lock_def.primitive_of(f"{family}-{variant}")


def missing_lock_references(bench: pd.DataFrame) -> dict[str, str]:
    """Locked benchmarks whose reference was not measured: {family/variant: wanted}."""
    cells = samples(bench)
    available = {(family, variant) for (_, _, family, variant, _) in cells}
    missing: dict[str, str] = {}
    for family, variant in sorted(available):
        ref = lock_def.reference(f"{family}-{variant}")
        if ref is not None and lock_reference(family, variant, available) is None:
            missing[f"{family}/{variant}"] = ref
    return missing


def lock_overhead(
    bench: pd.DataFrame,
) -> pd.DataFrame:
    """Lock cost over unshared work, per group, arm, thread count and locked benchmark.

    Columns: group, arm, family, variant, primitive, threads, reference (the unshared,
    unlocked workload compared with), locked_s, unlocked_s, overhead_ns, overhead_lo_ns,
    overhead_hi_ns, relative (locked/reference - 1), relative_lo, relative_hi, basis.
    """
    cells = samples(bench)
    available = {(family, variant) for (_, _, family, variant, _) in cells}
    records = []
    for (group, arm, family, variant, threads), sample in cells.items():
        ref = lock_reference(family, variant, available)
        if ref is None:
            continue
        unlocked = cells.get((group, arm, ref[0], ref[1], threads))
        if unlocked is None:
            continue
        a, b = sample.process_values, unlocked.process_values
        diff, d_lo, d_hi = diff_ci(a, b)
        rel, r_lo, r_hi = ratio_ci(a, b)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "primitive": primitive_of(family, variant),
                "threads": threads,
                "reference": f"{ref[0]}-{ref[1]}",
                "locked_s": sample.location,
                "unlocked_s": unlocked.location,
                "overhead_ns": diff * 1e9,
                "overhead_lo_ns": d_lo * 1e9,
                "overhead_hi_ns": d_hi * 1e9,
                "relative": rel - 1.0,
                "relative_lo": r_lo - 1.0,
                "relative_hi": r_hi - 1.0,
                "basis": basis_label([len(a), len(b)]),
            }
        )
    return _sorted(pd.DataFrame(records), ["group", "family", "variant", "arm", "threads"])


def single_threaded(sample: Sample) -> bool:
    """A workload that runs one thread at N = 1: no helper threads or processes, no harness."""
    return (
        sample.traits.helper_threads == 0
        and sample.traits.role != "harness"
        and sample.traits.mode != "duration"
    )


def single_thread_overhead(
    bench: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] = (("ft", "gil"), ("ft-gil", "gil")),
) -> pd.DataFrame:
    """The free-threaded build's 1-thread overhead: geometric-mean ratio - 1.

    Only truly single-threaded workloads (:func:`single_threaded`: the pipeline, the
    executors and the shared event loop run helper threads even at N = 1). Per family:
    the geometric mean over its variants; "all": the geometric mean over families of
    those (one weight per family, however many variants it has). Columns: group, num,
    den, family, n_benchmarks, n_families, ratio, lo, hi, overhead, overhead_lo,
    overhead_hi, basis, profile_num, profile_den (build profiles, concepts.matching).
    """
    from concepts.matching import build_profile

    cells = samples(bench)
    rows = gilbench_rows(bench)
    profiles: dict[tuple[str, str], str] = {}
    if not rows.empty:
        for (group, arm), frame in rows.groupby(["group", "arm"]):
            # As the files record it (newer files), else from their configure flags.
            found = {str(p) for p in frame["build_profile"].dropna()}
            found |= {
                build_profile(str(c))
                for c in frame.loc[frame["build_profile"].isna(), "python_config_args"].dropna()
            }
            profiles[(str(group), str(arm))] = "/".join(sorted(found)) or "?"
    records = []
    groups = sorted({key[0] for key in cells})
    for group in groups:
        for num, den in pairs:
            matched: dict[str, list[tuple[list[float], list[float]]]] = {}
            for (g, arm, family, variant, threads), sample in cells.items():
                if g != group or arm != num or threads != 1 or not single_threaded(sample):
                    continue
                other = cells.get((group, den, family, variant, 1))
                if other is not None:
                    matched.setdefault(family, []).append(
                        (sample.process_values, other.process_values)
                    )
            if not matched:
                continue
            entries: list[tuple[str, list[list[tuple[list[float], list[float]]]]]] = [
                (family, [family_pairs]) for family, family_pairs in matched.items()
            ]
            entries.append(("all", list(matched.values())))
            for family, nested in entries:
                ratio, lo, hi = geomean_ratio_ci(nested)
                counts = [len(side) for g in nested for pair in g for side in pair]
                records.append(
                    {
                        "group": group,
                        "num": num,
                        "den": den,
                        "family": family,
                        "n_benchmarks": sum(len(g) for g in nested),
                        "n_families": len(nested),
                        "ratio": ratio,
                        "lo": lo,
                        "hi": hi,
                        "overhead": ratio - 1.0,
                        "overhead_lo": lo - 1.0,
                        "overhead_hi": hi - 1.0,
                        "basis": basis_label(counts),
                        "profile_num": profiles.get((group, num), "?"),
                        "profile_den": profiles.get((group, den), "?"),
                    }
                )
    return _sorted(pd.DataFrame(records), ["group", "num", "den", "family"])


# --------------------------------------------------------------------------- run metadata


def _gil_enabled(arm: str) -> bool:
    return ARMS[arm].expect_gil_enabled if arm in ARMS else True


def parallelism(bench: pd.DataFrame) -> pd.DataFrame:
    """Achieved parallelism of the no-sharing workloads, per cell.

    A run's ``cpu_per_wall`` (CPU time / wall time of its timed regions) should reach
    the expected parallelism: min(N, cores) where the arm runs without the GIL, 1 where
    it has one. A run below :data:`DISTURBED_PARALLELISM` x that was disturbed. Only
    workloads whose threads share nothing (concepts.families ``independent``), and only
    runs that recorded ``cpu_per_wall``. Columns: group, arm, family, variant, threads,
    expected, runs, disturbed_runs, cpu_per_wall (median), cpu_per_wall_min.
    """
    columns = [
        "group", "arm", "family", "variant", "threads", "expected", "runs", "disturbed_runs",
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
                "disturbed_runs": int((values < DISTURBED_PARALLELISM * expected).sum()),
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
    spread_max.
    """
    columns = [
        "group", "arm", "family", "variant", "threads", "mode", "runs", "jain", "jain_min",
        "spread", "spread_max",
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
    for key, frame in per_run.groupby(CELL, sort=True):
        group, arm, family, variant, threads = key
        found = traits_of[key]
        if found.role != "primitive" or found.independent:
            continue
        jain = frame["fairness_jain"].dropna().to_numpy(dtype=float)
        spread = frame["thread_finish_spread"].dropna().to_numpy(dtype=float)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "threads": int(str(threads)),
                "mode": _first(frame, "mode") or found.mode,
                "runs": len(frame),
                "jain": float(np.median(jain)) if jain.size else math.nan,
                "jain_min": float(jain.min()) if jain.size else math.nan,
                "spread": float(np.median(spread)) if spread.size else math.nan,
                "spread_max": float(spread.max()) if spread.size else math.nan,
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(
        pd.DataFrame(records, columns=columns), ["group", "family", "variant", "arm", "threads"]
    )


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


def race_loss(races: pd.DataFrame) -> pd.DataFrame:
    """Loss-rate distribution per (group, arm, variant, threads, switch_interval).

    Only trials whose threads overlapped count (concepts.races: a trial whose threads
    ran one after another is neither loss nor safety); ``set_aside`` says how many were
    left out. Columns: group, arm, variant, threads, switch_interval, trials, set_aside,
    trials_with_loss, median, q1, q3, iqr, max, mean, gil_valid. Rates are fractions
    (lost / expected); NaN where no trial counted.
    """
    columns = [
        "group",
        "arm",
        "variant",
        "threads",
        "switch_interval",
        "trials",
        "set_aside",
        "trials_with_loss",
        "median",
        "q1",
        "q3",
        "iqr",
        "max",
        "mean",
        "gil_valid",
    ]
    if races.empty:
        return pd.DataFrame(columns=columns)
    keys = ["group", "arm", "variant", "threads", "switch_interval"]
    records = []
    frame = races.copy()
    frame["switch_interval"] = frame["switch_interval"].fillna(-1.0)
    for key, whole in frame.groupby(keys, sort=True):
        overlapped = [race_counts(v) for v in whole["overlap"]] if "overlap" in whole else None
        cell = whole if overlapped is None else whole[overlapped]
        rates = np.asarray(cell["loss_rate"], dtype=float)
        ordered = sorted(float(r) for r in rates)
        q1, median, q3 = (stats.quantile(ordered, q) for q in (0.25, 0.5, 0.75))
        records.append(
            {
                **dict(zip(keys, key, strict=True)),
                "trials": len(rates),
                "set_aside": len(whole) - len(cell),
                "trials_with_loss": int((cell["lost"] > 0).sum()),
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
                "iqr": float(q3 - q1),
                "max": float(rates.max()) if len(rates) else math.nan,
                "mean": float(rates.mean()) if len(rates) else math.nan,
                "gil_valid": bool(whole["gil_valid"].fillna(True).all()),
            }
        )
    out = pd.DataFrame(records, columns=columns)
    out["switch_interval"] = out["switch_interval"].where(out["switch_interval"] >= 0)
    return _sorted(out, ["group", "variant", "arm", "threads", "switch_interval"])


SAFE_RACE_VARIANTS: tuple[str, ...] = ("locked", "itertools-count")
"""Race variants that must lose nothing, for races files that do not list their own
(newer files record ``safe_variants``)."""


def safe_variants(races: pd.DataFrame) -> tuple[str, ...]:
    """The race variants that must lose nothing: as the races files record them
    (``safe_variants``), else :data:`SAFE_RACE_VARIANTS` (older files)."""
    if not races.empty and "safe_variants" in races:
        recorded = {
            name.strip()
            for value in races["safe_variants"].dropna()
            for name in str(value).split(",")
            if name.strip()
        }
        if recorded:
            return tuple(sorted(recorded))
    return SAFE_RACE_VARIANTS


RACE_VARIANTS_OF_FAMILY: dict[str, tuple[str, ...]] = {
    "increment": ("inline",),
    "locked-increment": ("locked",),
}
"""Race variants that run the same operation a timed family runs (for the summary)."""


def family_summary(
    bench: pd.DataFrame,
    races: pd.DataFrame,
) -> pd.DataFrame:
    """One row per (group, family, role): the report's summary table.

    ``role`` "primitive" aggregates the family's primitives, "control" its controls
    (shown beside them, never mixed in); the harness benchmark and fixed-duration
    variants are in neither. Columns: group, family, role, variants, variants_cores
    (variants measured at N in every arm; the figures at N cover only these),
    threads_cores (N used "at the core count"), ft_gil_1t / _lo / _hi and ft_gil_cores
    / _lo / _hi with ft_gil_basis (:func:`family_ratios`), speedup_cores_<arm>
    (geometric mean of the variants' speedups at N; ``-`` written ``_``),
    ideal_cores (geometric mean of the variants' ideal speedups at N), crossover
    (primitives only), loss_gil / loss_ft (median loss rate of the family's race
    variant at N; increment and locked-increment only).
    """
    cells = samples(bench)
    cores = group_cores(bench)
    summary = summarize(bench)
    by_role = {
        role: family_ratios(bench, "ft", "gil", role=role) for role in ("primitive", "control")
    }
    cross = crossover(pd.DataFrame(), by_role["primitive"])
    families: dict[tuple[str, str, str], set[str]] = {}
    for (group, _, family, variant, _), sample in cells.items():
        for role in ("primitive", "control"):
            if aggregated(sample, role):
                families.setdefault((group, family, role), set()).add(variant)
    records = []
    for (group, family, role), variants in sorted(
        families.items(),
        key=lambda item: (item[0][0], family_sort_key(item[0][1]), item[0][2] != "primitive"),
    ):
        threads_all = sorted(
            {k[4] for k in cells if k[0] == group and k[2] == family and k[3] in variants}
        )
        n_c = at_cores(threads_all, cores.get(group, 1))
        arms_of_family = {k[1] for k in cells if k[0] == group and k[2] == family}
        complete_at_n = set(variants)
        for arm in arms_of_family:
            complete_at_n &= {k[3] for k in cells if k[:3] == (group, arm, family) and k[4] == n_c}
        record: dict[str, object] = {
            "group": group,
            "family": family,
            "role": role,
            "variants": len(variants),
            "variants_cores": len(complete_at_n),
            "threads_cores": n_c,
        }
        fam_ratios = by_role[role]
        bases = []
        for label, threads in (("1t", 1), ("cores", n_c)):
            row = (
                fam_ratios[
                    (fam_ratios["group"] == group)
                    & (fam_ratios["family"] == family)
                    & (fam_ratios["threads"] == threads)
                ]
                if not fam_ratios.empty
                else fam_ratios
            )
            found = not row.empty
            for suffix, column in (("", "ratio"), ("_lo", "lo"), ("_hi", "hi")):
                record[f"ft_gil_{label}{suffix}"] = (
                    float(row[column].iloc[0]) if found else math.nan
                )
            if found:
                bases.append(str(row["basis"].iloc[0]))
        record["ft_gil_basis"] = "; ".join(sorted(set(bases))) if bases else "none"
        at_n = (
            summary[
                (summary["group"] == group)
                & (summary["family"] == family)
                & (summary["threads"] == n_c)
                & (summary["variant"].isin(sorted(variants)))
            ]
            if not summary.empty
            else summary
        )
        for arm in ARMS:
            speedups: Any = at_n[at_n["arm"] == arm]["speedup"].dropna() if not at_n.empty else []
            record[f"speedup_cores_{arm.replace('-', '_')}"] = geomean(speedups)
        ideals: Any = at_n.drop_duplicates("variant")["ideal"] if not at_n.empty else []
        record["ideal_cores"] = geomean(ideals)
        family_cross = (
            cross[(cross["group"] == group) & (cross["family"] == family)]
            if not cross.empty and role == "primitive"
            else cross.iloc[0:0]
        )
        record["crossover"] = family_cross["crossover"].iloc[0] if not family_cross.empty else None
        for arm in ("gil", "ft"):
            record[f"loss_{arm}"] = (
                _family_loss(races, group, family, arm, n_c) if role == "primitive" else math.nan
            )
        records.append(record)
    out = pd.DataFrame(records)
    if not out.empty:
        out["crossover"] = out["crossover"].astype("Int64")
    return out


def _family_loss(
    races: pd.DataFrame, group: str, family: str, arm: str, threads: int | None
) -> float:
    variants = RACE_VARIANTS_OF_FAMILY.get(family)
    if not variants or races.empty or threads is None:
        return math.nan
    rows = races[
        (races["group"] == group)
        & (races["arm"] == arm)
        & (races["variant"].isin(variants))
        & (races["threads"] == threads)
    ]
    return float(rows["loss_rate"].median()) if not rows.empty else math.nan


def foreign_summary(bench: pd.DataFrame) -> pd.DataFrame:
    """Benchmarks gilbench did not write: median value per (source, arm, benchmark).

    Columns: source, group, arm, benchmark, processes, values, median_s, unit.
    """
    columns = ["source", "group", "arm", "benchmark", "processes", "values", "median_s", "unit"]
    if bench.empty:
        return pd.DataFrame(columns=columns)
    rows = bench[bench["family"].isna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    records = []
    for (source, benchmark), frame in rows.groupby(["source", "benchmark"], sort=True):
        records.append(
            {
                "source": source,
                "group": frame["group"].iloc[0],
                "arm": frame["arm"].iloc[0],
                "benchmark": benchmark,
                "processes": frame["run"].nunique(),
                "values": len(frame),
                "median_s": float(frame["value"].median()),
                "unit": frame["unit"].iloc[0],
            }
        )
    return pd.DataFrame(records, columns=columns)
