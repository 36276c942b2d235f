"""Workloads for gilbench's own tests: a hang, a wrong result, a GIL flip, a trivial loop.

Loaded only through ``runners.bench --workload-file tests/workloads_for_tests.py`` (the
option is forwarded to pyperf's workers), so these never appear in a normal run. They
register under their own family, added to the registry's order here.
"""

from __future__ import annotations

import sys
import threading

from benchmarks._registry import FAMILY_ORDER, Prepared, WorkloadError, workload

FAMILY = "gilbench-test"
_GIL_AT_IMPORT = bool(getattr(sys, "_is_gil_enabled", lambda: True)())
if FAMILY not in FAMILY_ORDER:
    FAMILY_ORDER.append(FAMILY)


@workload(FAMILY, "noop", ops_per_thread=2000)
def noop(threads: int, ops: int) -> Prepared:
    """A short empty loop per thread: a benchmark that always succeeds quickly."""

    def work() -> None:
        for _ in range(ops):
            pass

    return Prepared([work] * threads, threads * ops)


@workload(FAMILY, "hang", ops_per_thread=1)
def hang(threads: int, ops: int) -> Prepared:
    """Every thread waits on an Event nobody sets: a deadlock the timeout must stop."""
    never = threading.Event()
    return Prepared([never.wait] * threads, threads * ops)


@workload(FAMILY, "wrong", ops_per_thread=1000)
def wrong(threads: int, ops: int) -> Prepared:
    """Runs fine but its check always fails: the benchmark must fail, not give a number."""

    def work() -> None:
        for _ in range(ops):
            pass

    def check() -> None:
        raise WorkloadError("deliberately wrong result (test workload)")

    return Prepared([work] * threads, threads * ops, check)


@workload(FAMILY, "gil-flip", ops_per_thread=1000)
def gil_flip(threads: int, ops: int) -> Prepared:
    """Pretends the GIL state changed during the timed region (patches sys._is_gil_enabled)."""

    def work() -> None:
        for _ in range(ops):
            pass
        # What a worker would see if an import had turned the GIL on (or off) mid-run.
        sys._is_gil_enabled = lambda: not _GIL_AT_IMPORT  # type: ignore[attr-defined]

    return Prepared([work] * threads, threads * ops)
