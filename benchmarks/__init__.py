"""What gilbench measures: workload definitions, standard library only.

Every public module of this package is a family module that registers its workloads
with ``@workload`` on import; ``all_workloads()`` imports them all (see _registry).
"""

from benchmarks._duration import exact_total
from benchmarks._loop import thread_loop
from benchmarks._registry import (
    Prepared,
    Stop,
    ThreadSetup,
    Worker,
    Workload,
    WorkloadError,
    all_workloads,
    registry_snapshot,
    workload,
)
from benchmarks._setup import Slots, pair_setup
from concepts.families import FAMILY_ORDER

__all__ = [
    "FAMILY_ORDER",
    "Prepared",
    "Slots",
    "Stop",
    "ThreadSetup",
    "Worker",
    "Workload",
    "WorkloadError",
    "all_workloads",
    "exact_total",
    "pair_setup",
    "registry_snapshot",
    "thread_loop",
    "workload",
]
