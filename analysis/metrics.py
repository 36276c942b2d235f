"""What the numbers mean: medians, speedup, ft/gil ratios with CIs, lock overhead, race losses.

Definitions (DESIGN.md "Metrics"; every function here is deterministic for a seed):

- **process mean**: the mean of one worker process's values (seconds per operation).
  pyperf runs each worker in a fresh process, so processes are the independent
  samples; values inside one process are not.
- **time per op** of a benchmark cell (group, arm, family, variant, threads): the
  median of its process means. With fewer than :data:`MIN_PROCESSES` processes (a
  quick run) the median of the individual values is used instead, and the row's
  ``basis`` says ``"values"``. **throughput** = 1 / time per op.
- **speedup(N)** = t(1) / t(N) within one arm; **efficiency** = speedup / N; the
  **ideal** speedup is min(N, cores).
- **ratio** num/den (e.g. ft/gil) = time per op of ``num`` / time per op of ``den``
  at the same benchmark and thread count: > 1 means ``num`` is slower. Its confidence
  interval is a percentile bootstrap: both samples resampled independently, ratio of
  medians per replicate (:func:`ratio_ci`).
- **single-thread overhead** of the free-threaded build = ft/gil (and ft-gil/gil)
  ratio at 1 thread minus 1, per benchmark, and as a geometric mean per family and
  over all benchmarks (:func:`geomean_ratio_ci`).
- **lock overhead** = time per op of a locked variant minus the time per op of the
  same work without the lock, same arm and thread count (:data:`LOCK_RULES` says
  which unlocked benchmark each locked one is compared with), in ns per op, and
  relative to the unlocked op (locked / unlocked - 1).
- **race-loss rate** = lost / expected per trial; per cell the distribution over
  trials: median, quartiles (IQR), max.
- **crossover** = the smallest measured thread count at which ft's throughput beats
  gil's, i.e. the ft/gil time ratio (point estimate) is below 1; per benchmark, and
  per family on the geometric mean over its variants. None when it never happens.
- **core count** N_c of a group: the CPUs its processes could use (affinity, else
  cpu_count); "at the core count" uses the largest measured thread count <= N_c.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.load import KNOWN_ARMS

MIN_PROCESSES = 2
"""Fewer processes than this and CIs are taken over individual values instead."""

DEFAULT_N_BOOT = 2000
DEFAULT_SEED = 20240613
CONFIDENCE = 0.95

ARM_PAIRS: tuple[tuple[str, str], ...] = (("ft", "gil"), ("ft-gil", "gil"), ("ft", "ft-gil"))
"""Ratios computed (numerator, denominator) when both arms are present."""

CELL = ["group", "arm", "family", "variant", "threads"]
"""Columns identifying one benchmark cell."""

FAMILY_ORDER: tuple[str, ...] = (
    "increment",
    "locked-increment",
    "semaphore",
    "queue-pipeline",
    "event-loop",
    "cpu-control",
    "rlock",
    "barrier",
    "event",
    "condition",
    "thread-local",
    "executor",
)
"""Report order of the families (unknown families follow, sorted)."""

LOCK_RULES: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    # A Lock / RLock around ``x[0] += 1`` on one shared list is compared with the same
    # unprotected ``x[0] += 1`` on a shared list: the difference is what acquiring and
    # releasing the lock (and waiting for it) adds to each increment. The per-thread
    # control would also charge the lock for the sharing itself.
    ("locked-increment", "*", ("increment", "shared-list")),
    # The rlock family's shared variants lock one shared counter, its per-thread
    # variants each thread's own counter: compared with the matching unprotected
    # increment, they give the contended and the uncontended cost of the lock.
    ("rlock", "*-shared", ("increment", "shared-list")),
    ("rlock", "*-per-thread", ("increment", "per-thread")),
    # A semaphore is compared with its family's own unlocked variant (the same work
    # without the semaphore), found by name in UNLOCKED_VARIANTS.
    ("semaphore", "*", None),
)
"""(family, variant pattern, unlocked reference) for lock overhead; the first matching
rule wins; a None reference means the family's own variant named in
:data:`UNLOCKED_VARIANTS`."""

LOCK_REFERENCE: dict[str, tuple[str, str] | None] = {
    family: ref for family, pattern, ref in LOCK_RULES if pattern == "*"
}
"""Family -> reference for families with one rule for all variants."""

NOT_AN_OPERATION: frozenset[tuple[str, str]] = frozenset({("cpu-control", "empty")})
"""Benchmarks whose value is not a per-operation cost (cpu-control/empty times the
harness itself, one "operation" per timed run): listed per benchmark, but left out of
family summaries, the single-thread overhead and the scaling plot."""

UNLOCKED_VARIANTS: tuple[str, ...] = (
    "unlocked",
    "no-lock",
    "nolock",
    "no-semaphore",
    "work-only",
    "bare",
    "baseline",
    "none",
)
"""Variant names that mean "the same work without the primitive"."""

PUBLISHED_OVERHEAD: tuple[dict[str, object], ...] = (
    {
        "version": "3.13",
        "low": 0.40,
        "high": 0.40,
        "label": "3.13t ≈ 40% (pyperformance; 3.13 free-threading HOWTO)",
    },
    {
        "version": "3.14",
        "low": 0.05,
        "high": 0.10,
        "label": "3.14t 5–10% (What's New in Python 3.14)",
    },
)
"""Published single-thread overhead of the free-threaded build (fractions)."""


# --------------------------------------------------------------------------- bootstrap


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _boot_medians(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples (with replacement) of ``values``."""
    index = rng.integers(0, len(values), size=(n_boot, len(values)))
    return np.asarray(np.median(values[index], axis=1))


