"""Benchmark cells: the rows of one benchmark at one thread count on one arm, each worker
process's statistic (concepts.stats), and the workload's traits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.metrics.intervals import basis_label
from concepts import stats
from concepts.arms import arm_sort_key
from concepts.families import Traits, family_sort_key
from concepts.families import traits as table_traits

CELL = ["group", "arm", "family", "variant", "threads"]
"""Columns identifying one benchmark cell."""


# --------------------------------------------------------------------------- samples


def gilbench_rows(bench: pd.DataFrame) -> pd.DataFrame:
    """Rows of gilbench benchmarks whose GIL metadata matches their arm.

    Foreign benchmarks (no family) and rows that contradict their arm's expected GIL
    state are left out here; the report lists both.
    """
    if bench.empty:
        return bench
    keep = bench["family"].notna() & bench["threads"].notna() & bench["arm"].notna()
    keep &= bench["gil_valid"].fillna(True).astype(bool)
    rows = bench[keep].copy()
    rows["variant"] = rows["variant"].where(rows["variant"].notna(), rows["benchmark"])
    rows["threads"] = rows["threads"].astype(int)
    return rows


RUN = [*CELL, "source", "benchmark", "run"]


def per_process(bench: pd.DataFrame) -> pd.DataFrame:
    """One row per worker process: its statistic (``process_value``: the statistic of its
    cell's kind of row, concepts.stats), the row's ``kind`` and its value count."""
    rows = gilbench_rows(bench)
    columns = [*RUN, "kind", "process_value", "n_values"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    kinds = {key: _kind(int(str(key[4])), t) for key, t in _traits_by_cell(rows).items()}
    records = []
    for key, values in _runs(rows):
        kind = kinds[key[: len(CELL)]]
        records.append([*key, kind, stats.process_statistic(list(values), kind), len(values)])
    return pd.DataFrame(records, columns=columns)


def _groups(rows: pd.DataFrame, by: list[str]) -> list[tuple[Any, np.ndarray]]:
    """(key, row positions) of each group of ``rows`` by ``by``, keys sorted, positions in
    row order; what ``rows.groupby(by, sort=True)`` iterates, without building frames."""
    indices = rows.groupby(by, sort=True).indices
    return sorted(((key, np.asarray(at)) for key, at in indices.items()), key=lambda kv: kv[0])


def _runs(rows: pd.DataFrame) -> list[tuple[Any, tuple[float, ...]]]:
    """Each worker process's key (RUN) and values in the order they were recorded."""
    values = rows["value"].to_numpy(dtype=float)
    return [(key, tuple(values[positions].tolist())) for key, positions in _groups(rows, RUN)]


def _kind(threads: int, traits: Traits) -> str:
    return stats.row_kind(threads, traits.helper_threads)


def first_recorded(frame: pd.DataFrame, column: str) -> object:
    """The first recorded (non-missing) value of ``column`` in ``frame``, or None."""
    if column not in frame:
        return None
    present = frame[column].dropna()
    return present.iloc[0] if not present.empty else None


@dataclass(frozen=True)
class Sample:
    """One benchmark cell: each process's values and what the workload is."""

    runs: tuple[tuple[float, ...], ...]
    """Each worker process's values, in the order they ran."""
    threads: int
    traits: Traits
    threads_total: float | None = None
    """Median measured threads_total of its runs (None: not recorded)."""
    sessions: frozenset[str] = frozenset()
    interleaved: bool | None = None
    """True when every run says its arms alternated per benchmark; None: not recorded."""

    @property
    def kind(self) -> str:
        """ALONE or SHARED (concepts.stats.row_kind): which per-process statistic it uses."""
        return _kind(self.threads, self.traits)

    def statistics(self, kind: str | None = None) -> list[float]:
        """Each process's statistic for ``kind`` (default: the cell's own)."""
        return [stats.process_statistic(run, kind or self.kind) for run in self.runs]

    @property
    def process_values(self) -> list[float]:
        """Each process's statistic for the cell's own kind of row."""
        return self.statistics()

    @property
    def n_values(self) -> int:
        return sum(len(run) for run in self.runs)

    @property
    def n_processes(self) -> int:
        return len(self.runs)

    @property
    def location(self) -> float:
        return stats.location(self.process_values)

    @property
    def basis(self) -> str:
        return basis_label([self.n_processes])


Key = tuple[str, str, str, str, int]
"""(group, arm, family, variant, threads)."""


def _cell_traits(frame: pd.DataFrame, family: str, variant: str) -> Traits:
    return _recorded_traits(
        family, variant, **{c: first_recorded(frame, c) for c in _TRAIT_COLUMNS}
    )


_TRAIT_COLUMNS = ("role", "ideal", "helper_threads", "mode")
"""Trait columns a results file may record (else concepts.families' table is used)."""


def _recorded_traits(
    family: str, variant: str, role: object, ideal: object, helper_threads: object, mode: object
) -> Traits:
    table = table_traits(f"{family}-{variant}")
    return Traits(
        role=str(role) if role is not None else table.role,
        ideal=str(ideal) if ideal is not None else table.ideal,
        helper_threads=(
            int(str(helper_threads)) if helper_threads is not None else table.helper_threads
        ),
        independent=table.independent,
        mode=str(mode) if mode is not None else table.mode,
        known=table.known,
    )


def _column(rows: pd.DataFrame, column: str) -> np.ndarray | None:
    return rows[column].to_numpy() if column in rows else None


def _traits_by_cell(rows: pd.DataFrame) -> dict[Any, Traits]:
    """Each cell's traits (as the file recorded them, else concepts.families'), keyed by
    the pandas group key of ``rows.groupby(CELL)``."""
    recorded = {c: _column(rows, c) for c in _TRAIT_COLUMNS}
    return {
        key: _recorded_traits(
            str(key[2]),
            str(key[3]),
            **{c: _first(_present(a, at)) for c, a in recorded.items()},
        )
        for key, at in _groups(rows, CELL)
    }


def samples(bench: pd.DataFrame) -> dict[Key, Sample]:
    """Each benchmark cell's :class:`Sample`."""
    rows = gilbench_rows(bench)
    if rows.empty:
        return {}
    runs_of: dict[Any, list[tuple[float, ...]]] = {}
    for key, values in _runs(rows):
        runs_of.setdefault(key[: len(CELL)], []).append(values)
    traits_of = _traits_by_cell(rows)
    totals, sessions, flags = (
        _column(rows, column) for column in ("threads_total", "session", "interleaved")
    )
    out: dict[Key, Sample] = {}
    for key, at in _groups(rows, CELL):
        cell: Key = (str(key[0]), str(key[1]), str(key[2]), str(key[3]), int(str(key[4])))
        cell_totals = _present(totals, at).astype(float)
        cell_flags = _present(flags, at)
        out[cell] = Sample(
            tuple(runs_of.get(key, ())),
            cell[4],
            traits_of[key],
            float(np.median(cell_totals)) if len(cell_totals) else None,
            frozenset(str(s) for s in _present(sessions, at)),
            bool(all(bool(f) for f in cell_flags)) if len(cell_flags) else None,
        )
    return out


def _first(values: np.ndarray) -> object:
    """The first of ``values``, or None when there is none."""
    return values[0] if len(values) else None


def _present(column: np.ndarray | None, at: np.ndarray) -> np.ndarray:
    """The non-missing values of ``column`` at row positions ``at`` (empty: no column)."""
    if column is None:
        return np.asarray([], dtype=object)
    values = column[at]
    return values[pd.notna(values)]


def group_cores(bench: pd.DataFrame) -> dict[str, int]:
    """Core count N_c per group: the most common usable-CPU count of its rows."""
    out: dict[str, int] = {}
    if bench.empty:
        return out
    for group, frame in bench.groupby("group"):
        cores = frame["cores"].dropna()
        out[str(group)] = int(cores.mode().iloc[0]) if not cores.empty else 1
    return out


def at_cores(threads: Iterable[int], cores: int) -> int | None:
    """The thread count used "at the core count": the largest measured N <= cores."""
    eligible = [n for n in threads if n <= cores]
    return max(eligible) if eligible else None


def is_operation(family: str, variant: str) -> bool:
    """False for the harness's own benchmark (its value is not a per-operation cost)."""
    return table_traits(f"{family}-{variant}").role != "harness"


def aggregated(sample: Sample, role: str = "primitive") -> bool:
    """Whether a cell enters the ``role`` aggregate of its family (fixed-work mode only)."""
    return sample.traits.role == role and sample.traits.mode != "duration"


def effective_threads(sample: Sample, threads: int) -> float:
    """Threads the workload really ran: measured threads_total, else N + helpers."""
    if sample.threads_total is not None:
        return sample.threads_total
    return float(sample.traits.effective_threads(threads))


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sort by ``by`` with families and arms in report order."""
    if frame.empty:
        return frame

    def key(column: pd.Series) -> pd.Series:
        if column.name == "family":
            return column.map(lambda f: family_sort_key(str(f)))
        if column.name in ("arm", "num", "den"):
            return column.map(lambda a: arm_sort_key(str(a)))
        return column

    return frame.sort_values(by, key=key).reset_index(drop=True)
