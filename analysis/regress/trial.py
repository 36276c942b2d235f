"""The gate's calibration trial: repeat the gate and record every verdict.

    python -m analysis.regress trial [--reps 10] [--slowdowns 10,15,25] [--rounds N]
        [--benchmark locked-increment-lock-fine] [--out FILE] [--python gil=PATH,ft=PATH]

Each repetition is one interleaved sweep of seven sides on the same interpreter pair: a
base (gil, ft), a head (gil, ft), and three more ft sides whose named benchmark a
calibration slowdown (runners.inject) makes 10%, 15% and 25% slower. It is then judged
as four gate runs, exactly as ``ab`` judges one (re-measurement included): A/A (base
against head: the same code and interpreters) and base against the head with each ft
slowdown (the head's gil side is the same in all four). The four verdicts of one
repetition share the base's measurement; repetitions are independent.

Every verdict is a JSON line of ``--out`` (written after each repetition, atomically):
the condition, the outcome, each metric's change with its interval and verdict, the
machine, the gilbench commit and the date; the summary (verdict counts per condition)
is printed at the end and can be recomputed from the file (``summarize``), and the raw
files of each repetition (results/regress/trial-<time>/rep-N/) can be judged again with
the code of the day (``rejudge``: how a change of the rule would have decided).

``trial --extend LOG`` runs more repetitions of the trial in LOG, with its design, and
appends them to it as a new *sitting* (a header line, then its verdicts); the log's
repetitions are numbered on across sittings when it is read. A log is therefore exactly
the concatenation of its sittings' logs.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.markdown import md_table
from analysis.regress import gate
from analysis.regress.baseline import machine_class
from analysis.regress.history import gilbench_commit
from analysis.regress.judge import INCONCLUSIVE, PASS, REGRESSION, outcome
from analysis.regress.measure import GATE_ROUNDS, GateSweep, sweep_args
from analysis.regress.metrics import (
    ESTIMATORS,
    GATE_ARMS,
    METRICS,
    CellsDict,
    Metric,
    change,
    load_cells,
    merge,
    side_of,
)
from concepts.files import atomic_write
from concepts.stats import binomial_interval

TRIAL_BENCHMARK = "locked-increment-lock-fine"
"""The benchmark a trial slows by default: the one both Lock metrics the gate gates read."""


def conditions(slowdowns: Sequence[float]) -> dict[str, tuple[float, dict[str, str]]]:
    """condition -> (slowdown, head side): A/A plus one ft-only slowdown each."""
    found = {"A/A": (0.0, side_of("head"))}
    for fraction in slowdowns:
        label = f"s{round(fraction * 100)}"
        found[f"ft +{fraction:.0%}"] = (fraction, {"gil": "gil.head", "ft": f"ft.{label}"})
    return found


def run_trial(
    pair: dict[str, str],
    reps: int,
    slowdowns: Sequence[float],
    benchmark: str,
    metrics: tuple[Metric, ...],
    tolerance: float,
    out: Path,
    command: str,
    raw: Path,
    rounds: int = GATE_ROUNDS,
    earlier: str = "",
) -> list[dict[str, Any]]:
    """Run ``reps`` repetitions of ``rounds`` rounds each, appending each verdict to
    ``out`` (the raw files of repetition N in ``raw/rep-N``); return them all.

    ``earlier``: the text of the log's earlier sittings, kept before this one's lines.
    """
    plan = conditions(slowdowns)
    sides: dict[str, tuple[str, str]] = {
        f"{arm}.{s}": (arm, pair[arm]) for s in ("base", "head") for arm in GATE_ARMS
    }
    for _fraction, head in list(plan.values())[1:]:
        sides[head["ft"]] = ("ft", pair["ft"])
    inject = ",".join(
        f"{benchmark}@{head['ft']}:{fraction:g}" for fraction, head in list(plan.values())[1:]
    )
    records: list[dict[str, Any]] = []
    header = {
        "kind": "trial",
        "command": command,
        "machine": machine_class(),
        "commit": gilbench_commit(),
        "interpreters": pair,
        "benchmark": benchmark,
        "tolerance": tolerance,
        "rounds": rounds,
        "slowdowns": list(slowdowns),
        "started": _now(),
        "raw": str(raw),
    }
    for rep in range(1, reps + 1):
        started = time.monotonic()
        comparisons = {
            name: gate.Comparison(side_of("base"), head) for name, (_f, head) in plan.items()
        }
        workdir = raw / f"rep-{rep}"
        workdir.mkdir(parents=True, exist_ok=True)
        gate.run(
            GateSweep(sides, inject=inject, args=sweep_args(rounds)),
            comparisons,
            metrics,
            change,
            lambda _m: tolerance,
            workdir,
            workdir / "sweep.log",
        )
        seconds = round(time.monotonic() - started, 1)
        load = round(os.getloadavg()[0], 2)
        for name, comparison in comparisons.items():
            records.append(
                {
                    "rep": rep,
                    "condition": name,
                    "slowdown": plan[name][0],
                    "outcome": comparison.outcome,
                    "date": _now(),
                    "seconds": seconds,
                    "load_average": load,
                    "metrics": _metric_records(comparison),
                }
            )
        lines = [
            json.dumps(header, sort_keys=True),
            *(json.dumps(r, sort_keys=True) for r in records),
        ]
        atomic_write(out, earlier + "\n".join(lines) + "\n")
        summary = ", ".join(f"{n}: {c.outcome}" for n, c in comparisons.items())
        print(f"[rep {rep}/{reps}] {summary} ({seconds:.0f} s)", flush=True)
    return records


def _metric_records(comparison: gate.Comparison) -> dict[str, dict[str, Any]]:
    return {
        v.metric.name: {
            **(v.estimate.as_dict() if v.estimate else {}),
            "verdict": v.verdict,
            "gated": v.metric.gated,
            "remeasured": v.remeasured,
        }
        for v in comparison.verdicts
    }


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


DESIGN_KEYS = ("machine", "benchmark", "tolerance", "rounds")
"""What every sitting of one trial log must share (its interpreters and commit may differ:
each sitting's header names its own)."""


def read_sittings(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A trial log's sitting headers and its verdict records, repetitions numbered on
    across sittings (each record also gets ``sitting``, from 1)."""
    lines = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if not lines or lines[0].get("kind") != "trial":
        raise ValueError(f"{path}: not a gate trial log")
    headers: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    offset = 0
    for line in lines:
        if line.get("kind") == "trial":
            for key in DESIGN_KEYS:
                if headers and line.get(key) != headers[0].get(key):
                    raise ValueError(
                        f"{path}: sitting {len(headers) + 1} has {key} {line.get(key)!r}, "
                        f"the first {headers[0].get(key)!r}: not one trial"
                    )
            offset = max((r["rep"] for r in records), default=0)
            headers.append(line)
            continue
        records.append({**line, "rep": offset + int(line["rep"]), "sitting": len(headers)})
    return headers, records


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A trial log's first header and all its verdict records (see :func:`read_sittings`)."""
    headers, records = read_sittings(path)
    return headers[0], records


def slowdowns_of(records: Sequence[dict[str, Any]]) -> list[float]:
    """The injected slowdowns a trial's records judged, smallest first."""
    return sorted({float(r["slowdown"]) for r in records if r.get("slowdown")})


def verdict_counts(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """condition -> {outcome: count} (every outcome present, zeros included)."""
    counts: dict[str, Counter[str]] = {}
    for record in records:
        counts.setdefault(record["condition"], Counter())[record["outcome"]] += 1
    return {c: {o: n[o] for o in (PASS, REGRESSION, INCONCLUSIVE)} for c, n in counts.items()}


def render_summary(records: Sequence[dict[str, Any]]) -> str:
    """The verdict counts as a Markdown table, with the mean seconds per repetition."""
    table = verdict_counts(records)
    reps = {r["rep"]: r["seconds"] for r in records}
    rows = [
        [condition, *(str(n) for n in (sum(c.values()), c[PASS], c[REGRESSION], c[INCONCLUSIVE]))]
        for condition, c in table.items()
    ]
    out = [md_table(["condition", "reps", "pass", "regression", "inconclusive"], rows)]
    if any(reps.values()):
        out.append(
            f"\n{len(reps)} repetitions, {sum(reps.values()) / len(reps):.0f} s each on average"
        )
    return "\n".join(out)


def render_spread(records: Sequence[dict[str, Any]], condition: str = "A/A") -> str:
    """Per gated metric of ``condition``: the range of its changes over the repetitions,
    the median half-width of their intervals and the processes per cell (Markdown)."""
    chosen = [r for r in records if r["condition"] == condition and r.get("metrics")]
    if not chosen:
        return ""
    rows = []
    for name, first in chosen[0]["metrics"].items():
        found = [r["metrics"].get(name, {}) for r in chosen]
        found = [f for f in found if f.get("value") is not None]
        if not first.get("gated") or not found:
            continue
        values = [f["value"] for f in found]
        widths = [(f["high"] - f["low"]) / 2 for f in found if f.get("low") and f.get("high")]
        width = f"{statistics.median(widths):.3f}" if widths else "-"
        processes = sorted({f["processes"] for f in found})
        counts = " or ".join(str(p) for p in processes)
        rows.append([name, f"{min(values):.3f} - {max(values):.3f}", width, counts])
    header = [
        f"{condition}: gated metric",
        "change, lowest - highest",
        "median interval half-width",
        "processes per cell",
    ]
    return md_table(header, rows)


def slowed_metrics(benchmark: str) -> list[str]:
    """The gated metrics an ft-only slowdown of ``benchmark`` moves by its full factor."""
    return [f"ft/gil {benchmark} t1", f"lock-overhead ft {benchmark} t1"]


def render_coverage(records: Sequence[dict[str, Any]], benchmark: str) -> str:
    """Per condition and metric: how often the 95% interval contains the truth (1 for
    A/A, 1 + the slowdown for the slowed metrics) and the metric's own verdicts, with
    exact (Clopper-Pearson) 95% bounds on the proportions (Markdown)."""
    rows: list[list[str]] = []
    for condition in dict.fromkeys(r["condition"] for r in records):
        chosen = [r for r in records if r["condition"] == condition and r.get("metrics")]
        if not chosen:
            continue
        fraction = float(chosen[0]["slowdown"])
        names = (
            slowed_metrics(benchmark)
            if fraction > 0
            else [n for n, m in chosen[0]["metrics"].items() if m.get("gated")]
        )
        for name in names:
            found = [r["metrics"][name] for r in chosen if name in r["metrics"]]
            found = [f for f in found if f.get("low") is not None and f.get("high") is not None]
            if not found:
                continue
            truth = 1.0 + fraction
            hits = sum(f["low"] <= truth <= f["high"] for f in found)
            low, high = binomial_interval(hits, len(found))
            verdicts = Counter(f.get("verdict") for f in found)
            rows.append(
                [
                    condition,
                    name,
                    f"{truth:.2f}",
                    f"{hits}/{len(found)} (95% CI {100 * low:.0f}-{100 * high:.0f}%)",
                    f"{verdicts[REGRESSION]} / {verdicts[PASS]} / {verdicts[INCONCLUSIVE]}",
                ]
            )
    header = [
        "condition",
        "metric",
        "truth",
        "interval contains it",
        "its verdicts: regression / pass / inconclusive",
    ]
    out = [md_table(header, rows)]
    hits, total = coverage(records, benchmark)
    if total:
        low, high = binomial_interval(hits, total)
        out.append(
            f"\nslowed metrics: the interval contains the injected factor in {hits} of"
            f" {total} metric-repetitions (95% CI {100 * low:.0f}-{100 * high:.0f}%)"
        )
    return "\n".join(out)


@dataclass(frozen=True)
class RawRepetition:
    """One repetition's raw cells as a trial measured them (or several pooled)."""

    source: str
    first: CellsDict
    second: CellsDict | None
    """The re-measurement, where one was taken."""
    injected: dict[str, list[str]]


def load_repetitions(rep_dirs: Sequence[Path], slowdowns: Sequence[float]) -> list[RawRepetition]:
    """Each ``rep-N`` directory's measure-1 (and measure-2, if taken) cells."""
    plan = conditions(slowdowns)
    sides = [f"{arm}.{s}" for s in ("base", "head") for arm in GATE_ARMS]
    sides += [head["ft"] for _f, head in list(plan.values())[1:]]
    found = []
    for rep in rep_dirs:
        first, injected = load_cells(rep / "measure-1", sides)
        again = rep / "measure-2"
        second = load_cells(again, sides)[0] if again.is_dir() else None
        found.append(RawRepetition(str(rep), first, second, injected))
    return found


def pooled(reps: Sequence[RawRepetition], pool: int) -> list[RawRepetition]:
    """Each run of ``pool`` consecutive repetitions as one, processes pooled cell by cell
    (measure-1 with measure-1, measure-2 with whichever measure-2 was taken); a last
    group shorter than ``pool`` is left out."""
    if pool == 1:
        return list(reps)
    out = []
    for at in range(0, len(reps) - pool + 1, pool):
        group = reps[at : at + pool]
        first: CellsDict = {}
        second: CellsDict | None = None
        injected: dict[str, list[str]] = {}
        for rep in group:
            first = merge(first, rep.first)
            if rep.second is not None:
                second = merge(second or {}, rep.second)
            for side, specs in rep.injected.items():
                injected[side] = sorted({*injected.get(side, []), *specs})
        out.append(RawRepetition("+".join(r.source for r in group), first, second, injected))
    return out


def judge_repetitions(
    reps: Sequence[RawRepetition],
    slowdowns: Sequence[float],
    tolerance: float,
    estimate: gate.Estimator = change,
) -> list[dict[str, Any]]:
    """Judge raw repetitions as run_trial would have: records without timings."""
    plan = conditions(slowdowns)
    records: list[dict[str, Any]] = []
    for index, rep in enumerate(reps, 1):
        for name, (fraction, head) in plan.items():
            comparison = gate.Comparison(side_of("base"), head)
            gate.decide(comparison, METRICS, rep.first, rep.second, estimate, lambda _m: tolerance)
            result, _notes = outcome(
                comparison.verdicts, gate.injected_into(comparison, rep.injected)
            )
            records.append(
                {
                    "rep": index,
                    "condition": name,
                    "slowdown": fraction,
                    "outcome": result,
                    "seconds": 0.0,
                    "source": rep.source,
                    "metrics": _metric_records(comparison),
                }
            )
    return records


def rejudge(
    rep_dirs: Sequence[Path],
    slowdowns: Sequence[float],
    tolerance: float,
    pool: int = 1,
    estimate: gate.Estimator = change,
) -> list[dict[str, Any]]:
    """Judge a trial's raw repetitions again with this code (``rep-N/measure-1`` and, if
    it was taken, ``measure-2``), as run_trial would have.

    ``pool`` > 1 judges each ``pool`` consecutive repetitions as one (:func:`pooled`):
    what a gate of ``pool`` times the rounds would have decided, approximately (its
    processes come from ``pool`` sweeps minutes apart, not one). ``estimate`` is the
    change's estimator (metrics.ESTIMATORS)."""
    reps = pooled(load_repetitions(rep_dirs, slowdowns), pool)
    return judge_repetitions(reps, slowdowns, tolerance, estimate)


DESIGN_POOLS = (1, 2)
"""The pooling compared by :func:`render_designs`: the gate's rounds, and twice them."""


def render_designs(
    rep_dirs: Sequence[Path],
    slowdowns: Sequence[float],
    tolerance: float,
    benchmark: str,
) -> str:
    """Every estimator (metrics.ESTIMATORS) at the trial's rounds and pooled to twice
    them, judged on the same raw repetitions: verdict counts per condition, how often the
    slowed metrics' intervals contain the injected factor, and the A/A intervals' median
    half-widths (Markdown). The trial's rounds are read from its first measurement (one
    process per side and round)."""
    raw = load_repetitions(rep_dirs, slowdowns)
    rounds = trial_rounds(raw[0]) if raw else 0
    rows = []
    for name, estimate in ESTIMATORS.items():
        for pool in DESIGN_POOLS:
            records = judge_repetitions(pooled(raw, pool), slowdowns, tolerance, estimate)
            counts = verdict_counts(records)
            cells = [f"{name}, {rounds * pool} rounds" + (" (pooled)" if pool > 1 else "")]
            for condition, c in counts.items():
                wanted = PASS if condition == "A/A" else REGRESSION
                cells.append(f"{c[wanted]}/{sum(c.values())}")
            hits, total = coverage(records, benchmark)
            cells.append(f"{hits}/{total}")
            widths = _aa_halfwidths(records)
            cells.append(f"{min(widths):.1%} - {max(widths):.1%}" if widths else "-")
            rows.append(cells)
    conditions_ = list(conditions(slowdowns))
    header = [
        "design",
        *(f"{c}: {'pass' if c == 'A/A' else 'regression'}" for c in conditions_),
        "slowed intervals contain the factor",
        "A/A median half-widths",
    ]
    return md_table(header, rows)


def trial_rounds(rep: RawRepetition) -> int:
    """The rounds of a repetition's first measurement: its cells' most processes."""
    return max((len(p) for cells in rep.first.values() for p in cells.values()), default=0)


def coverage(records: Sequence[dict[str, Any]], benchmark: str) -> tuple[int, int]:
    """(hits, metric-repetitions): how often a slowed metric's interval (the metrics an
    ft-only slowdown of ``benchmark`` moves) contains the injected factor."""
    hits = total = 0
    for record in records:
        fraction = float(record["slowdown"])
        if fraction <= 0:
            continue
        for name in slowed_metrics(benchmark):
            found = record["metrics"].get(name, {})
            if found.get("low") is None or found.get("high") is None:
                continue
            total += 1
            hits += found["low"] <= 1.0 + fraction <= found["high"]
    return hits, total


def _aa_halfwidths(records: Sequence[dict[str, Any]]) -> list[float]:
    """Each gated metric's median relative A/A half-width."""
    by_metric: dict[str, list[float]] = {}
    for record in records:
        if record["condition"] != "A/A":
            continue
        for name, found in record["metrics"].items():
            if found.get("gated") and found.get("low") and found.get("high"):
                by_metric.setdefault(name, []).append((found["high"] - found["low"]) / 2)
    return [statistics.median(widths) for widths in by_metric.values()]
