"""What gilbench measures: workload definitions, standard library only.

Every public module of this package is a family module that registers its workloads
with ``@workload`` on import; ``all_workloads()`` imports them all (see _registry).
"""

from benchmarks._registry import (
    FAMILY_ORDER,
    Prepared,
    Stop,
    ThreadSetup,
    Workload,
    WorkloadError,
    all_workloads,
    workload,
)

__all__ = [
    "FAMILY_ORDER",
    "Prepared",
    "Stop",
    "ThreadSetup",
    "Workload",
    "WorkloadError",
    "all_workloads",
    "workload",
]
