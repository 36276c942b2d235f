"""The per-family summary table, and the section of foreign (non-gilbench) benchmarks."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.metrics.cells import aggregated, at_cores, group_cores, samples
from analysis.metrics.intervals import geomean
from analysis.metrics.scaling import cell_summary, crossover, family_ratios
from concepts.arms import ARMS
from concepts.families import family_sort_key
from concepts.race_variants import variants_timed_by


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
    summary = cell_summary(bench)
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
    variants = variants_timed_by(family)
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
