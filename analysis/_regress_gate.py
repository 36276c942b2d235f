"""The gate's verdict: each baseline metric judged against a run, flagged ones re-measured.

Per metric, with B the baseline value and [lo, hi] the run's bootstrap CI, the change
is expressed so that > 1 means worse (now/B for times, B/now for speedups). With
tolerance = max(fixed %, spread factor x the baseline's spread):

- inconclusive  the CI is wider than max_ci_factor x tolerance (unstable data: it
                cannot tell a regression of that size from noise);
- regression    otherwise, when the CI's better end is still worse than 1 + tolerance;
- pass          otherwise ("improved" is noted when the whole CI is better than 1 - tol);
- missing       the baseline has the metric, the run lacks one of its benchmarks.

Metrics judged regression or inconclusive are re-measured (just their benchmarks, in
every arm they involve) and judged again on the original plus re-measured processes; a
regression stands only if the re-measurement on its own is also worse than the
tolerance, so one noisy process cannot fail CI. The run as a whole is inconclusive when
its environment differs from the baseline's (the differing fields are named); a
regression measured while the machine was busy (pyperf's 1-minute load average above
the CPU count: another job competing for the cores) is inconclusive too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from analysis._regress_baseline import Baseline, BaselineMetric
from analysis._regress_data import Environment, Key, ResultSet
from analysis._regress_measure import MeasureError
from analysis._regress_metrics import Estimate, estimate
from concepts import matching

PASS = "pass"
REGRESSION = "regression"
INCONCLUSIVE = "inconclusive"
MISSING = "missing"

EXIT_PASS = 0
EXIT_REGRESSION = 1
EXIT_INCONCLUSIVE = 2
EXIT_USAGE = 64  # EX_USAGE: bad options or unreadable input; never a verdict

EXIT_CODES = {PASS: EXIT_PASS, REGRESSION: EXIT_REGRESSION, INCONCLUSIVE: EXIT_INCONCLUSIVE}


@dataclass(frozen=True)
class GateSettings:
    """Tolerances and statistics of the gate (defaults are the documented ones)."""

    fixed_tolerance: float = 0.10
    spread_factor: float = 3.0
    max_ci_factor: float = 2.0
    n_boot: int = 2000
    seed: int = 0
    confidence: float = 0.95
    version_level: str = "minor"
    allow_missing: bool = False
    max_load_factor: float = 1.0
    """A run whose median 1-minute load average exceeds this x cpu count was measured on
    a busy machine: its regressions are not trusted (0: never)."""
    min_processes: int = 3
    """Fewer undisturbed processes than this on either side of a ratio: inconclusive."""


@dataclass
class Row:
    """One metric's line in the gate's table."""

    name: str
    metric: BaselineMetric
    tolerance: float
    now: Estimate | None
    verdict: str
    notes: list[str] = field(default_factory=list)
    remeasured: bool = False

    def worse(self, value: float) -> float:
        """``value`` as a change factor relative to the baseline, > 1 meaning worse."""
        base = self.metric.value
        return value / base if self.metric.spec.higher_is_worse else base / value


@dataclass
class GateReport:
    """Everything the gate decided, for the exit code and the Markdown table."""

    verdict: str
    rows: list[Row]
    env_differences: list[str]
    notes: list[str]
    baseline_source: str
    results_source: str
    settings: GateSettings
    statistic: str = ""
    """How processes became one number (the baseline's statistic, described)."""


def tolerance(metric: BaselineMetric, settings: GateSettings) -> float:
    """max(fixed %, spread factor x the baseline's relative spread)."""
    return max(settings.fixed_tolerance, settings.spread_factor * metric.spread)


def judge(metric: BaselineMetric, now: Estimate | None, settings: GateSettings) -> Row:
    """The verdict for one metric from its estimate in a run."""
    tol = tolerance(metric, settings)
    row = Row(metric.spec.name, metric, tol, now, PASS)
    if now is None:
        row.verdict = MISSING
        row.notes.append("a benchmark of this metric is not in the run")
        return row
    if now.dropped:
        row.notes.append(f"{now.dropped} disturbed process(es) dropped")
    ends = sorted((row.worse(now.lo), row.worse(now.hi)))
    if now.processes < settings.min_processes:
        row.verdict = INCONCLUSIVE
        row.notes.append(
            f"only {now.processes} undisturbed process(es) on one side "
            f"(< {settings.min_processes}): unstable data"
        )
    elif ends[0] > 1 + tol:
        # The whole interval is beyond the tolerance: a regression, however wide the
        # interval (interference only slows runs down, so a wide interval that still
        # clears the tolerance is no weaker evidence). Re-measured before it counts.
        row.verdict = REGRESSION
    elif ends[1] - ends[0] > settings.max_ci_factor * tol:
        # Too wide to call a pass: unstable data, not a failure.
        row.verdict = INCONCLUSIVE
        row.notes.append(
            f"CI too wide ({(ends[1] - ends[0]) * 100:.0f}% > "
            f"{settings.max_ci_factor * tol * 100:.0f}%): unstable data"
        )
    elif ends[1] < 1 - tol:
        row.notes.append("improved beyond the tolerance: consider refreshing the baseline")
    return row


def _version(version: str, level: str) -> str:
    parts = version.split(".")
    return ".".join(parts[: 2 if level == "minor" else 3])


def compare_env(
    base: Environment,
    now: Environment,
    *,
    version_level: str = "minor",
    arms: Iterable[str] | None = None,
) -> list[str]:
    """Named differences that make a run incomparable with ``base`` (empty: comparable).

    Compared: CPU count; per arm, the Python version (to ``version_level``: "minor" or
    "micro"), the build (Py_GIL_DISABLED), the performance-relevant build flags and the
    observed GIL state. Fields one side does not record are not compared.
    """
    differences: list[str] = []
    if base.cpu_count and now.cpu_count and base.cpu_count != now.cpu_count:
        differences.append(f"cpu count: baseline {base.cpu_count}, now {now.cpu_count}")
    wanted = set(arms) if arms is not None else set(base.arms)
    for arm in [a for a in base.arms if a in wanted and a in now.arms]:
        b, n = base.arms[arm], now.arms[arm]
        fields = (
            (
                "python version",
                b.python_version and _version(b.python_version, version_level),
                n.python_version and _version(n.python_version, version_level),
                b.python_version,
                n.python_version,
            ),
            (
                "build (Py_GIL_DISABLED)",
                b.py_gil_disabled,
                n.py_gil_disabled,
                b.py_gil_disabled,
                n.py_gil_disabled,
            ),
            (
                "build flags",
                None if b.build_flags is None else frozenset(b.build_flags),
                None if n.build_flags is None else frozenset(n.build_flags),
                " ".join(b.build_flags or []) or "(none)",
                " ".join(n.build_flags or []) or "(none)",
            ),
            ("GIL state", b.gil_enabled, n.gil_enabled, b.gil_enabled, n.gil_enabled),
        )
        for label, base_key, now_key, base_text, now_text in fields:
            # "" and None mean "not recorded": not compared.
            if base_key in ("", None) or now_key in ("", None):
                continue
            if base_key != now_key:
                differences.append(f"{arm} {label}: baseline {base_text}, now {now_text}")
    return differences


def _pair_problems(env: Environment) -> list[str]:
    """Why the run's gil and ft arms are not a matched pair (concepts.matching's rule)."""
    gil, ft = env.arms.get("gil"), env.arms.get("ft")
    if gil is None or ft is None:
        return []
    return matching.pair_mismatches(
        gil.python_version, gil.config_args, ft.python_version, ft.config_args
    )


def busy(env: Environment, factor: float) -> str | None:
    """Why ``env``'s machine counts as busy (more runnable tasks than CPUs), or None.

    Our own benchmark threads put the load at about 1.5 on 2 CPUs; another job's push
    it past the CPU count. Without load metadata (or with ``factor`` 0) never busy.
    """
    if env.load is None or not env.cpu_count or factor <= 0:
        return None
    if env.load <= factor * env.cpu_count:
        return None
    return f"machine busy (median load average {env.load:.2f} on {env.cpu_count} CPUs)"


def _keys(rows: Iterable[Row]) -> set[Key]:
    keys: set[Key] = set()
    for row in rows:
        keys.add(row.metric.spec.num)
        keys.add(row.metric.spec.den)
    return keys


Remeasure = Callable[[set[Key]], ResultSet]
"""Runs just these (arm, benchmark, threads) again and returns the new result set."""


def run_gate(
    baseline: Baseline,
    results: ResultSet,
    settings: GateSettings,
    *,
    remeasure: Remeasure | None = None,
    baseline_source: str = "",
) -> GateReport:
    """Judge ``results`` against ``baseline``; re-measure flagged metrics when possible."""
    notes: list[str] = []

    def judge_all(data: ResultSet, metrics: Iterable[BaselineMetric]) -> list[Row]:
        return [
            judge(
                m,
                estimate(
                    data,
                    m.spec,
                    statistic=baseline.statistic,
                    n_boot=settings.n_boot,
                    seed=settings.seed,
                    confidence=settings.confidence,
                ),
                settings,
            )
            for m in metrics
        ]

    rows = judge_all(results, baseline.metrics.values())
    arms = {arm for m in baseline.metrics.values() for arm in (m.spec.num[0], m.spec.den[0])}
    differences = compare_env(
        baseline.environment, results.env, version_level=settings.version_level, arms=arms
    )
    base_env, now_env = baseline.environment, results.env
    if base_env.cpu_model and now_env.cpu_model and base_env.cpu_model != now_env.cpu_model:
        notes.append(
            f"CPU model differs (not gated): baseline {base_env.cpu_model}, now {now_env.cpu_model}"
        )
    for problem in _pair_problems(results.env):
        notes.append(f"the run's arms are not a matched pair: {problem}")
    if results.injected:
        notes.append(
            "TEST-ONLY slowdown injected into this run ("
            + "; ".join(results.injected)
            + "): it cannot pass as a real measurement"
        )

    flagged = [row for row in rows if row.verdict in (REGRESSION, INCONCLUSIVE)]
    if differences:
        notes.append(
            "environment differs from the baseline: verdicts are not trusted, no re-measure"
        )
    elif flagged and remeasure is None:
        notes.append(f"{len(flagged)} flagged metric(s) not re-measured (--no-remeasure)")
    elif flagged and remeasure is not None:
        rows = _remeasure(rows, flagged, results, remeasure, settings, judge_all, notes)

    busy_now = busy(results.env, settings.max_load_factor)
    if busy_now:
        notes.append(f"{busy_now} during the run: its regressions are not trusted")
        for row in rows:
            if row.verdict == REGRESSION and not row.remeasured:
                row.verdict = INCONCLUSIVE
                row.notes.append("measured on a busy machine")

    verdict = _overall(rows, differences, results, settings)
    return GateReport(
        verdict,
        rows,
        differences,
        notes,
        baseline_source,
        results.source,
        settings,
        baseline.statistic.describe(),
    )


def _remeasure(
    rows: list[Row],
    flagged: list[Row],
    results: ResultSet,
    remeasure: Remeasure,
    settings: GateSettings,
    judge_all: Callable[[ResultSet, Iterable[BaselineMetric]], list[Row]],
    notes: list[str],
) -> list[Row]:
    try:
        extra = remeasure(_keys(flagged))
    except MeasureError as exc:
        notes.append(f"re-measure failed: {exc}")
        for row in flagged:
            if row.verdict == REGRESSION:
                row.verdict = INCONCLUSIVE
                row.notes.append("flagged, but could not be re-measured")
        return rows
    drift = compare_env(results.env, extra.env, version_level=settings.version_level)
    if drift:
        notes.append("re-measurement ran in another environment: " + "; ".join(drift))
    busy_again = busy(extra.env, settings.max_load_factor)
    if busy_again:
        notes.append(f"{busy_again} during the re-measurement")
    combined = results.merged(extra)
    again = {row.name: row for row in judge_all(combined, (r.metric for r in flagged))}
    alone = {row.name: row for row in judge_all(extra, (r.metric for r in flagged))}
    updated: list[Row] = []
    for row in rows:
        if row.name not in again:
            updated.append(row)
            continue
        new = replace(again[row.name], remeasured=True)
        new.notes = [f"first run: {row.verdict}", *new.notes]
        solo = alone[row.name].now
        if new.verdict == REGRESSION and (
            solo is None or new.worse(solo.value) <= 1 + new.tolerance
        ):
            new.verdict = INCONCLUSIVE
            new.notes.append("the re-measurement alone did not confirm the regression")
        if (drift or busy_again) and new.verdict == REGRESSION:
            new.verdict = INCONCLUSIVE
            new.notes.append("re-measured on a busy machine or in another environment")
        updated.append(new)
    notes.append(f"re-measured {len(again)} flagged metric(s) ({len(_keys(flagged))} benchmarks)")
    return updated


def _overall(
    rows: list[Row], differences: list[str], results: ResultSet, settings: GateSettings
) -> str:
    if differences:
        return INCONCLUSIVE
    if any(row.verdict == REGRESSION for row in rows):
        return REGRESSION
    if any(row.verdict == INCONCLUSIVE for row in rows):
        return INCONCLUSIVE
    if not settings.allow_missing and any(row.verdict == MISSING for row in rows):
        return INCONCLUSIVE
    if not any(row.verdict == PASS for row in rows):
        return INCONCLUSIVE  # nothing was compared at all
    if results.injected:
        return INCONCLUSIVE
    return PASS
