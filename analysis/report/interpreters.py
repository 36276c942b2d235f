"""The interpreter table of a report and the warnings when its arms do not make a matched pair."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.load import EXPECTED_GIL
from concepts import matching
from concepts.arms import arm_sort_key

# --------------------------------------------------------------------------- checks


def interpreter_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per (group, arm): version, build, observed GIL, config args, machine."""
    rows = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    records = []
    for (group, arm), per_arm in rows.groupby(["group", "arm"], sort=True):

        def values(column: str, frame: pd.DataFrame = per_arm) -> list[str]:
            return sorted({str(v) for v in frame[column].dropna().unique()})

        def flags(column: str, frame: pd.DataFrame = per_arm) -> str:
            seen = {bool(v) for v in frame[column].dropna().unique()}
            return "/".join("enabled" if v else "disabled" for v in sorted(seen)) or "?"

        records.append(
            {
                "group": group,
                "arm": arm,
                "python_version": ", ".join(values("python_version")) or "?",
                "build": "/".join(
                    "free-threaded" if v == "True" else "default" for v in values("py_gil_disabled")
                )
                or "?",
                "gil_at_start": flags("gil_enabled_at_start"),
                "gil_at_end": flags("gil_enabled_at_end"),
                "config_args": " | ".join(values("python_config_args")),
                "profile": "/".join(
                    sorted(
                        set(values("build_profile"))
                        | {matching.build_profile(c) for c in values("python_config_args")}
                    )
                )
                or "?",
                "executable": ", ".join(values("python_executable")),
                "cpu_model": ", ".join(values("cpu_model")),
                "cores": ", ".join(values("cores")),
                "hostname": ", ".join(values("hostname")),
                "sources": ", ".join(Path(s).name for s in values("source")),
            }
        )
    table = pd.DataFrame(records)
    if not table.empty:
        table = table.sort_values(
            ["group", "arm"], key=lambda c: c.map(arm_sort_key) if c.name == "arm" else c
        ).reset_index(drop=True)
    return table


def mismatch_warnings(pair: pd.DataFrame, bench: pd.DataFrame, races: pd.DataFrame) -> list[str]:
    """Differences between the arms of one group that make the comparison less clean."""
    warnings: list[str] = []
    if pair.empty:
        return warnings
    # The one matching rule (concepts.matching), every arm against the first one.
    arms = list(pair.itertuples())
    first = arms[0]
    for other in arms[1:]:
        for problem in matching.pair_mismatches(
            str(first.python_version),
            str(first.config_args).split(" | ")[0] if first.config_args else None,
            str(other.python_version),
            str(other.config_args).split(" | ")[0] if other.config_args else None,
            names=(str(first.arm), str(other.arm)),
        ):
            warnings.append(
                f"{first.arm} and {other.arm} are not a matched pair: {problem} "
                "(ratios mix the GIL effect with the build difference)"
            )
    if len(set(pair["cpu_model"])) > 1:
        warnings.append(
            "CPU models differ between arms: " + ", ".join(sorted(set(pair["cpu_model"])))
        )
    if len(set(pair["cores"])) > 1:
        warnings.append(
            "usable core counts differ between arms: "
            + ", ".join(f"{a} {c}" for a, c in zip(pair["arm"], pair["cores"], strict=True))
        )
    for frame, what in ((bench, "benchmark runs"), (races, "race files")):
        if frame.empty:
            continue
        bad = frame[~frame["gil_valid"].fillna(True).astype(bool)]
        for arm, rows in bad.groupby("arm"):
            expect = "enabled" if EXPECTED_GIL.get(str(arm), True) else "disabled"
            unit = "runs" if what == "benchmark runs" else "trials"
            count = (
                rows[["source", "benchmark", "run"]].drop_duplicates().shape[0]
                if what == "benchmark runs"
                else len(rows)
            )
            warnings.append(
                f"arm {arm!s}: {count} {unit} recorded a GIL state or build that is not the "
                f"arm's (GIL must be {expect}); they are left out of every metric"
            )
    return warnings
