"""Workloads for gilbench's own tests: a hang, a wrong result, a GIL flip, a trivial loop,
and a thread-owned setup that records which thread ran it.

Loaded only through ``runners.bench --workload-file tests/workloads_for_tests.py`` (the
option is forwarded to pyperf's workers), so these never appear in a normal run. They
register under their own family, added to the registry's order here.
"""

from __future__ import annotations

import sys
import threading

from benchmarks import Prepared, ThreadSetup, WorkloadError, workload

FAMILY = "gilbench-test"
_GIL_AT_IMPORT = bool(getattr(sys, "_is_gil_enabled", lambda: True)())


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


@workload(FAMILY, "thread-owned", ops_per_thread=100)
def thread_owned(threads: int, ops: int) -> Prepared:
    """Each thread's setup records its thread; the check wants the timed thread to match.

    The setup's thread must also differ from the preparing thread and from every other
    worker's, and the setup must have run before that thread's timed work.
    """
    preparing = threading.get_ident()
    made: list[int | None] = [None] * threads
    ran: list[int | None] = [None] * threads

    def setup(index: int) -> ThreadSetup:
        def make() -> object:
            made[index] = threading.get_ident()
            state = [0]  # created by the worker thread itself

            def work() -> None:
                if made[index] is None:
                    raise WorkloadError("the timed work ran before its setup")
                for _ in range(ops):
                    state[0] += 1
                ran[index] = threading.get_ident()

            return work

        return ThreadSetup(make)

    def check() -> None:
        if None in made or made != ran:
            raise WorkloadError(f"setup ran in threads {made}, timed work in {ran}")
        if preparing in made or len(set(made)) != threads:
            raise WorkloadError(f"setup threads {made} (preparing thread {preparing})")

    return Prepared([setup(i) for i in range(threads)], threads * ops, check)
