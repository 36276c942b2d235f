"""Results that physics forbids: flagged as measurement artefacts, never read as findings.

A benchmark on a shared, noisy machine can produce numbers no interpreter could: a
process slowed by another tenant on one side of a ratio is enough. The report checks
every result against what is physically possible and lists each violation first, with
the cell and the reason:

- a **GIL arm's speedup above 1** on work that is pure Python and never waits (the
  workloads whose threads share nothing, concepts.families ``independent``), beyond
  its interval: under a GIL such code runs one thread at a time;
- **any speedup above the workload's own ideal** (min(N, cores) for per-thread work, 1
  for a fixed amount of shared work, ...), beyond its interval;
- an **ft/gil ratio below the ft-gil/gil ratio at 1 thread**, beyond both intervals: with
  one thread there is no parallelism to gain, so removing the GIL from the same binary
  cannot make it faster than the GIL build by more than the build itself does;
- a race variant that **lost nothing from too few trials** whose threads ran together
  (concepts.races): that is no evidence of safety.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd

from concepts.arms import ARMS
from concepts.families import traits

MIN_SAFE_TRIALS = 10
"""Overlapping trials a zero loss needs before it says anything about safety."""


@dataclass(frozen=True)
class Artefact:
    """One result that cannot be physically true."""

    group: str
    cell: str
    reason: str

    def line(self) -> str:
        return f"{self.cell}: {self.reason}"


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The frame's rows with their columns as attributes (untyped, as pandas' are)."""
    for record in frame.to_dict("records"):
        yield SimpleNamespace(**{str(k): v for k, v in record.items()})


def _finite(*values: object) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def speedups(summary: pd.DataFrame) -> list[Artefact]:
    """Speedups above 1 on a GIL arm for no-sharing pure-Python work, or above the ideal."""
    found = []
    for row in _rows(summary):
        if not _finite(row.speedup, row.speedup_lo) or row.threads == row.speedup_base:
            continue
        cell = f"{row.arm} {row.family}-{row.variant} at {row.threads} threads"
        workload = traits(f"{row.family}-{row.variant}")
        gil = ARMS[str(row.arm)].expect_gil_enabled if str(row.arm) in ARMS else False
        if gil and workload.independent and row.speedup_lo > 1.0:
            found.append(
                Artefact(
                    str(row.group),
                    cell,
                    f"speedup {row.speedup:.2f} (interval from {row.speedup_lo:.2f}) on a GIL"
                    " arm, for pure-Python threads that share nothing: a GIL runs them one at"
                    " a time",
                )
            )
        elif _finite(row.ideal) and row.speedup_lo > row.ideal:
            found.append(
                Artefact(
                    str(row.group),
                    cell,
                    f"speedup {row.speedup:.2f} (interval from {row.speedup_lo:.2f}) above"
                    f" the workload's ideal {row.ideal:g}",
                )
            )
    return found


def build_floor(ratios: pd.DataFrame) -> list[Artefact]:
    """ft/gil at 1 thread below ft-gil/gil beyond both intervals."""
    if ratios.empty:
        return []
    found = []
    one = ratios[ratios["threads"] == 1]
    ft = one[(one["num"] == "ft") & (one["den"] == "gil")]
    ft_gil = one[(one["num"] == "ft-gil") & (one["den"] == "gil")]
    floors = {(r.group, r.family, r.variant): r for r in _rows(ft_gil)}
    for row in _rows(ft):
        key = (row.group, row.family, row.variant)
        if key not in floors:
            continue
        floor = floors[key]
        if _finite(row.hi, floor.lo) and row.hi < floor.lo:
            group, family, variant = key
            found.append(
                Artefact(
                    str(group),
                    f"ft/gil {family}-{variant} at 1 thread",
                    f"{row.ratio:.2f} (up to {row.hi:.2f}) below the same binary with"
                    f" the GIL on, ft-gil/gil {floor.ratio:.2f} (from {floor.lo:.2f}):"
                    " one thread has no parallelism to gain",
                )
            )
    return found


def zero_losses(loss: pd.DataFrame, safe: tuple[str, ...]) -> list[Artefact]:
    """Unsafe race variants at 2+ threads that lost nothing from too few counted trials."""
    found = []
    for row in _rows(loss):
        if row.variant in safe or row.threads < 2 or row.trials_with_loss > 0:
            continue
        if row.trials < MIN_SAFE_TRIALS:
            aside = f", {row.set_aside} set aside (threads ran one after another)"
            found.append(
                Artefact(
                    str(row.group),
                    f"race {row.arm} {row.variant} at {row.threads} threads",
                    f"no update lost, but from {row.trials} trials whose threads ran together"
                    f"{aside if row.set_aside else ''}: too few to call it safe"
                    f" (needs {MIN_SAFE_TRIALS})",
                )
            )
    return found
