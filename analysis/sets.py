"""Interpreter sets side by side: which primitive got better from one set to another.

An interpreter set is one matched pair with a label, its version and build profile
(``3.13.5-plain``, ``3.13.5-optimized``, ``3.14.2-optimized``). When the results hold
several sets measured on one machine (the same host, CPU model and CPU count; the
result directory may differ, since tox keeps each set's results in a folder of its
own), this module lines them up: per family and primitive, ft/gil at 1 thread, the ft
speedup at 2 threads and at the core count, the lock cost over unshared work and the
race loss, one column per set; and per set the single-thread overhead beside the
published figure for that version and profile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import metrics
from concepts.families import family_sort_key


@dataclass(frozen=True)
class SetGroup:
    """One group of the report that is one interpreter set on one machine."""

    group: str
    interpreter_set: str
    machine: tuple[str, ...]
    """Host, CPU model, CPU count, usable CPUs: the result directory left out."""
    summary: pd.DataFrame
    ratios: pd.DataFrame
    locks: pd.DataFrame
    single: pd.DataFrame
    families: pd.DataFrame
    cores: int


def machine_of(bench: pd.DataFrame) -> tuple[str, ...]:
    """What identifies the machine of a group's benchmarks, its result directory aside."""
    if bench.empty:
        return ("?",)
    return tuple(
        str(metrics.first_recorded(bench, column))
        for column in ("hostname", "cpu_model", "cpu_count", "cores")
    )


def comparable(groups: Sequence[SetGroup]) -> list[list[SetGroup]]:
    """The machines that hold two or more interpreter sets: their groups, in set order."""
    by_machine: dict[tuple[str, ...], list[SetGroup]] = {}
    for group in groups:
        by_machine.setdefault(group.machine, []).append(group)
    return [
        sorted(members, key=lambda g: set_sort_key(g.interpreter_set))
        for members in by_machine.values()
        if len({g.interpreter_set for g in members}) >= 2
    ]


def set_sort_key(label: str) -> tuple[tuple[int, ...], int, str]:
    """Sets in version order, plain before any other profile within a version."""
    version, _, profile = label.partition("-")
    numbers = tuple(int(part) for part in version.split(".") if part.isdigit())
    return numbers, 0 if profile == "plain" else 1, profile


def _value(frame: pd.DataFrame, column: str, **where: object) -> tuple[float, float, float]:
    if frame.empty:
        return math.nan, math.nan, math.nan
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key] == value]
    if rows.empty:
        return math.nan, math.nan, math.nan
    row = rows.iloc[0]
    lo = row.get(f"{column}_lo", math.nan)
    hi = row.get(f"{column}_hi", math.nan)
    return float(row[column]), float(lo), float(hi)


def primitive_table(groups: Sequence[SetGroup]) -> pd.DataFrame:
    """Per family, primitive and set: the figures that say what changed between sets.

    Columns: family, variant, interpreter_set, group, ft_vs_gil_t1 (+ _lo, _hi),
    ft_speedup_t2, ft_speedup_cores, cores_threads, lock_cost_ft_t1 (relative, or NaN
    where the primitive has no lock-cost reference), race_loss_ft_t2 (the family's
    race variant).
    """
    records = []
    for g in groups:
        if g.summary.empty:
            continue
        rows = g.summary[(g.summary["role"] == "primitive") & (g.summary["arm"] == "ft")]
        n_c = metrics.at_cores(sorted(set(g.summary["threads"])), g.cores)
        for (family, variant), _ in rows.groupby(["family", "variant"], sort=False):
            if not metrics.is_operation(str(family), str(variant)):
                continue
            ratio = g.ratios
            if not ratio.empty:
                ratio = ratio[(ratio["num"] == "ft") & (ratio["den"] == "gil")]
            r, r_lo, r_hi = _value(ratio, "ratio", family=family, variant=variant, threads=1)
            if not ratio.empty:
                cell = ratio[
                    (ratio["family"] == family)
                    & (ratio["variant"] == variant)
                    & (ratio["threads"] == 1)
                ]
                r_lo = float(cell["lo"].iloc[0]) if not cell.empty else math.nan
                r_hi = float(cell["hi"].iloc[0]) if not cell.empty else math.nan
            s2, _, _ = _value(rows, "speedup", family=family, variant=variant, threads=2)
            sc, _, _ = (
                _value(rows, "speedup", family=family, variant=variant, threads=n_c)
                if n_c and n_c > 1  # at 1 thread a speedup is 1 by definition: no figure
                else (math.nan, math.nan, math.nan)
            )
            lock, _, _ = _value(
                g.locks, "relative", family=family, variant=variant, arm="ft", threads=1
            )
            loss = math.nan
            if not g.families.empty and "loss_ft" in g.families:
                fam = g.families[g.families["family"] == family]
                if not fam.empty:
                    loss = float(fam["loss_ft"].iloc[0])
            records.append(
                {
                    "family": family,
                    "variant": variant,
                    "interpreter_set": g.interpreter_set,
                    "group": g.group,
                    "ft_vs_gil_t1": r,
                    "ft_vs_gil_t1_lo": r_lo,
                    "ft_vs_gil_t1_hi": r_hi,
                    "ft_speedup_t2": s2,
                    "ft_speedup_cores": sc,
                    "cores_threads": n_c,
                    "lock_cost_ft_t1": lock,
                    "race_loss_ft_t2": loss,
                }
            )
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["family_key"] = frame["family"].map(lambda f: family_sort_key(str(f)))
    frame["set_key"] = frame["interpreter_set"].map(set_sort_key)
    return frame.sort_values(["family_key", "variant", "set_key"]).drop(
        columns=["family_key", "set_key"]
    )


