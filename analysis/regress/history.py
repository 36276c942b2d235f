"""The metrics' history: one JSON line per gate run or main-job run, and its trend table.

``results/history/metrics.jsonl`` gets a line for every A/B or baseline gate run and for
every interleaved main-job session the report reads (once per session). A line holds
the date, the gilbench commit, the interpreters' versions, where it came from, and per
metric its value and 95% interval. The report's trend section (and its plot) shows every
gated metric across the runs, with the steps between consecutive runs that exceed the
gate's tolerance marked: the longitudinal view asv and bench_runner give, for ratios.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.markdown import md_table
from analysis.regress.judge import DEFAULT_TOLERANCE
from analysis.regress.metrics import GATE_ARMS, METRICS, Estimate, cells_from_frame, side_of, value
from concepts.files import HISTORY_DIR, atomic_write

FILE_NAME = "metrics.jsonl"
MIN_RUNS = 3
"""Runs of history before the report shows a trend."""
GATED = {m.name for m in METRICS if m.gated}


def history_path(results_dir: Path) -> Path:
    """Where the history of ``results_dir`` lives."""
    return results_dir / HISTORY_DIR / FILE_NAME


def gilbench_commit(tree: Path | None = None) -> str | None:
    """The commit of the gilbench tree (None outside git)."""
    done = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=tree or Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None if done.returncode == 0 else None


def read(path: Path) -> list[dict[str, Any]]:
    """The history's entries, oldest first (unreadable lines skipped)."""
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("metrics"), dict):
            entries.append(entry)
    return entries


def append(path: Path, entry: Mapping[str, Any]) -> bool:
    """Add ``entry`` (atomically: the whole file is rewritten); False if its session is
    already there (a main-job session is recorded once, however often it is reported)."""
    entries = read(path)
    session = entry.get("session")
    if session and any(
        e.get("session") == session and e.get("source") == entry.get("source") for e in entries
    ):
        return False
    lines = [json.dumps(e, sort_keys=True) for e in [*entries, dict(entry)]]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "\n".join(lines) + "\n")
    return True


def entry(
    source: str,
    date: str,
    estimates: Mapping[str, Estimate],
    versions: Mapping[str, str | None],
    *,
    commit: str | None,
    session: str | None = None,
    outcome: str | None = None,
) -> dict[str, Any]:
    """One history line: what was measured, when, on what, with which result."""
    return {
        "source": source,
        "date": date,
        "commit": commit,
        "session": session,
        "versions": dict(versions),
        "outcome": outcome,
        "metrics": {
            name: est.as_dict() for name, est in estimates.items() if math.isfinite(est.value)
        },
    }


def trend_rows(
    entries: Sequence[Mapping[str, Any]], tolerance: float = DEFAULT_TOLERANCE
) -> list[dict[str, Any]]:
    """One row per (gated metric, run): value, interval, and the step from the run before
    (``step_exceeds``: beyond the tolerance and the two intervals disjoint)."""
    rows: list[dict[str, Any]] = []
    for metric in (m for m in METRICS if m.gated):
        previous: Mapping[str, Any] | None = None
        for e in entries:
            point = e["metrics"].get(metric.name)
            if not point:
                continue
            step = None if previous is None else point["value"] / previous["value"] - 1
            bounds = [point.get("low"), point.get("high")]
            if previous is not None:
                bounds += [previous.get("low"), previous.get("high")]
            disjoint = (
                previous is not None
                and None not in bounds
                and (point["low"] > previous["high"] or point["high"] < previous["low"])
            )
            rows.append(
                {
                    "metric": metric.name,
                    "date": e.get("date"),
                    "commit": e.get("commit"),
                    "versions": ", ".join(
                        f"{k} {v}" for k, v in sorted(e.get("versions", {}).items())
                    ),
                    "source": e.get("source"),
                    "value": point["value"],
                    "low": point.get("low"),
                    "high": point.get("high"),
                    "step": step,
                    "step_exceeds": bool(step is not None and abs(step) > tolerance and disjoint),
                }
            )
            previous = point
    return rows


def main_job_entries(bench: pd.DataFrame) -> list[dict[str, Any]]:
    """One history entry per interleaved main-job session of ``bench`` (analysis.load
    rows) that measured the gate's ratios; commit: the checkout the report runs in."""
    own = bench[~bench["foreign"].fillna(False).astype(bool) & bench["session"].notna()]
    found = []
    commit = gilbench_commit()
    for (session, _set), frame in own.groupby(["session", own["interpreter_set"].fillna("")]):
        if not set(GATE_ARMS) <= set(frame["arm"].dropna()):
            continue
        cells = {arm: cells_from_frame(frame[frame["arm"] == arm]) for arm in GATE_ARMS}
        estimates = {m.name: value(m, cells, side_of("")) for m in METRICS}
        if not any(math.isfinite(e.value) for n, e in estimates.items() if n in GATED):
            continue
        versions = {
            arm: next(iter(frame.loc[frame["arm"] == arm, "python_version"].dropna()), None)
            for arm in GATE_ARMS
        }
        start = frame["session_start"].dropna()
        date = str(start.iloc[0]) if not start.empty else str(frame["date"].dropna().min())
        found.append(entry("main", date, estimates, versions, commit=commit, session=str(session)))
    return found


def render_trend(entries: Sequence[Mapping[str, Any]], figure: str | None = None) -> str:
    """The report's trend section (empty below MIN_RUNS runs)."""
    if len(entries) < MIN_RUNS:
        return ""
    rows = trend_rows(entries)
    out = [
        f"## Trend of the gated ratios ({len(entries)} runs)",
        "",
        f"Every gated metric across the runs recorded in `{HISTORY_DIR}/{FILE_NAME}` (gate runs "
        "and interleaved main-job sessions), with its 95% interval; **step** marks a change "
        f"from the run before beyond ±{DEFAULT_TOLERANCE:.0%} whose intervals do not overlap. "
        "Runs on different machines or interpreters are not comparable: read the versions.",
        "",
    ]
    if figure:
        out += [f"![trend]({figure})", ""]
    table = []
    for r in rows:
        interval = (
            f"{r['value']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
            if r["low"] is not None and math.isfinite(r["low"])
            else f"{r['value']:.3f}"
        )
        step = "" if r["step"] is None else f"{r['step'] * 100:+.1f}%"
        step = f"**{step} step**" if r["step_exceeds"] else step
        table.append(
            [r["metric"], r["date"], r["commit"] or "?", r["versions"], r["source"], interval, step]
        )
    header = ["metric", "date", "commit", "interpreters", "from", "value [95% CI]", "step"]
    out.append(md_table(header, table))
    return "\n".join(out) + "\n"
