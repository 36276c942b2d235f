"""Every quoted number's KEY and what the committed data gives for it (``quote``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

from analysis.precision import ratio_precision
from analysis.publish.sources import (
    CORE16_ROWS,
    CORE16_SHARE_NOTHING,
    DATA,
    TRIALS,
    PublishError,
    Sources,
    half_up,
    ns,
    pct,
    read_csv,
)
from analysis.regress import trial
from concepts import stats

STUDY_VALUES = 40
"""Values per process of the design rows the docs quote (the study's most)."""


DESIGN_ROWS = (
    ("old: min, median of undisturbed, bootstrap, 2 rounds",
     "static: min/min, old: median of undisturbed, bootstrap", 2, ""),
    ("min alone / mean shared, trimmed, Welch-Yuen, 2 rounds",
     "static: min/mean, 20%-trimmed mean of logs, Welch-Yuen t", 2, ""),
    ("min / min, trimmed, Welch-Yuen, 4 rounds",
     "static: min/min, 20%-trimmed mean of logs, Welch-Yuen t", 4, ""),
    ("min alone / mean shared, trimmed, Welch-Yuen, 4 rounds",
     "static: min/mean, 20%-trimmed mean of logs, Welch-Yuen t", 4, ""),
    ("min alone / mean shared, trimmed, 8 rounds (all data)",
     "static: min/mean, 20%-trimmed mean of logs, Welch-Yuen t", 8, ""),
    ("min alone / mean shared, plain mean of logs, 8 rounds",
     "static: min/mean, mean of logs, Welch t", 8, ""),
    ("min / min, trimmed, 8 rounds",
     "static: min/min, 20%-trimmed mean of logs, Welch-Yuen t", 8, ""),
    ("**two-stage, first 2 rounds, cheapest first, 25 min**",
     "two-stage (fastest value/mean value), first 2 rounds, cheapest first", 2, "25"),
    ("two-stage, first 2 rounds, cheapest first, 40 min",
     "two-stage (fastest value/mean value), first 2 rounds, cheapest first", 2, "40"),
    ("two-stage, first 2 rounds, cheapest first, 50 min",
     "two-stage (fastest value/mean value), first 2 rounds, cheapest first", 2, "50"),
    ("two-stage, first 2 rounds, widest first, 50 min",
     "two-stage (fastest value/mean value), first 2 rounds, widest first", 2, "50"),
    ("two-stage, first 3 rounds, cheapest first, 25 min budget",
     "two-stage (fastest value/mean value), first 3 rounds, cheapest first", 3, "25"),
)  # fmt: skip
"""docs/precision-2core.md's selected designs: label, designs.csv family, rounds, budget."""


def _run_precision(src: Sources, threads: int) -> dict[str, float]:
    ratios, _summary = src.default_run
    for row in ratio_precision(ratios):
        if row["threads"] == threads:
            return row
    raise PublishError(f"the default run has no ft/gil ratio at {threads} threads")


def _run_speedups(src: Sources, arm: str | None = None) -> pd.DataFrame:
    """Each arm's speedups at the core count (2) of primitives and controls."""
    _ratios, summary = src.default_run
    rows = summary[(summary["threads"] == 2) & summary["speedup"].notna()]
    rows = rows[rows["role"].isin(["primitive", "control"]) & (rows["mode"] != "duration")]
    return rows if arm is None else rows[rows["arm"] == arm]


def _speedups_within(src: Sources) -> str:
    rows = _run_speedups(src)
    halves = [
        stats.relative_halfwidth(float(s), float(lo), float(hi))
        for s, lo, hi in zip(rows["speedup"], rows["speedup_lo"], rows["speedup_hi"], strict=True)
    ]
    within = sum(h <= stats.TARGETS[stats.SHARED] for h in halves)
    return f"{within} of {len(halves)}"


PROCESS_WORKERS = ("process-pool", "interpreter-pool")
"""Executor variants whose workers are processes or interpreters, not threads: a GIL
arm can run them in parallel."""


def _gil_thread_speedups(src: Sources) -> pd.DataFrame:
    rows = _run_speedups(src, "gil")
    return rows[~rows["variant"].isin(PROCESS_WORKERS)]


def _gil_speedups_above_one(src: Sources) -> str:
    """The gil arm's 2-thread speedups of work in threads whose whole interval lies above 1."""
    rows = _gil_thread_speedups(src)
    above = rows[rows["speedup_lo"] > 1.0]
    return f"{len(above)} of {len(rows)}"


def _gil_speedup_max(src: Sources) -> str:
    rows = _gil_thread_speedups(src)
    top = rows.sort_values("speedup").iloc[-1]
    return f"{top['speedup']:.2f} ({top['family']} {top['variant']})"


def _design(src: Sources, family: str, rounds: int, budget: str) -> pd.Series:
    rows = src.designs
    chosen = rows[
        (rows["family"] == family)
        & (rows["rounds"] == rounds)
        & (rows["values"] == STUDY_VALUES)
        & (rows["budget"].fillna("") == budget)
    ]
    if len(chosen) != 1:
        raise PublishError(f"designs.csv has {len(chosen)} rows for {family!r}, {rounds} rounds")
    return chosen.iloc[0]


def designs_table(src: Sources) -> str:
    """docs/precision-2core.md's table of selected designs, from designs.csv."""
    lines = [
        "| design | minutes | A/A 95% / 50% coverage | ft/gil t1 ±5% | ft/gil t2 ±10% |"
        " speedup ±10% |",
        "|---|---|---|---|---|---|",
    ]
    for label, family, rounds, budget in DESIGN_ROWS:
        row = _design(src, family, rounds, budget)
        aa = (
            f"{row['aa_cover95']:.2f} / {row['aa_cover50']:.2f}"
            if pd.notna(row["aa_cover95"])
            else "–"
        )
        cells = [
            f"{pct(row[f'{c}_within_target'])} ({pct(row[f'{c}_median_halfwidth'])})"
            for c in ("ratio_t1", "ratio_t2", "speedup")
        ]
        lines.append(f"| {label} | {row['minutes']:.1f} | {aa} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _aa_range(src: Sources, column: str, bootstrap: bool) -> str:
    rows = src.designs[src.designs["aa_intervals"].fillna(0) > 0]
    old = rows["interval"].str.contains("bootstrap")
    rows = rows[old] if bootstrap else rows[~old]
    return f"{100 * rows[column].min():.0f}-{100 * rows[column].max():.0f}%"


def _check(src: Sources, name: str, check: int) -> str:
    checks = src.json(name)["checks"]
    assert isinstance(checks, list)
    return str(checks[check]["count"])


# The trial's conditions by a key-friendly name (trial.conditions names them).
TRIAL_CONDITIONS = {"aa": "A/A", "s10": "ft +10%", "s15": "ft +15%", "s25": "ft +25%"}


def _trial_records() -> list[dict[str, object]]:
    """The newest committed gate trial's verdict records."""
    logs = sorted(TRIALS.glob("*.jsonl"))
    if not logs:
        raise PublishError(f"no gate trial log in {TRIALS}")
    return trial.read(logs[-1])[1]


def _trial_count(condition: str, verdict: str) -> str:
    """How many repetitions of ``condition`` (TRIAL_CONDITIONS) ended with ``verdict``."""
    counts = trial.verdict_counts(_trial_records())[TRIAL_CONDITIONS[condition]]
    return str(counts[verdict] if verdict in counts else sum(counts.values()))


def _trial_coverage(part: str) -> str:
    """The slowed metrics' coverage of the injected factor: "58 of 60", or its exact
    95% interval ("88-100%")."""
    records = _trial_records()
    header = trial.read(sorted(TRIALS.glob("*.jsonl"))[-1])[0]
    hits, total = trial.coverage(records, str(header.get("benchmark", "")))
    if part == "ci":
        low, high = stats.binomial_interval(hits, total)
        return f"{100 * low:.0f}-{100 * high:.0f}%"
    return f"{hits} of {total}"


PATTERNS_HEADING = "Patterns that do not scale"
"""The report's section on the shared-object family (analysis.report)."""


def _shared_table(src: Sources) -> str:
    """The shared-object sweep's "Patterns that do not scale" table, as its report has it."""
    text = src.shared_object[0]
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.endswith(PATTERNS_HEADING)), None)
    if start is None:
        raise PublishError(f"the shared-object report has no section {PATTERNS_HEADING!r}")
    table = [line for line in lines[start + 1 :] if line.strip()]
    end = next((i for i, line in enumerate(table) if not line.startswith("|")), len(table))
    return "\n".join(table[:end])


