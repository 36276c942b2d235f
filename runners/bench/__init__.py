"""The benchmark command, ``python -m runners.bench``, as a package by role:

- ``cli``: the command line, the benchmark matrix and the arms' checks (``main``);
- ``sweep``: one sweep of the matrix over every arm, its two stages and its results;
- ``rounds``: the interleaved rounds of one benchmark and each kind of row's process shape;
- ``master``: one pyperf master for one benchmark on one arm (``ArmRunner``);
- ``worker``: what runs in the measured interpreter (pyperf master and worker processes,
  ``python -m runners.bench.worker``): standard library and pyperf only;
- ``stats``: what the sweep prints about a benchmark's precision and the harness cost.

The public names are re-exported here and imported on first use, so that a worker
process, which imports this package before ``runners.bench.worker``, loads nothing more.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runners.bench.cli import (
        PROG,
        affinity_cpus,
        default_budget_minutes,
        default_threads,
        main,
        parse_targets,
        parse_threads,
        plan,
        verify_arm_python,
    )
    from runners.bench.master import ArmRunner, Planned
    from runners.bench.rounds import SHAPES, RoundPlan
    from runners.bench.stats import harness_overhead
    from runners.bench.sweep import ArmSetup, Sweep
    from runners.bench.worker import benchmark_name, find_workload, load_workload_file

_HOMES = {
    "cli": (
        "PROG",
        "affinity_cpus",
        "default_budget_minutes",
        "default_threads",
        "main",
        "parse_targets",
        "parse_threads",
        "plan",
        "verify_arm_python",
    ),
    "master": ("ArmRunner", "Planned"),
    "rounds": ("SHAPES", "RoundPlan"),
    "stats": ("harness_overhead",),
    "sweep": ("ArmSetup", "Sweep"),
    "worker": ("benchmark_name", "find_workload", "load_workload_file"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "PROG",
    "SHAPES",
    "ArmRunner",
    "ArmSetup",
    "Planned",
    "RoundPlan",
    "Sweep",
    "affinity_cpus",
    "benchmark_name",
    "default_budget_minutes",
    "default_threads",
    "find_workload",
    "harness_overhead",
    "load_workload_file",
    "main",
    "parse_targets",
    "parse_threads",
    "plan",
    "verify_arm_python",
]


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its module on first use (PEP 562)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'runners.bench' has no attribute {name!r}")
    return getattr(importlib.import_module(f"runners.bench.{module}"), name)
