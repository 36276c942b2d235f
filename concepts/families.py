"""The families and what each workload is: its role, its ideal scaling, its helper threads.

Standard library only: the benchmark registry, the measurement worker (which records
these traits in every result file) and the analysis all read this one table.

- **role**: ``primitive`` (the concurrency primitive the family is about), ``control``
  (the same work without the primitive, or without sharing: what the primitive is read
  against) or ``harness`` (times the measurement harness itself, not an operation).
  Family aggregates and crossovers use primitives only; controls are shown beside them.
- **ideal**: what perfect scaling means for the workload's speedup.
  ``per-thread``: every thread does its own share of the work, so the ideal speedup
  t(1)/t(N) is min(N, cores). ``fixed``: N threads share a fixed amount of work (one
  barrier phase, one broadcast round, one loop thread running every callback), so
  time per op cannot fall below its 1-thread value: the ideal is at most 1.
  ``pair``: the work is done by hand-off pairs; at N = 1 there is a thread with nobody to
  wake (a different operation), so speedup is taken relative to N = 2, t(2)/t(N), and its
  ideal is min(N // 2, cores) (each pair keeps about one core busy).
- **helper_threads**: threads (or processes) the workload runs besides its N measured
  threads (a pipeline's producer and consumer, an executor's submitting thread, the
  thread running a shared event loop). The effective thread count is N + helpers; a run
  with more effective threads than usable CPUs is oversubscribed.
- **independent**: the N threads share nothing (each its own data, lock or loop), so
  without a GIL the process should keep min(N, cores) CPUs busy; the report flags runs
  whose achieved parallelism falls short (short of CPUs).
- **mode**: ``work`` (each thread does a fixed amount of work: time per op) or
  ``duration`` (threads run until a stop flag and count their own operations; names
  end in ``-duration``: fairness is the question). A workload measured both ways counts
  once in aggregates, as its fixed-work version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

FAMILY_ORDER: tuple[str, ...] = (
    "increment",
    "locked-increment",
    "semaphore",
    "queue-pipeline",
    "event-loop",
    "cpu-control",
    "rlock",
    "barrier",
    "event",
    "condition",
    "thread-local",
    "executor",
    "ownership",
    "shared-object",
)
"""gilbench's families in report order; a family not listed here (a test's, a user's own
workloads) is ordered after them, by name (:func:`family_sort_key`)."""

FULL_RUN_FAMILIES: tuple[str, ...] = tuple(FAMILY_ORDER[:6])
"""The families a full run must contain (the six the suite was first built with); the
report names any of them that a run lacks."""

DURATION_SUFFIX = "-duration"


@dataclass(frozen=True)
class Traits:
    """What one workload is (see the module docstring for each field)."""

    role: str = "primitive"
    ideal: str = "per-thread"
    helper_threads: int = 0
    independent: bool = False
    mode: str = "work"
    known: bool = True
    """False for a workload this table does not list (a default was used)."""

    def effective_threads(self, threads: int) -> int:
        """Threads the workload really runs at ``threads``: N plus its helpers."""
        return threads + self.helper_threads

    def base_threads(self) -> int:
        """The thread count speedup is relative to: 2 for hand-off pairs, else 1."""
        return 2 if self.ideal == "pair" else 1

    def ideal_speedup(self, threads: int, cores: int) -> float:
        """The ideal speedup t(base)/t(N) at ``threads`` on ``cores`` usable CPUs."""
        return ideal_speedup(self.ideal, threads, cores)


PRIMITIVE, CONTROL, HARNESS = "primitive", "control", "harness"
"""The roles a workload can have (see the module docstring)."""

WORKLOADS: dict[str, Traits] = {
    # increment: the unprotected shared increment, and its no-sharing control.
    "increment-shared-list": Traits(PRIMITIVE),
    "increment-per-thread": Traits(CONTROL, independent=True),
    # locked-increment: one shared Lock / RLock around the shared increment.
    "locked-increment-lock-fine": Traits(PRIMITIVE),
    "locked-increment-lock-coarse": Traits(PRIMITIVE),
    "locked-increment-rlock-fine": Traits(PRIMITIVE),
    "locked-increment-rlock-coarse": Traits(PRIMITIVE),
    # semaphore: k holders of a shared pool; ``unlocked`` is the same work, per-thread.
    "semaphore-k1": Traits(PRIMITIVE),
    "semaphore-k-cores": Traits(PRIMITIVE),
    "semaphore-bounded-k-cores": Traits(PRIMITIVE),
    "semaphore-unlocked": Traits(CONTROL, independent=True),
    # queue-pipeline: N workers between a producer thread and a consumer thread.
    "queue-pipeline-queue": Traits(PRIMITIVE, helper_threads=2),
    # Fixed duration, no helpers: every thread puts and gets on one shared queue.Queue.
    "queue-pipeline-shared-duration": Traits(PRIMITIVE, mode="duration"),
    "queue-pipeline-simple-queue": Traits(PRIMITIVE, helper_threads=2),
    "queue-pipeline-lifo-queue": Traits(PRIMITIVE, helper_threads=2),
    "queue-pipeline-priority-queue": Traits(PRIMITIVE, helper_threads=2),
    # event-loop: one loop per thread (nothing shared), or one loop thread for all.
    "event-loop-generator-loop": Traits(PRIMITIVE, independent=True),
    "event-loop-asyncio-tasks": Traits(PRIMITIVE, independent=True),
    "event-loop-asyncio-queue": Traits(PRIMITIVE, independent=True),
    "event-loop-asyncio-shared-loop": Traits(PRIMITIVE, ideal="fixed", helper_threads=1),
    # cpu-control: the ideal-scaling reference, and the harness's own cost.
    "cpu-control-sum-squares": Traits(CONTROL, independent=True),
    "cpu-control-empty": Traits(HARNESS),
    # rlock: one shared lock (contended) vs each thread its own (uncontended control).
    "rlock-rlock-nested-shared": Traits(PRIMITIVE),
    "rlock-lock-shared": Traits(PRIMITIVE),
    "rlock-rlock-nested-per-thread": Traits(CONTROL, independent=True),
    "rlock-lock-per-thread": Traits(CONTROL, independent=True),
    # barrier: N threads share ``ops`` phases of one Barrier(N); per-thread Barrier(1)s.
    "barrier-shared": Traits(PRIMITIVE, ideal="fixed"),
    "barrier-per-thread": Traits(CONTROL, independent=True),
    # event: N // 2 ping-pong pairs; one setter broadcasting ``ops`` rounds to N - 1.
    "event-ping-pong": Traits(PRIMITIVE, ideal="pair"),
    "event-broadcast": Traits(PRIMITIVE, ideal="fixed"),
    # condition: N // 2 producer/consumer pairs, or one shared bounded buffer.
    "condition-pairs": Traits(PRIMITIVE, ideal="pair"),
    "condition-shared": Traits(PRIMITIVE, ideal="pair"),
    # Fixed duration: every thread notifies one shared Condition (no waiter to wake).
    "condition-notify-duration": Traits(PRIMITIVE, mode="duration"),
    # thread-local: per-thread storage (the primitive) vs one shared object (control).
    "thread-local-local-attr": Traits(PRIMITIVE),
    "thread-local-contextvar": Traits(PRIMITIVE),
    "thread-local-shared-attr": Traits(CONTROL),
    "thread-local-shared-read": Traits(CONTROL),
    # executor: N pool workers fed by one submitting thread.
    "executor-thread-pool": Traits(PRIMITIVE, helper_threads=1),
    "executor-process-pool": Traits(PRIMITIVE, helper_threads=1),
    "executor-interpreter-pool": Traits(PRIMITIVE, helper_threads=1),
}
"""Traits of every workload gilbench defines, by ``family-variant`` name. Ownership
variants and ``-duration`` variants are derived by :func:`traits`."""

SHARED_OBJECT_FAMILY = "shared-object"
"""Its variants come in twins: ``<pattern>-shared`` (one object every thread uses) and
``<pattern>-own`` (each thread's own object of the same kind)."""
SHARED_SUFFIX, OWN_SUFFIX = "-shared", "-own"

OPT_IN_FAMILIES: tuple[str, ...] = (SHARED_OBJECT_FAMILY,)
"""Families outside the default matrix (the main job's 25-minute budget is spent on the
primitives): ``--filter`` with their name runs them, e.g. ``--filter shared-object``."""

OWNERSHIP_FAMILY = "ownership"
"""Its variants are ``<object>-own`` (each thread uses an object it created) and
``<object>-other`` (the same, but another thread created it)."""


def traits(name: str) -> Traits:
    """The traits of workload ``name`` (``family-variant``), with a default for unknown ones.

    ``-duration`` variants take their fixed-work version's traits with mode
    ``duration``. Every ownership variant is a control (each thread uses its own
    uncontended object): the ownership cost is reported on its own and never enters
    another family's aggregate. An unknown workload is a per-thread primitive with no
    helpers, marked ``known=False``.
    """
    if name in WORKLOADS:
        return WORKLOADS[name]
    if name.endswith(DURATION_SUFFIX):
        return replace(traits(name[: -len(DURATION_SUFFIX)]), mode="duration")
    if name.startswith(OWNERSHIP_FAMILY + "-"):
        return Traits(CONTROL, independent=True)
    if name.startswith(SHARED_OBJECT_FAMILY + "-"):
        # Nobody waits in these patterns: the -own twins share nothing (the control),
        # the -shared variants share one object (the pattern under test).
        if name.endswith(OWN_SUFFIX):
            return Traits(CONTROL, independent=True)
        return Traits(PRIMITIVE)
    return Traits(known=False)


def workload_metadata(name: str, threads: int) -> dict[str, Any]:
    """What a measurement worker records about workload ``name`` (pyperf metadata).

    ``role``, ``ideal`` and ``helper_threads``: a result file carries them, so that the
    analysis of a file needs no access to this table (older and foreign files fall back
    to it, or to defaults). ``threads`` is accepted for symmetry with the worker's other
    metadata; the traits do not depend on it.
    """
    del threads
    found = traits(name)
    return {"role": found.role, "ideal": found.ideal, "helper_threads": found.helper_threads}


def ideal_speedup(ideal: str, threads: int, cores: int) -> float:
    """Ideal speedup at ``threads`` for an ideal rule (NaN where it is not defined).

    ``per-thread``: min(N, cores). ``fixed``: 1. ``pair``: min(N // 2, cores), relative to
    N = 2 (NaN at N = 1, which is not a pair). Unknown rules: per-thread.
    """
    cores = max(int(cores), 1)
    if ideal == "fixed":
        return 1.0
    if ideal == "pair":
        return float(min(threads // 2, cores)) if threads >= 2 else float("nan")
    return float(min(threads, cores))


def family_sort_key(family: str) -> tuple[int, str]:
    """Sort key: families in :data:`FAMILY_ORDER`, unknown ones after them, sorted."""
    order = {name: i for i, name in enumerate(FAMILY_ORDER)}
    return (order.get(family, len(order)), family)
