"""Lock cost: what a locked workload costs per operation over the same work unshared and unlocked.

The one definition used by the report's lock-cost table and plot and by the regression
gate's ``lock-overhead`` metrics. Standard library only.

A locked benchmark (``locked-increment-*``, ``rlock-*``, the semaphore variants) is
compared with its *unshared, unprotected* reference at the same arm and thread count:
the same operation where every thread works on data of its own, with no lock
(``increment-per-thread``; ``semaphore-unlocked`` for the semaphores, a per-thread pool
of tokens). The difference (ns per op) and the ratio (locked / reference) therefore
include everything the programmer pays for a correct shared result: acquiring and
releasing the primitive, waiting for it when it is contended, and the shared data's own
cache-line and reference-count traffic. It is **not** "locked minus the racy shared
increment": that reference loses updates, and its own cost swings with the race.
At 1 thread the reference and the racy shared increment are the same operation.
"""

from __future__ import annotations

import fnmatch

NAME = "lock cost over unshared work"
"""The concept's name in tables, plots and the gate's report."""

DEFINITION = (
    "time per op of a locked benchmark vs the same work unshared and unlocked "
    "(increment-per-thread; semaphore-unlocked for semaphores), same arm and thread count"
)
"""One line saying what the numbers are."""

REFERENCES: tuple[tuple[str, str], ...] = (
    ("locked-increment-*", "increment-per-thread"),
    ("rlock-*", "increment-per-thread"),
    ("semaphore-*", "semaphore-unlocked"),
)
"""(workload name pattern, reference workload): the first matching pattern wins."""


def reference(workload: str) -> str | None:
    """The reference workload ``workload`` is compared with; None if it is not a locked one.

    References themselves, fixed-duration variants (``-duration``: their value is not a
    fixed amount of work) and workloads no pattern covers have none.
    """
    if workload.endswith("-duration") or workload in {ref for _, ref in REFERENCES}:
        return None
    for pattern, ref in REFERENCES:
        if fnmatch.fnmatchcase(workload, pattern):
            return ref
    return None


def primitive_of(workload: str) -> str:
    """Which primitive a locked workload exercises: Lock, RLock, Semaphore..."""
    name = workload.lower()
    if name.startswith("semaphore-") or "semaphore" in name:
        return "BoundedSemaphore" if "bounded" in name else "Semaphore"
    if "rlock-" in name.removeprefix("rlock-") or name.startswith("locked-increment-rlock"):
        return "RLock, 3-deep" if "nested" in name else "RLock"
    return "Lock"