def _shared_not_scaling(src: Sources, part: str) -> str:
    """How many patterns do not scale ("4 of 12"), or their names."""
    rows = src.shared_object[1]
    bad = rows[rows["does_not_scale"].astype(bool)]
    if part == "names":
        return ", ".join(f"`{p}`" for p in bad["pattern"]) or "none"
    return f"{len(bad)} of {len(rows)}"


def _projection(src: Sources, target: int, column: str) -> str:
    row = src.projection.iloc[target]
    if column == "within_target_now":
        return f"{pct(row[column])} of {int(row['comparisons'])}"
    if column == "median_halfwidth_now":
        return pct(row[column], 1)
    return half_up(float(row[column]))


def _core16(src: Sources, arm: str, family: str, variant: str, threads: int) -> pd.Series:
    rows = src.core16
    chosen = rows[
        (rows["arm"] == arm)
        & (rows["family"] == family)
        & (rows["variant"] == variant)
        & (rows["threads"] == threads)
    ]
    if chosen.empty:
        raise PublishError(f"no 16-core row {arm} {family} {variant} t{threads}")
    return chosen.iloc[0]


def core16_table(src: Sources) -> str:
    """docs/scaling-16core.md's speedup table, from the 16-core CSV."""
    counts = (2, 4, 8, 16)
    lines = [
        "| benchmark | "
        + " | ".join(f"{arm} t{n}" for arm in ("gil", "ft") for n in counts)
        + " | ft ns/op t1 → last |",
        "|---|" + "---|" * (2 * len(counts) + 1),
    ]
    for family, variant in CORE16_ROWS:
        cells = []
        for arm in ("gil", "ft"):
            for n in counts:
                try:
                    cells.append(f"{_core16(src, arm, family, variant, n)['speedup']:.2f}")
                except PublishError:
                    cells.append("–")
        ft = src.core16[(src.core16["arm"] == "ft") & (src.core16["family"] == family)]
        ft = ft[ft["variant"] == variant].sort_values("threads")
        last = ft.iloc[-1]
        at = "" if int(last["threads"]) == 16 else f" at t{int(last['threads'])}"
        cells.append(f"{ns(ft.iloc[0]['time_s'])} → {ns(last['time_s'])}{at}")
        lines.append(f"| {family} {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _core16_range(src: Sources, rows: Sequence[tuple[str, str]], arm: str, threads: int) -> str:
    found = [_core16(src, arm, f, v, threads)["speedup"] for f, v in rows]
    return f"{min(found):.1f}–{max(found):.1f}"


def _core16_ratio_range(src: Sources, threads: int, digits: int) -> str:
    """ft/gil time per op at ``threads`` over the rows where threads share nothing."""
    rows = (*CORE16_ROWS[:1], *CORE16_SHARE_NOTHING, ("executor", "thread-pool"))
    found = [_core16(src, "ft", f, v, threads)["ratio_vs_gil"] for f, v in rows]
    return f"{min(found):.{digits}f}–{max(found):.{digits}f}"


def _core16_growth(src: Sources, family: str, variant: str, threads: int) -> str:
    """How many times longer an ft op takes at ``threads`` than at 1 thread."""
    at_n = _core16(src, "ft", family, variant, threads)["time_s"]
    return f"{at_n / _core16(src, 'ft', family, variant, 1)['time_s']:.1f}"


def _core16_faster_range(src: Sources, threads: int) -> str:
    """``_core16_ratio_range`` turned round: how many times faster ft is, whole numbers."""
    rows = (*CORE16_ROWS[:1], *CORE16_SHARE_NOTHING, ("executor", "thread-pool"))
    found = [1 / _core16(src, "ft", f, v, threads)["ratio_vs_gil"] for f, v in rows]
    return f"{half_up(min(found))}–{half_up(max(found))}"


def _core16_gil_range(src: Sources) -> str:
    rows = src.core16[(src.core16["arm"] == "gil") & (src.core16["threads"] > 1)]
    rows = rows[rows.apply(lambda r: (r["family"], r["variant"]) in CORE16_ROWS, axis=1)]
    return f"{rows['speedup'].min():.2f} and {rows['speedup'].max():.2f}"


def _core16_loss(src: Sources, arm: str, variant: str, threads: int) -> str:
    rows = src.core16_races
    chosen = rows[
        (rows["arm"] == arm) & (rows["variant"] == variant) & (rows["threads"] == threads)
    ]
    if chosen.empty:
        raise PublishError(f"no 16-core race row {arm} {variant} t{threads}")
    return pct(float(chosen.iloc[0]["median"]))


def _overhead_rows(src: Sources, profile: str) -> pd.DataFrame:
    rows = read_csv(DATA / "sets-2core" / "single-thread-overhead.csv")
    rows = rows[(rows["profile_num"] == profile) & (rows["num"] == "ft") & (rows["den"] == "gil")]
    if rows.empty:
        raise PublishError(f"no single-thread overhead of profile {profile!r}")
    return rows


def _overhead(src: Sources, profile: str, part: str) -> str:
    """The report's all-families overhead (``part`` "point" or "ci") of one profile."""
    row = _overhead_rows(src, profile).set_index("family").loc["all"]
    if part == "ci":
        return f"{100 * row['overhead_lo']:+.0f} to {100 * row['overhead_hi']:+.0f}%"
    return f"{100 * row['overhead']:+.0f}%"


def _overhead_without(src: Sources, profile: str, family: str) -> str:
    """The same aggregate (geometric mean of the families' ratios) without ``family``."""
    rows = _overhead_rows(src, profile)
    rows = rows[~rows["family"].isin(["all", family])]
    mean = math.exp(sum(math.log(r) for r in rows["ratio"]) / len(rows))
    return f"{100 * (mean - 1):+.0f}%"


def _overhead_family(src: Sources, profile: str, family: str) -> str:
    row = _overhead_rows(src, profile).set_index("family").loc[family]
    return f"{row['ratio']:.2f} [{row['lo']:.2f}, {row['hi']:.2f}]"


Quote = Callable[[Sources, list[str]], str]

QUOTES: dict[str, Quote] = {
    # the default run (docs/data/precision-2core/default-run), its report's tables
    "run.within": lambda s, a: "{within_target} of {ratios}".format(
        **{k: int(v) for k, v in _run_precision(s, int(a[0])).items() if k != "median_halfwidth"}
    ),
    "run.halfwidth": lambda s, a: pct(_run_precision(s, int(a[0]))["median_halfwidth"], 1),
    "run.speedups-within": lambda s, a: _speedups_within(s),
    "run.gil-speedups-above-1": lambda s, a: _gil_speedups_above_one(s),
    "run.gil-speedup-max": lambda s, a: _gil_speedup_max(s),
    # the design study (designs.csv, projection.csv, aa-study-*.json)
    "designs.table": lambda s, a: designs_table(s),
    "design": lambda s, a: pct(
        _design(s, DESIGN_ROWS[int(a[0])][1], DESIGN_ROWS[int(a[0])][2], DESIGN_ROWS[int(a[0])][3])[
            a[1]
        ]
    ),
    "aa-range": lambda s, a: _aa_range(s, a[0], a[1] == "bootstrap"),
    "projection": lambda s, a: _projection(s, int(a[0]), a[1]),
    "check": lambda s, a: _check(s, a[0], int(a[1])),
    # the gate's newest committed trial (results/baselines/trials/*.jsonl)
    "trial.count": lambda s, a: _trial_count(a[0], a[1]),
    "trial.coverage": lambda s, a: _trial_coverage(a[0] if a else "count"),
    # the shared-object sweep (docs/data/shared-object-2core), its report's patterns
    "shared.table": lambda s, a: _shared_table(s),
    "shared.not-scaling": lambda s, a: _shared_not_scaling(s, a[0] if a else "count"),
    # the 16-core sweep (docs/data/scaling-16core-*.csv)
    "core16.table": lambda s, a: core16_table(s),
    "core16.speedup": lambda s, a: f"{_core16(s, a[0], a[1], a[2], int(a[3]))['speedup']:.1f}",
    "core16.ns": lambda s, a: ns(_core16(s, a[0], a[1], a[2], int(a[3]))["time_s"]),
    "core16.ratio": lambda s, a: f"{_core16(s, 'ft', a[0], a[1], int(a[2]))['ratio_vs_gil']:.1f}",
    "core16.ratio-range": lambda s, a: _core16_ratio_range(s, int(a[0]), int(a[1])),
    "core16.faster-range": lambda s, a: _core16_faster_range(s, int(a[0])),
    "core16.growth": lambda s, a: _core16_growth(s, a[0], a[1], int(a[2])),
    "core16.share-nothing": lambda s, a: _core16_range(s, CORE16_SHARE_NOTHING, "ft", 16),
    "core16.gil-range": lambda s, a: _core16_gil_range(s),
    "core16.loss": lambda s, a: _core16_loss(s, a[0], a[1], int(a[2])),
    # the interpreter sets (docs/data/sets-2core)
    "sets.overhead": lambda s, a: _overhead(s, a[0], a[1]),
    "sets.overhead-without": lambda s, a: _overhead_without(s, a[0], a[1]),
    "sets.family": lambda s, a: _overhead_family(s, a[0], a[1]),
}
"""KEY (its name, then arguments separated by ':') -> what the data gives."""


def quote(src: Sources, key: str) -> str:
    """What the data gives for a quoted number's KEY, e.g. ``run.within:1``."""
    name, *args = key.split(":")
    if name not in QUOTES:
        raise PublishError(f"unknown quoted number {key!r} (known: {', '.join(QUOTES)})")
    try:
        return QUOTES[name](src, args)
    except (IndexError, KeyError, ValueError) as exc:
        raise PublishError(f"quoted number {key!r}: {exc}") from None
