"""What a lock costs over the same work unshared (concepts.lock_overhead)."""

from __future__ import annotations

import pandas as pd

from analysis.metrics.cells import _sorted, samples
from analysis.metrics.intervals import basis_label, diff_ci, ratio_ci
from concepts import lock_overhead as lock_def


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
