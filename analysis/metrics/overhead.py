"""The free-threaded build's single-thread overhead, and the published figures beside it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.metrics.cells import Sample, _sorted, gilbench_rows, samples
from analysis.metrics.intervals import basis_label, geomean_ratio_ci

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