def overhead_table(groups: Sequence[SetGroup]) -> pd.DataFrame:
    """Per set: the single-thread overhead of ft vs gil (all families, one weight each) and
    the published figure for that version and profile (None where none applies)."""
    records = []
    for g in groups:
        rows = g.single
        if rows.empty:
            continue
        rows = rows[(rows["num"] == "ft") & (rows["den"] == "gil") & (rows["family"] == "all")]
        if rows.empty:
            continue
        row = rows.iloc[0]
        version = g.interpreter_set.split("-")[0]
        minor = ".".join(version.split(".")[:2])
        profile = str(row.get("profile_num", "?"))
        same_version = [ref for ref in metrics.PUBLISHED_OVERHEAD if ref["version"] == minor]
        published = [ref for ref in same_version if ref["profile"] == profile]
        if not published and same_version:
            # Say what is published for this version, and for which profile.
            published = [
                {
                    "label": "none for "
                    + profile
                    + " builds; for "
                    + " / ".join(f"{ref['profile']}: {ref['label']}" for ref in same_version)
                }
            ]
        records.append(
            {
                "interpreter_set": g.interpreter_set,
                "group": g.group,
                "profile": profile,
                "overhead": float(row["overhead"]),
                "overhead_lo": float(row["overhead_lo"]),
                "overhead_hi": float(row["overhead_hi"]),
                "basis": row["basis"],
                "published": str(published[0]["label"]) if published else None,
            }
        )
    return pd.DataFrame(records)


def _fmt(value: float, kind: str) -> str:
    if not math.isfinite(value):
        return "–"
    if kind == "ratio":
        return f"{value:.2f}×"
    if kind == "pct":
        return f"{100 * value:+.0f}%"
    if kind == "loss":
        return f"{100 * value:.0f}%"
    return f"{value:.2f}"


def render(groups: Sequence[SetGroup], plot: Path | None, heading: str = "##") -> str:
    """The report section: one table of primitives by set, the overhead per set, the plot."""
    table = primitive_table(groups)
    sets = [g.interpreter_set for g in groups]
    parts = [
        f"{heading} Interpreter sets side by side\n",
        f"The same machine measured with {len(sets)} interpreter sets: {', '.join(sets)}. "
        "Per primitive, one column per set of: ft/gil time per op at 1 thread; the ft "
        "speedup at 2 threads and at the core count (against the workload's own ideal); "
        "the ft lock cost over unshared work at 1 thread; the ft race loss at 2 threads "
        "(median, the family's race variant). Intervals and their basis are in each set's "
        "own section.\n",
    ]
    if plot is not None:
        parts.append(f"![Interpreter sets]({plot.name})\n")
    if not table.empty:
        header = ["family", "primitive"]
        for label in (
            "ft/gil t1",
            "ft speedup t2",
            "ft speedup at cores",
            "lock cost t1",
            "race loss t2",
        ):
            header += [f"{label}: {s}" for s in sets]
        lines = []
        for (family, variant), rows in table.groupby(["family", "variant"], sort=False):
            by_set = rows.set_index("interpreter_set")
            row = [str(family), str(variant)]
            for column, kind in (
                ("ft_vs_gil_t1", "ratio"),
                ("ft_speedup_t2", "num"),
                ("ft_speedup_cores", "num"),
                ("lock_cost_ft_t1", "pct"),
                ("race_loss_ft_t2", "loss"),
            ):
                row += [
                    _fmt(float(by_set[column].get(s, math.nan)), kind) if s in by_set.index else "–"
                    for s in sets
                ]
            lines.append(row)
        from analysis.markdown import md_table

        parts.append(md_table(header, lines))
    overhead = overhead_table(groups)
    if not overhead.empty:
        from analysis.markdown import md_table

        parts.append(
            "\nSingle-thread overhead of ft vs gil per set (truly single-threaded workloads, "
            "one weight per family), beside the published figure for that version and build "
            "profile:\n"
        )
        parts.append(
            md_table(
                ["set", "build profile", "measured", "interval", "published"],
                [
                    [
                        str(r["interpreter_set"]),
                        str(r["profile"]),
                        _fmt(r["overhead"], "pct"),
                        f"{_fmt(r['overhead_lo'], 'pct')} .. {_fmt(r['overhead_hi'], 'pct')}"
                        f" ({r['basis']})",
                        str(r["published"])
                        if isinstance(r["published"], str)
                        else "no published figure for this version",
                    ]
                    for r in overhead.to_dict("records")
                ],
            )
        )
    return "\n".join(parts) + "\n"
