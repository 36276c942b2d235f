"""What the numbers mean: time per op, speedup against each workload's own ideal, ft/gil
ratios with honest intervals, lock cost, race losses, and the run-metadata sections.

Definitions (every function here is deterministic). The estimator and its intervals
are :mod:`concepts.stats`'s; workload traits (role, ideal, helpers) are the
result file's own, else :mod:`concepts.families`'s; the lock-cost reference is
:mod:`concepts.lock_overhead`'s.

- **process value**: one worker process's statistic (seconds per operation) for the
  cell's kind of row: its fastest value where one thread runs alone, its mean value
  where threads share the cores (concepts.stats). pyperf runs each worker in a fresh
  process, so processes are the independent samples; values inside one process are not.
- **time per op** of a benchmark cell (group, arm, family, variant, threads): the
  location of its process values (their geometric mean, trimmed at both ends).
  **throughput** = 1 / time per op.
- **interval basis**: Welch's t interval over processes (concepts.stats). It is
  labelled a "95% CI" only when every side has at least ``MIN_CI_PROCESSES`` (4)
  processes; with 2-3 it is a "t interval of N processes"; with 1 there is none. Every table
  has a ``basis`` column.
- **speedup(N)** = t(base) / t(N) within one arm, both cells with the shared statistic
  (like with like), base = 1 thread, or 2 for hand-off
  pairs (ideal ``pair``); **ideal** is the workload's own: min(N, cores) for per-thread
  work, 1 for a fixed amount of work, min(N // 2, cores) for pairs;
  **efficiency** = speedup / ideal. **effective threads** = threads the workload really
  ran (measured ``threads_total``, else N + helper threads); above the usable CPUs the
  cell is oversubscribed.
- **ratio** num/den (e.g. ft/gil) = time per op of ``num`` / time per op of ``den``
  at the same benchmark and thread count: > 1 means ``num`` is slower.
- **family aggregates** (family ratios, speedups, crossover) are geometric means over
  the family's *primitives* (fixed-work mode); its controls are aggregated beside them,
  never with them; the harness benchmark is in neither.
- **single-thread overhead** of the free-threaded build = ft/gil (and ft-gil/gil) ratio
  at 1 thread minus 1, over truly single-threaded workloads only (no helper threads or
  processes), one weight per family: the geometric mean over families of each family's
  geometric mean over its variants.
- **lock cost over unshared work**: see :mod:`concepts.lock_overhead`.
- **race-loss rate** = lost / expected per trial; per cell the distribution over
  trials: median, quartiles (IQR), max.
- **crossover** = the smallest measured thread count at which ft's throughput beats
  gil's: the interval of the ft/gil time ratio lies below 1.
- **core count** N_c of a group: the CPUs its processes could use (affinity, else
  cpu_count); "at the core count" uses the largest measured thread count <= N_c.
"""

from __future__ import annotations

from analysis.metrics.cells import (
    CELL,
    RUN,
    Key,
    Sample,
    aggregated,
    at_cores,
    effective_threads,
    first_recorded,
    gilbench_rows,
    group_cores,
    is_operation,
    per_process,
    samples,
)
from analysis.metrics.intervals import (
    CONFIDENCE,
    MIN_CI_PROCESSES,
    basis_label,
    diff_ci,
    geomean,
    geomean_ratio_ci,
    location_ci,
    ratio_ci,
)
from analysis.metrics.locks import (
    lock_overhead,
    lock_reference,
    missing_lock_references,
    primitive_of,
)
from analysis.metrics.overhead import (
    PUBLISHED_OVERHEAD,
    single_thread_overhead,
    single_threaded,
)
from analysis.metrics.patterns import shared_patterns
from analysis.metrics.races import (
    SAFE_RACE_VARIANTS,
    race_loss,
    safe_variants,
)
from analysis.metrics.runs import (
    SHORT_OF_CPUS,
    coarse_gil_fairness,
    fairness,
    latency_summary,
    memory,
    memory_by_arm,
    ownership,
    parallelism,
    session_notes,
)
from analysis.metrics.scaling import (
    beats,
    can_run_parallel,
    cell_summary,
    crossover,
    family_ratios,
    ratios,
)
from analysis.metrics.summary import (
    family_summary,
    foreign_summary,
)

__all__ = [
    "CELL",
    "CONFIDENCE",
    "MIN_CI_PROCESSES",
    "PUBLISHED_OVERHEAD",
    "RUN",
    "SAFE_RACE_VARIANTS",
    "SHORT_OF_CPUS",
    "Key",
    "Sample",
    "aggregated",
    "at_cores",
    "basis_label",
    "beats",
    "can_run_parallel",
    "cell_summary",
    "coarse_gil_fairness",
    "crossover",
    "diff_ci",
    "effective_threads",
    "fairness",
    "family_ratios",
    "family_summary",
    "first_recorded",
    "foreign_summary",
    "geomean",
    "geomean_ratio_ci",
    "gilbench_rows",
    "group_cores",
    "is_operation",
    "latency_summary",
    "location_ci",
    "lock_overhead",
    "lock_reference",
    "memory",
    "memory_by_arm",
    "missing_lock_references",
    "ownership",
    "parallelism",
    "per_process",
    "primitive_of",
    "race_loss",
    "ratio_ci",
    "ratios",
    "safe_variants",
    "samples",
    "session_notes",
    "shared_patterns",
    "single_thread_overhead",
    "single_threaded",
]
