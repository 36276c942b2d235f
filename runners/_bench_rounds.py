"""One benchmark measured in interleaved rounds: every arm in every round, order alternating.

The machines this runs on drift: the same benchmark measured 90 and 155 ns/op forty
minutes apart on an idle machine, and for bursts of seconds a whole process can run
1.5-2x slower. Arms measured one after the other would put that drift into the ft/gil
ratio. So a benchmark is measured in rounds: in each round every arm of the sweep runs
one pyperf master of ``processes`` worker processes, the order of the arms reversed
every other round (gil, ft, ft, gil, gil, ft ...), so that a slow stretch weighs on
every arm alike and no arm always goes first.

The first ``first_rounds`` rounds always run (the first one calibrates each arm's
loops; later rounds reuse them). Then rounds are added, up to ``max_rounds``, while
the ratio to the first arm (or, for a lone arm, its own estimate) has a 95% CI wider
than ``target`` and the sweep's time budget allows. Precision is judged with the
estimator the report uses (concepts.stats).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from concepts.stats import bootstrap_location, bootstrap_ratio, process_value, relative_halfwidth
from runners._bench_one import ArmRunner, Outcome, Planned
from runners._bench_stats import summarize


@dataclass(frozen=True)
class RoundPlan:
    """How many rounds and processes a benchmark gets."""

    processes: int = 2
    """Worker processes per arm per round."""
    first_rounds: int = 3
    """Rounds every benchmark gets (enough processes for a 95% CI: 3 x 2 >= 5)."""
    max_rounds: int = 8
    target: float | None = 0.05
    """Wanted relative CI half-width of the ratios; None: run ``first_rounds`` only."""
    n_boot: int = 1000
    """Resamples for the stopping rule (the report recomputes with its own)."""


def process_values(bench: Any) -> list[float]:
    """Each worker process's statistic (its fastest value), in the order they ran."""
    return [process_value(run.values) for run in bench.get_runs() if run.values]


def precision(benches: dict[str, Any], reference: str, n_boot: int = 1000) -> dict[str, float]:
    """Relative 95% CI half-width per arm: of its ratio to ``reference``, or of its own
    estimate when it is the only arm (the reference arm gets the widest of its ratios)."""
    values = {arm: process_values(bench) for arm, bench in benches.items()}
    if len(values) == 1 or reference not in values:
        return {
            arm: relative_halfwidth(*bootstrap_location(vals, n_boot=n_boot))
            for arm, vals in values.items()
        }
    widths = {
        arm: relative_halfwidth(*bootstrap_ratio(vals, values[reference], n_boot=n_boot))
        for arm, vals in values.items()
        if arm != reference
    }
    widths[reference] = max(widths.values())
    return widths


def _same_shape(bench: Any) -> list[str]:
    """pyperf options repeating a finished run's values, warmups and loops (no recalibration)."""
    last = [run for run in bench.get_runs() if run.values][-1]
    return [
        "--values", str(len(last.values)),
        "--warmups", str(len(last.warmups)),
        "--loops", str(last.get_loops()),
    ]  # fmt: skip


def measure(
    item: Planned,
    runners: Sequence[ArmRunner],
    plan: RoundPlan,
    allowance: Callable[[float], float] | None = None,
) -> list[Outcome]:
    """Measure ``item`` on every arm in interleaved rounds; one Outcome per arm.

    ``allowance(first_seconds)`` says how many seconds the added rounds may take, given
    that the first rounds took ``first_seconds``. A failure on one arm ends the
    benchmark: that arm gets the failure, the others keep what they finished (their
    outcome says the rounds they got).
    """
    start = time.monotonic()
    benches: dict[str, Any] = {}
    rounds = 0
    first_seconds = 0.0
    spare = math.inf
    failure: tuple[str, str, str] | None = None  # (arm, status, message)
    reference = runners[0].side
    while rounds < plan.max_rounds and failure is None:
        if rounds >= plan.first_rounds:
            if plan.target is None:
                break
            widths = precision(benches, reference, plan.n_boot)
            if max(widths.values()) <= plan.target:
                break
            per_round = first_seconds / plan.first_rounds
            if time.monotonic() - start - first_seconds + per_round > spare:
                break  # out of the sweep's time budget
        order = runners if rounds % 2 == 0 else list(reversed(runners))
        for runner in order:
            name = runner.side
            extra = ["--processes", str(plan.processes)]
            if name in benches:
                extra += _same_shape(benches[name])
            result = runner.attempt(item, extra)
            if isinstance(result, tuple):
                failure = (name, *result)
                break
            if name in benches:
                benches[name].add_runs(result)
            else:
                benches[name] = result
        rounds += 1
        if rounds == plan.first_rounds:
            first_seconds = time.monotonic() - start
            spare = allowance(first_seconds) if allowance is not None else math.inf
    seconds = time.monotonic() - start
    first_seconds = first_seconds or seconds
    widths = precision(benches, reference, plan.n_boot) if benches else {}
    outcomes = []
    for runner in runners:
        name = runner.side
        if failure is not None and failure[0] == name:
            outcomes.append(
                Outcome(item.name, failure[1], failure[2], seconds, first_seconds=first_seconds)
            )
            continue
        bench = benches.get(name)
        if bench is None:
            message = f"not measured: arm {failure[0]} failed first" if failure else "no result"
            outcomes.append(Outcome(item.name, "failed", message, seconds))
            continue
        half = widths.get(name)
        outcomes.append(
            Outcome(
                item.name,
                "ok",
                "",
                seconds,
                summarize(bench),
                bench,
                len(process_values(bench)),
                rounds,
                None if half is None or not math.isfinite(half) else half,
                first_seconds,
            )
        )
    return outcomes
