"""``python -m analysis.publish``: every published figure and quoted number, from docs/data/.

    python -m analysis.publish            # regenerate the figures and quoted numbers
    python -m analysis.publish --check    # regenerate nothing; compare the quoted numbers

The figures that README.md and docs/*.md show are build products of committed data:

- ``docs/scaling.png`` and ``docs/data/precision-2core/default-run-ratios.csv``: the
  report (``python -m analysis``) of the default run in docs/data/precision-2core/default-run/;
- ``docs/precision-2core.png``: precision against minutes, from designs.csv (the design
  study, ``analysis.design_study``);
- ``docs/scaling-16core.png``: the 16-core sweep's speedups, from
  docs/data/scaling-16core-benchmarks.csv;
- ``docs/sets-2core.png``: the interpreter sets, from docs/data/sets-2core/interpreter-sets.csv.

A number that the documentation quotes from that data is written between two markers
that Markdown does not render, ``<!--q:KEY-->6 of 45<!--/q-->``: KEY names what the
data gives (see ``quote``), and publishing rewrites the text between the markers from
the data. ``--check`` only compares, and exits 1 naming every quoted number that is not
what the data gives (a number edited by hand, or data changed without publishing).

Exit status: 0 written or all equal, 1 a quoted number differs (``--check``), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis import plots
from analysis.load import load_results
from analysis.plots.precision import plot_precision
from analysis.precision import ratio_precision
from analysis.report import build_report
from concepts import stats
from concepts.families import traits
from concepts.files import atomic_write, exits_on_write_error

PROG = "python -m analysis.publish"
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DATA = DOCS / "data"
PRECISION = DATA / "precision-2core"
DEFAULT_RUN = PRECISION / "default-run"
CORE16 = DATA / "scaling-16core-benchmarks.csv"
CORE16_RACES = DATA / "scaling-16core-race-loss.csv"
SETS = DATA / "sets-2core" / "interpreter-sets.csv"
PAGES = (ROOT / "README.md", *sorted(DOCS.glob("*.md")))
"""The pages whose quoted numbers are checked."""

STUDY_VALUES = 40
"""Values per process of the design rows the docs quote (the study's most)."""

QUOTED = re.compile(r"<!--q:(?P<key>[\w.:-]+)-->(?P<text>.*?)<!--/q-->", re.DOTALL)

CORE16_CONTEXT = plots.Context(
    versions="CPython 3.13.5 (gil) vs 3.13.5t (ft), arms run one after the other",
    machine="16-CPU Xeon under gVisor, 4 processes per cell",
    cores=16,
    date="2026-11-24 to 2026-11-25",
)

CORE16_ROWS = (
    ("cpu-control", "sum-squares"),
    ("increment", "per-thread"),
    ("semaphore", "unlocked"),
    ("event-loop", "generator-loop"),
    ("barrier", "per-thread"),
    ("rlock", "lock-per-thread"),
    ("rlock", "rlock-nested-per-thread"),
    ("increment", "shared-list"),
    ("locked-increment", "lock-fine"),
    ("locked-increment", "rlock-fine"),
    ("semaphore", "k1"),
    ("queue-pipeline", "queue"),
    ("thread-local", "local-attr"),
    ("thread-local", "contextvar"),
    ("thread-local", "shared-attr"),
    ("executor", "thread-pool"),
)
"""The rows of docs/scaling-16core.md's speedup table, in its order."""

CORE16_SHARE_NOTHING = CORE16_ROWS[1:7]
"""The per-thread rows besides the CPU-bound control: the 16-core page's "share nothing"."""

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


class PublishError(Exception):
    """Input the publisher cannot use: one line for the user."""


def pct(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage, e.g. 0.614 -> "61%"."""
    return f"{100 * fraction:.{digits}f}%"


def half_up(value: float) -> str:
    """An integer rounded half up (114.5 -> "115"), as a reader rounds."""
    return str(math.floor(value + 0.5))


def ns(seconds: float) -> str:
    """Time per op in ns: whole ns from 10 ns up, two significant digits below; from
    100 µs up in µs or ms with three significant digits."""
    value = seconds * 1e9
    if value >= 1e6:
        return f"{value / 1e6:.3g} ms"
    if value >= 1e5:
        return f"{value / 1e3:.3g} µs"
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


@dataclass
class Sources:
    """The committed data, each file read once when first needed."""

    report_dir: Path
    """Where the default run's report is written (its scaling.png and CSVs)."""
    make_plots: bool = True

    @cached_property
    def default_run(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The default run's tables of ratios and of benchmark cells, from its report."""
        results = load_results([DEFAULT_RUN])
        if not results.files:
            raise PublishError(f"no result files in {DEFAULT_RUN}")
        # the one figure of this report that the docs show (the others: tox -e analysis)
        build_report(results, self.report_dir, make_plots=self.make_plots, only_plots={"scaling"})
        return (
            pd.read_csv(self.report_dir / "ratios.csv"),
            pd.read_csv(self.report_dir / "benchmarks.csv"),
        )

    @cached_property
    def designs(self) -> pd.DataFrame:
        return _read_csv(PRECISION / "designs.csv", dtype={"budget": str})

    @cached_property
    def projection(self) -> pd.DataFrame:
        return _read_csv(PRECISION / "projection.csv").set_index("target")

    @cached_property
    def core16(self) -> pd.DataFrame:
        return _read_csv(CORE16)

    @cached_property
    def core16_races(self) -> pd.DataFrame:
        return _read_csv(CORE16_RACES)

    def json(self, name: str) -> dict[str, object]:
        path = PRECISION / name
        try:
            found: dict[str, object] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise PublishError(f"cannot read {path}: {exc}") from None
        return found


def _read_csv(path: Path, **options: object) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **options)  # type: ignore[call-overload]
    except (OSError, ValueError) as exc:
        raise PublishError(f"cannot read {path}: {exc}") from None


# ------------------------------------------------------------------ quoted numbers


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
    rows = _read_csv(DATA / "sets-2core" / "single-thread-overhead.csv")
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
    # the 16-core sweep (docs/data/scaling-16core-*.csv)
    "core16.table": lambda s, a: core16_table(s),
    "core16.speedup": lambda s, a: f"{_core16(s, a[0], a[1], a[2], int(a[3]))['speedup']:.1f}",
    "core16.ns": lambda s, a: ns(_core16(s, a[0], a[1], a[2], int(a[3]))["time_s"]),
    "core16.ratio": lambda s, a: f"{_core16(s, 'ft', a[0], a[1], int(a[2]))['ratio_vs_gil']:.1f}",
    "core16.ratio-range": lambda s, a: _core16_ratio_range(s, int(a[0]), int(a[1])),
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


@dataclass(frozen=True)
class Difference:
    """A quoted number that is not what the data gives."""

    page: Path
    line: int
    key: str
    written: str
    expected: str

    def text(self) -> str:
        where = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return (
            f"{where}:{self.line}: {self.key}: written {self.written!r},"
            f" data gives {self.expected!r}"
        )


def requote(src: Sources, page: Path, text: str) -> tuple[str, list[Difference]]:
    """``text`` with every quoted number rewritten from the data, and what differed."""
    differences: list[Difference] = []

    def replace(match: re.Match[str]) -> str:
        key, written = match["key"].strip(), match["text"]
        expected = quote(src, key)
        if written.strip() != expected.strip():
            line = text.count("\n", 0, match.start()) + 1
            differences.append(Difference(page, line, key, written, expected))
        block = "\n" if "\n" in expected else ""
        return f"<!--q:{key}-->{block}{expected}{block}<!--/q-->"

    return QUOTED.sub(replace, text), differences


# ------------------------------------------------------------------ figures


FIGURES = ("scaling.png", "precision-2core.png", "scaling-16core.png", "sets-2core.png")
"""Every figure in docs/: each one a product of ``publish_figures``."""


def publish_figures(src: Sources, docs: Path = DOCS) -> list[Path]:
    """Regenerate every figure into ``docs`` (and the default run's ratios table into
    its data folder); return the files written."""
    written = []
    src.default_run  # noqa: B018  (writes the report, its scaling.png among them)
    ratios = docs / PRECISION.relative_to(DOCS) / "default-run-ratios.csv"
    ratios.parent.mkdir(parents=True, exist_ok=True)
    for source, target in (("scaling.png", docs / "scaling.png"), ("ratios.csv", ratios)):
        shutil.copyfile(src.report_dir / source, target)
        written.append(target)
    records = [
        {str(k): v for k, v in row.items()}
        for row in src.designs.astype(object).fillna("").to_dict("records")
    ]
    plot_precision(records, docs / "precision-2core.png")
    written.append(docs / "precision-2core.png")
    written += _save_as(plots.plot_scaling(core16_summary(src), CORE16_CONTEXT, src.report_dir,
                                           "scaling-16core"), docs)  # fmt: skip
    sets = _read_csv(SETS)
    order = list(dict.fromkeys(sets["interpreter_set"]))
    written += _save_as(plots.plot_sets(sets, order, src.report_dir, "sets-2core"), docs)
    return written


def _save_as(files: list[Path], folder: Path) -> list[Path]:
    """Copy the PNG of a plot's files into ``folder`` (the docs keep PNGs only)."""
    out = []
    for path in files:
        if path.suffix == ".png":
            shutil.copyfile(path, folder / path.name)
            out.append(folder / path.name)
    return out


def core16_summary(src: Sources) -> pd.DataFrame:
    """The 16-core CSV with what plot_scaling needs of each workload (concepts.families)."""
    rows = src.core16.copy()
    found = [traits(f"{f}-{v}") for f, v in zip(rows["family"], rows["variant"], strict=True)]
    rows["role"] = [t.role for t in found]
    rows["ideal_rule"] = [t.ideal for t in found]
    rows["mode"] = [t.mode for t in found]
    rows["helper_threads"] = [t.helper_threads for t in found]
    return rows


# ------------------------------------------------------------------ command line


def run(check: bool, report_dir: Path) -> list[Difference]:
    """Publish (or with ``check`` only compare); return the quoted numbers that differed."""
    src = Sources(report_dir, make_plots=not check)
    if not check:
        for path in publish_figures(src):
            print(f"wrote {path.relative_to(ROOT)}", flush=True)
    differences: list[Difference] = []
    for page in PAGES:
        text = page.read_text()
        new, found = requote(src, page, text)
        differences += found
        if not check and new != text:
            atomic_write(page, new)
            print(f"rewrote {len(found)} quoted number(s) in {page.relative_to(ROOT)}")
    return differences


@exits_on_write_error(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.publish``."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare every quoted number with the data; write nothing; exit 1 on a difference",
    )
    options = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="gilbench-publish-") as tmp:
            differences = run(options.check, Path(tmp))
    except PublishError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if options.check:
        for difference in differences:
            print(f"{PROG}: differs: {difference.text()}", file=sys.stderr)
        if differences:
            print(
                f"{PROG}: {len(differences)} quoted number(s) differ: run {PROG}", file=sys.stderr
            )
            return 1
        print(f"{PROG}: every quoted number is what the data gives")
    return 0


if __name__ == "__main__":
    sys.exit(main())