def _bounds(replicates: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(replicates, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _array(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(list(values), dtype=float)
    if array.size == 0:
        raise ValueError("empty sample")
    if not np.all(np.isfinite(array)):
        raise ValueError("sample contains NaN or infinity")
    return array


def median_ci(
    values: Iterable[float],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """(median, lo, hi): bootstrap percentile CI of the median; NaN bounds below 2 values."""
    array = _array(values)
    point = float(np.median(array))
    if array.size < 2:
        return point, math.nan, math.nan
    return (point, *_bounds(_boot_medians(array, n_boot, _rng(seed)), confidence))


def ratio_ci(
    a_values: Iterable[float],
    b_values: Iterable[float],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """(median(a) / median(b), lo, hi) with a seeded percentile bootstrap.

    Pass per-process means (one per worker process). ``a`` and ``b`` are resampled
    independently; each replicate gives a ratio of medians. Bounds are NaN when either
    side has fewer than 2 values (no spread to resample).
    """
    a = _array(a_values)
    b = _array(b_values)
    point = float(np.median(a) / np.median(b))
    if a.size < 2 or b.size < 2:
        return point, math.nan, math.nan
    rng = _rng(seed)
    replicates = _boot_medians(a, n_boot, rng) / _boot_medians(b, n_boot, rng)
    return (point, *_bounds(replicates, confidence))


def diff_ci(
    a_values: Iterable[float],
    b_values: Iterable[float],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """(median(a) - median(b), lo, hi), bootstrapped like :func:`ratio_ci`."""
    a = _array(a_values)
    b = _array(b_values)
    point = float(np.median(a) - np.median(b))
    if a.size < 2 or b.size < 2:
        return point, math.nan, math.nan
    rng = _rng(seed)
    replicates = _boot_medians(a, n_boot, rng) - _boot_medians(b, n_boot, rng)
    return (point, *_bounds(replicates, confidence))


def geomean_ratio_ci(
    pairs: Sequence[tuple[Iterable[float], Iterable[float]]],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """Geometric mean over benchmarks of median(a)/median(b), with a bootstrap CI.

    Each replicate resamples every pair independently and takes the geometric mean of
    the replicate ratios. Bounds are NaN when any pair has a side with < 2 values.
    """
    arrays = [(_array(a), _array(b)) for a, b in pairs]
    if not arrays:
        raise ValueError("no pairs")
    logs = [math.log(float(np.median(a) / np.median(b))) for a, b in arrays]
    point = math.exp(sum(logs) / len(logs))
    if any(a.size < 2 or b.size < 2 for a, b in arrays):
        return point, math.nan, math.nan
    rng = _rng(seed)
    total = np.zeros(n_boot)
    for a, b in arrays:
        total += np.log(_boot_medians(a, n_boot, rng) / _boot_medians(b, n_boot, rng))
    return (point, *_bounds(np.exp(total / len(arrays)), confidence))


def geomean(values: Iterable[float]) -> float:
    """Geometric mean of positive values (NaN for none)."""
    array = np.asarray(list(values), dtype=float)
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


def per_process(bench: pd.DataFrame) -> pd.DataFrame:
    """One row per worker process: its mean value (``process_mean``) and value count."""
    rows = gilbench_rows(bench)
    keys = [*CELL, "source", "benchmark", "run"]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "process_mean", "n_values"])
    grouped = rows.groupby(keys, sort=True)["value"]
    return grouped.agg(process_mean="mean", n_values="size").reset_index()


@dataclass(frozen=True)
class Sample:
    """The values of one benchmark cell: per-process means, and every value."""

    process_means: np.ndarray
    values: np.ndarray

    @property
    def basis(self) -> str:
        """``"processes"`` when there are enough processes, else ``"values"``."""
        return "processes" if len(self.process_means) >= MIN_PROCESSES else "values"

    @property
    def data(self) -> np.ndarray:
        """What medians and bootstraps use: process means, or values in a quick run."""
        return self.process_means if self.basis == "processes" else self.values

    @property
    def median(self) -> float:
        return float(np.median(self.data))


Key = tuple[str, str, str, str, int]
"""(group, arm, family, variant, threads)."""


def samples(bench: pd.DataFrame) -> dict[Key, Sample]:
    """Each benchmark cell's :class:`Sample`."""
    rows = gilbench_rows(bench)
    if rows.empty:
        return {}
    processes = per_process(bench)
    by_cell_proc = {
        key: np.asarray(frame["process_mean"], dtype=float)
        for key, frame in processes.groupby(CELL, sort=True)
    }
    out: dict[Key, Sample] = {}
    for key, frame in rows.groupby(CELL, sort=True):
        cell: Key = (str(key[0]), str(key[1]), str(key[2]), str(key[3]), int(str(key[4])))
        out[cell] = Sample(by_cell_proc[key], np.asarray(frame["value"], dtype=float))
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
    """False for benchmarks in :data:`NOT_AN_OPERATION` (left out of aggregates)."""
    return (family, variant) not in NOT_AN_OPERATION


def family_sort_key(family: str) -> tuple[int, str]:
    order = {name: i for i, name in enumerate(FAMILY_ORDER)}
    return (order.get(family, len(order)), family)


def arm_sort_key(arm: str) -> tuple[int, str]:
    return (KNOWN_ARMS.index(arm) if arm in KNOWN_ARMS else len(KNOWN_ARMS), arm)


# --------------------------------------------------------------------------- tables


def summarize(
    bench: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Per benchmark cell: time per op (CI), throughput, speedup (CI), efficiency, ideal.

    Columns: group, arm, family, variant, threads, time_s, time_lo_s, time_hi_s,
    throughput, n_processes, n_values, basis, cores, oversubscribed, speedup,
    speedup_lo, speedup_hi, efficiency, ideal.
    """
    cells = samples(bench)
    cores = group_cores(bench)
    records = []
    for key, sample in cells.items():
        group, arm, family, variant, threads = key
        time_s, lo, hi = median_ci(sample.data, n_boot, seed)
        base = cells.get((group, arm, family, variant, 1))
        if threads == 1:
            speedup = s_lo = s_hi = 1.0  # by definition, no uncertainty
        elif base is not None:
            speedup, s_lo, s_hi = ratio_ci(base.data, sample.data, n_boot, seed)
        else:
            speedup = s_lo = s_hi = math.nan
        n_cores = cores.get(group, 1)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "threads": threads,
                "time_s": time_s,
                "time_lo_s": lo,
                "time_hi_s": hi,
                "throughput": 1.0 / time_s,
                "n_processes": len(sample.process_means),
                "n_values": len(sample.values),
                "basis": sample.basis,
                "cores": n_cores,
                "oversubscribed": threads > n_cores,
                "speedup": speedup,
                "speedup_lo": s_lo,
                "speedup_hi": s_hi,
                "efficiency": speedup / threads,
                "ideal": float(min(threads, n_cores)),
            }
        )
    return _sorted(pd.DataFrame(records), ["group", "family", "variant", "arm", "threads"])


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


def ratios(
    bench: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] = ARM_PAIRS,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Time-per-op ratio num/den per benchmark and thread count, with bootstrap CI.

    Columns: group, num, den, family, variant, threads, ratio, lo, hi, num_time_s,
    den_time_s, basis. Only cells present in both arms appear.
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
            ratio, lo, hi = ratio_ci(sample.data, other.data, n_boot, seed)
            records.append(
                {
                    "group": group,
                    "num": num,
                    "den": den,
                    "family": family,
                    "variant": variant,
                    "threads": threads,
                    "ratio": ratio,
                    "lo": lo,
                    "hi": hi,
                    "num_time_s": sample.median,
                    "den_time_s": other.median,
                    "basis": "processes"
                    if sample.basis == other.basis == "processes"
                    else "values",
                }
            )
    return _sorted(pd.DataFrame(records), ["group", "num", "den", "family", "variant", "threads"])


def beats(ratio: float, hi: float, require_ci: bool = True) -> bool:
    """Whether a time ratio num/den says ``num`` is faster (higher throughput).

    With ``require_ci`` (default) and a finite upper bound, the whole 95% CI must be
    below 1; without a CI (a single value per side) the point estimate decides.
    """
    if require_ci and math.isfinite(hi):
        return hi < 1.0
    return ratio < 1.0


def family_ratios(
    bench: pd.DataFrame,
    num: str = "ft",
    den: str = "gil",
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Geometric-mean time ratio num/den over each family's variants, per thread count.

    Only variants measured in both arms at that thread count count, and benchmarks in
    :data:`NOT_AN_OPERATION` are left out. Columns: group, num, den, family, threads,
    variants, ratio, lo, hi.
    """
    columns = ["group", "num", "den", "family", "threads", "variants", "ratio", "lo", "hi"]
    cells = samples(bench)
    pairs: dict[tuple[str, str, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for (group, arm, family, variant, threads), sample in sorted(cells.items()):
        if arm != num or not is_operation(family, variant):
            continue
        other = cells.get((group, den, family, variant, threads))
        if other is not None:
            pairs.setdefault((group, family, threads), []).append((sample.data, other.data))
    records = []
    for (group, family, threads), family_pairs in pairs.items():
        ratio, lo, hi = geomean_ratio_ci(family_pairs, n_boot, seed)
        records.append(
            {
                "group": group,
                "num": num,
                "den": den,
                "family": family,
                "threads": threads,
                "variants": len(family_pairs),
                "ratio": ratio,
                "lo": lo,
                "hi": hi,
            }
        )
    if not records:
        return pd.DataFrame(columns=columns)
    return _sorted(pd.DataFrame(records, columns=columns), ["group", "family", "threads"])


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
    mean of the point ratios, without CI). "Beats" is :func:`beats`: the ratio's 95% CI
    is below 1. Column ``crossover`` is that thread count, or NA when it never happens
    at the measured counts.
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
        operations = rows[
            [
                is_operation(str(f), str(v))
                for f, v in zip(rows["family"], rows["variant"], strict=True)
            ]
        ]
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
    """The unlocked (family, variant) a locked benchmark is compared with, if measured.

    Follows :data:`LOCK_RULES`; None for benchmarks no rule covers, for the unlocked
    variants themselves, and when the reference was not measured.
    """
    if variant in UNLOCKED_VARIANTS:
        return None
    for rule_family, pattern, ref in LOCK_RULES:
        if rule_family != family or not fnmatch.fnmatchcase(variant, pattern):
            continue
        if ref is not None:
            return ref if ref in available else None
        for name in UNLOCKED_VARIANTS:
            if (family, name) in available:
                return (family, name)
        return None
    return None


def primitive_of(family: str, variant: str) -> str:
    """Which primitive a locked benchmark exercises: Lock, RLock, Semaphore..."""
    name = variant.lower()
    if family == "semaphore" or "semaphore" in name:
        return "BoundedSemaphore" if "bounded" in name else "Semaphore"
    if "rlock" in name:
        return "RLock, 3-deep" if "nested" in name else "RLock"
    return "Lock"


def missing_lock_references(bench: pd.DataFrame) -> dict[str, str]:
    """Locked benchmarks whose unlocked reference was not measured: {family/variant: wanted}."""
    cells = samples(bench)
    available = {(family, variant) for (_, _, family, variant, _) in cells}
    missing: dict[str, str] = {}
    for family, variant in sorted(available):
        if variant in UNLOCKED_VARIANTS or lock_reference(family, variant, available):
            continue
        for rule_family, pattern, ref in LOCK_RULES:
            if rule_family == family and fnmatch.fnmatchcase(variant, pattern):
                missing[f"{family}/{variant}"] = (
                    f"{ref[0]}/{ref[1]}"
                    if ref
                    else f"a {family} variant named " + " or ".join(UNLOCKED_VARIANTS[:3])
                )
                break
    return missing


def lock_overhead(
    bench: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Locked minus unlocked time per op, per group, arm, thread count and locked variant.

    Columns: group, arm, family, variant, primitive, threads, reference (family/variant
    compared with), locked_s, unlocked_s, overhead_ns, overhead_lo_ns, overhead_hi_ns,
    relative (locked/unlocked - 1), relative_lo, relative_hi.
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
        diff, d_lo, d_hi = diff_ci(sample.data, unlocked.data, n_boot, seed)
        rel, r_lo, r_hi = ratio_ci(sample.data, unlocked.data, n_boot, seed)
        records.append(
            {
                "group": group,
                "arm": arm,
                "family": family,
                "variant": variant,
                "primitive": primitive_of(family, variant),
                "threads": threads,
                "reference": f"{ref[0]}-{ref[1]}",
                "locked_s": sample.median,
                "unlocked_s": unlocked.median,
                "overhead_ns": diff * 1e9,
                "overhead_lo_ns": d_lo * 1e9,
                "overhead_hi_ns": d_hi * 1e9,
                "relative": rel - 1.0,
                "relative_lo": r_lo - 1.0,
                "relative_hi": r_hi - 1.0,
            }
        )
    return _sorted(pd.DataFrame(records), ["group", "family", "variant", "arm", "threads"])


def single_thread_overhead(
    bench: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] = (("ft", "gil"), ("ft-gil", "gil")),
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Free-threaded build's 1-thread overhead: geometric-mean ratio - 1, per family and all.

    Columns: group, num, den, family ("all" for every benchmark together), n_benchmarks,
    ratio, lo, hi, overhead (ratio - 1), overhead_lo, overhead_hi.
    """
    cells = samples(bench)
    records = []
    groups = sorted({key[0] for key in cells})
    for group in groups:
        for num, den in pairs:
            matched: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
            for (g, arm, family, variant, threads), sample in cells.items():
                if g != group or arm != num or threads != 1:
                    continue
                if not is_operation(family, variant):
                    continue
                other = cells.get((group, den, family, variant, 1))
                if other is not None:
                    matched.setdefault(family, []).append((sample.data, other.data))
            if not matched:
                continue
            everything = [pair for family_pairs in matched.values() for pair in family_pairs]
            for family, family_pairs in [*matched.items(), ("all", everything)]:
                ratio, lo, hi = geomean_ratio_ci(family_pairs, n_boot, seed)
                records.append(
                    {
                        "group": group,
                        "num": num,
                        "den": den,
                        "family": family,
                        "n_benchmarks": len(family_pairs),
                        "ratio": ratio,
                        "lo": lo,
                        "hi": hi,
                        "overhead": ratio - 1.0,
                        "overhead_lo": lo - 1.0,
                        "overhead_hi": hi - 1.0,
                    }
                )
    return _sorted(pd.DataFrame(records), ["group", "num", "den", "family"])


def race_loss(races: pd.DataFrame) -> pd.DataFrame:
    """Loss-rate distribution per (group, arm, variant, threads, switch_interval).

    Columns: group, arm, variant, threads, switch_interval, trials, trials_with_loss,
    median, q1, q3, iqr, max, mean, gil_valid. Rates are fractions (lost / expected).
    """
    columns = [
        "group",
        "arm",
        "variant",
        "threads",
        "switch_interval",
        "trials",
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
    for key, cell in frame.groupby(keys, sort=True):
        rates = np.asarray(cell["loss_rate"], dtype=float)
        q1, median, q3 = np.quantile(rates, [0.25, 0.5, 0.75])
        records.append(
            {
                **dict(zip(keys, key, strict=True)),
                "trials": len(rates),
                "trials_with_loss": int((cell["lost"] > 0).sum()),
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
                "iqr": float(q3 - q1),
                "max": float(rates.max()),
                "mean": float(rates.mean()),
                "gil_valid": bool(cell["gil_valid"].fillna(True).all()),
            }
        )
    out = pd.DataFrame(records, columns=columns)
    out["switch_interval"] = out["switch_interval"].where(out["switch_interval"] >= 0)
    return _sorted(out, ["group", "variant", "arm", "threads", "switch_interval"])


RACE_VARIANTS_OF_FAMILY: dict[str, tuple[str, ...]] = {
    "increment": ("inline",),
    "locked-increment": ("locked",),
}
"""Race variants that run the same operation a timed family runs (for the summary)."""


def family_summary(
    bench: pd.DataFrame,
    races: pd.DataFrame,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """One row per (group, family): the report's summary table.

    Benchmarks in :data:`NOT_AN_OPERATION` are left out. Columns: group, family,
    variants, variants_cores (variants measured at N in every arm of the family; the
    figures at N cover only these), threads_cores (N used "at the core count"),
    ft_gil_1t / _lo / _hi and ft_gil_cores / _lo / _hi (:func:`family_ratios`),
    speedup_cores_<arm> (geometric mean of the variants' speedups at N; arm with ``_``
    for ``-``), crossover (family level, :func:`crossover`), loss_gil / loss_ft (median
    loss rate over all trials of the family's race variant at N; increment and
    locked-increment only).
    """
    cells = samples(bench)
    cores = group_cores(bench)
    summary = summarize(bench, n_boot, seed)
    fam_ratios = family_ratios(bench, "ft", "gil", n_boot, seed)
    cross = crossover(pd.DataFrame(), fam_ratios)
    families: dict[tuple[str, str], set[str]] = {}
    for group, _, family, variant, _ in cells:
        if is_operation(family, variant):
            families.setdefault((group, family), set()).add(variant)
    records = []
    for (group, family), variants in sorted(
        families.items(), key=lambda item: (item[0][0], family_sort_key(item[0][1]))
    ):
        threads_all = sorted(
            {k[4] for k in cells if k[0] == group and k[2] == family and k[3] in variants}
        )
        n_c = at_cores(threads_all, cores.get(group, 1))
        # Variants measured at N in every arm that ran the family: the figures at N
        # average over these only (a benchmark that timed out at N drops out).
        arms_of_family = {k[1] for k in cells if k[0] == group and k[2] == family}
        complete_at_n = set(variants)
        for arm in arms_of_family:
            complete_at_n &= {k[3] for k in cells if k[:3] == (group, arm, family) and k[4] == n_c}
        record: dict[str, object] = {
            "group": group,
            "family": family,
            "variants": len(variants),
            "variants_cores": len(complete_at_n),
            "threads_cores": n_c,
        }
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
        for arm in KNOWN_ARMS:
            speedups = (
                summary[
                    (summary["group"] == group)
                    & (summary["family"] == family)
                    & (summary["arm"] == arm)
                    & (summary["threads"] == n_c)
                    & (summary["variant"].isin(sorted(variants)))
                ]["speedup"].dropna()
                if not summary.empty
                else pd.Series(dtype=float)
            )
            record[f"speedup_cores_{arm.replace('-', '_')}"] = geomean(speedups)
        family_cross = (
            cross[(cross["group"] == group) & (cross["family"] == family)]
            if not cross.empty
            else cross
        )
        record["crossover"] = family_cross["crossover"].iloc[0] if not family_cross.empty else None
        for arm in ("gil", "ft"):
            record[f"loss_{arm}"] = _family_loss(races, group, family, arm, n_c)
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
