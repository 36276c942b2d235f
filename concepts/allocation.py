"""Where a sweep's next round goes: the comparisons it wants precise, and the rule.

A sweep first gives every benchmark a few rounds; then it spends the rest of its time
budget one round at a time. What it wants precise are *comparisons*: the ratio of each
side to the first side at every benchmark (ft/gil), and each side's speedup from its
base thread count to the largest thread count within the usable CPUs. Each has a target
half-width for its 95% CI (concepts.stats.TARGETS).

The rule (:func:`next_cell`): among the comparisons still wider than their target, the
next round goes to the one that the fewest predicted seconds bring within its target
(a half-width falls as 1 / sqrt(processes)), so that the budget buys as many precise
comparisons as it can; a comparison that would need more rounds than a benchmark may
get is given up, with that reason. ``python -m analysis.design_study`` compares this
rule with giving the round to the widest comparison, on committed raw data.

Standard library only: the runner (runners.bench.rounds) and the design study both
use these definitions, on cells that say how to read their processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from concepts import stats
from concepts.families import traits


class Measured(Protocol):
    """One benchmark (a workload at a thread count) across the sides of a sweep."""

    @property
    def name(self) -> str: ...
    @property
    def workload(self) -> str: ...
    @property
    def threads(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def rounds(self) -> int: ...
    @property
    def seconds_per_round(self) -> float: ...
    @property
    def failed(self) -> bool: ...
    def statistics(self, side: str, kind: str) -> list[float]: ...


@dataclass
class Comparison:
    """A ratio a sweep wants precise: ``num`` over ``den`` (cell, side) pairs."""

    label: str
    num: tuple[Measured, str]
    den: tuple[Measured, str]
    kind: str
    """Whose statistic both cells use (like with like: concepts.stats.common_kind)."""
    target: float
    speedup: bool = False
    given_up: str = ""
    """Why no more rounds go to it (a side failed, no interval)."""
    out_of_reach: str = ""
    """Why it cannot meet its target within ``max_rounds`` (it still gets rounds once
    every comparison within reach is served: a narrower interval is worth having)."""

    def interval(self, confidence: float = stats.CONFIDENCE) -> tuple[float, float, float]:
        num = self.num[0].statistics(self.num[1], self.kind)
        den = self.den[0].statistics(self.den[1], self.kind)
        if len(num) < 2 or len(den) < 2:
            return math.nan, math.nan, math.nan
        return stats.ratio_interval(num, den, confidence)

    def halfwidth(self) -> float:
        return stats.relative_halfwidth(*self.interval())

    @property
    def cells(self) -> list[Measured]:
        return [self.num[0]] if self.num[0] is self.den[0] else [self.num[0], self.den[0]]

    def rounds_needed(self, processes_per_round: int) -> float:
        """Predicted rounds to reach the target, from the fewest processes of its cells:
        the half-width falls as 1 / sqrt(processes)."""
        width = self.halfwidth()
        if not math.isfinite(width):
            return math.inf
        if width <= self.target:
            return 0.0
        fewest = min(len(c.statistics(s, self.kind)) for c, s in (self.num, self.den))
        wanted = fewest * (width / self.target) ** 2
        return float(math.ceil((wanted - fewest) / processes_per_round))


def comparisons(
    cells: Sequence[Measured], sides: Sequence[str], cores: int, targets: dict[str, float]
) -> list[Comparison]:
    """Every side's ratio to the first side per cell, and every side's speedup from the
    workload's base thread count to the largest thread count within ``cores``."""
    found: list[Comparison] = []
    reference = sides[0]
    for cell in cells:
        for side in sides[1:]:
            found.append(
                Comparison(
                    f"{side}/{reference} {cell.name}",
                    (cell, side),
                    (cell, reference),
                    cell.kind,
                    targets[cell.kind],
                )
            )
    by_workload: dict[str, dict[int, Measured]] = {}
    for cell in cells:
        by_workload.setdefault(cell.workload, {})[cell.threads] = cell
    for workload, counts in by_workload.items():
        base_n = traits(workload).base_threads()
        top = max((n for n in counts if n <= cores), default=None)
        if top is None or base_n not in counts or top <= base_n:
            continue
        base, cell = counts[base_n], counts[top]
        kind = stats.common_kind(base.kind, cell.kind)
        for side in sides:
            found.append(
                Comparison(
                    f"speedup {side} {workload} t{base_n}/t{top}",
                    (base, side),
                    (cell, side),
                    kind,
                    targets[stats.SHARED],
                    speedup=True,
                )
            )
    return found


