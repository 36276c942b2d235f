"""What gilbench measures: workload definitions, standard library only.

Importing this package registers every family module with the registry.
"""

from benchmarks._registry import (
    FAMILY_ORDER,
    Prepared,
    Workload,
    WorkloadError,
    all_workloads,
    workload,
)

# Family modules register themselves on import; each is listed once here.
from benchmarks import increment  # noqa: E402,F401  isort: skip

__all__ = ["FAMILY_ORDER", "Prepared", "Workload", "WorkloadError", "all_workloads", "workload"]