Rule = Callable[[Comparison, float, float], float]
"""(comparison, predicted rounds needed, seconds per round) -> priority (lower first)."""


def cheapest_first(comparison: Comparison, needed: float, seconds_per_round: float) -> float:
    """Priority: the predicted seconds that bring the comparison within its target."""
    del comparison
    return needed * seconds_per_round


def widest_first(comparison: Comparison, needed: float, seconds_per_round: float) -> float:
    """Priority: the comparison widest relative to its target first (the alternative)."""
    del needed, seconds_per_round
    return -comparison.halfwidth() / comparison.target


def next_cell(
    wanted: Sequence[Comparison],
    processes_per_round: int,
    max_rounds: int,
    seconds_left: float,
    rule: Rule = cheapest_first,
) -> Measured | None:
    """The cell whose next round the rule prefers, or None when none is worth a round.

    Comparisons within target, given up (a side failed, no interval) or at
    ``max_rounds`` are skipped. One whose predicted rounds exceed what its cells may
    still get is out of reach: it is served after every comparison within reach (by the
    same rule), since a narrower interval is still worth the time that is left. A round
    that does not fit in ``seconds_left`` is not taken.
    """
    best: tuple[tuple[bool, float], Measured] | None = None
    for comparison in wanted:
        if comparison.given_up:
            continue
        cells = comparison.cells
        if any(c.failed for c in cells):
            comparison.given_up = "a side failed"
            continue
        needed = comparison.rounds_needed(processes_per_round)
        if needed == 0:
            continue
        if not math.isfinite(needed):
            comparison.given_up = "no interval"
            continue
        open_cells = [c for c in cells if c.rounds < max_rounds]
        if not open_cells:
            continue
        room = max(max_rounds - c.rounds for c in open_cells)
        beyond = needed > room
        if beyond:
            comparison.out_of_reach = (
                f"needs about {needed:.0f} more rounds, beyond the {max_rounds} a benchmark may get"
            )
        # Of its cells, the one with the fewest rounds gains most from one more.
        cell = min(open_cells, key=lambda c: (c.rounds, c.seconds_per_round))
        if cell.seconds_per_round > seconds_left:
            continue
        priority = (beyond, rule(comparison, needed, max(c.seconds_per_round for c in cells)))
        if best is None or priority < best[0]:
            best = (priority, cell)
    return None if best is None else best[1]


def why_wide(comparison: Comparison) -> str:
    """Why a comparison ended wider than its target: given up, bimodal, disturbed, budget."""
    if comparison.given_up:
        return comparison.given_up
    notes = [comparison.out_of_reach] if comparison.out_of_reach else []
    for cell, side in (comparison.num, comparison.den):
        values = sorted(cell.statistics(side, comparison.kind))
        if len(values) < 4:
            continue
        logs = [math.log(v) for v in values]
        middle = stats.median(logs)
        spread = stats.median([abs(x - middle) for x in logs])
        quarter = max(1, len(logs) // 4)
        gap = max(logs[i + 1] - logs[i] for i in range(quarter - 1, len(logs) - quarter))
        if gap > 0.1 and gap > 4 * spread:
            notes.append(
                f"bimodal ({cell.name} on {side}: two groups of processes"
                f" {math.exp(gap):.2f}x apart)"
            )
        elif values[-1] > 1.3 * math.exp(middle):
            notes.append(
                f"disturbed ({cell.name} on {side}: a process"
                f" {values[-1] / math.exp(middle):.2f}x the median)"
            )
    return "; ".join(notes) or "budget spent"
