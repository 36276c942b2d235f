"""Load gilbench result files into tidy pandas DataFrames.

Two kinds of input, told apart by their content (not only their name):

- pyperf BenchmarkSuite files (``results/bench-<arm>.json``, or any file written by
  pyperf, e.g. ``python -m pyperf timeit -o``), read with pyperf's own loader;
- race-loss files (``results/races-<arm>.json``, schema ``gilbench.races/1``).

``load_bench`` gives one row per timing value, ``load_races`` one row per trial, each
with the arm, the benchmark identity and the interpreter / machine metadata as columns.
A directory contributes its ``bench-*.json`` and ``races-*.json`` (not its
``history/`` or ``report/`` subfolders). Input files are only ever opened for reading.

Bad input never ends in a traceback: an unreadable file becomes a one-line
``problems`` entry (``on_error="skip"``) or a :class:`LoadError` (``on_error="raise"``).
"""

from __future__ import annotations

from analysis.load.groups import (
    IDENTITY_COLUMNS,
    arms_present,
    assign_groups,
    load_bench,
    load_races,
    load_results,
)
from analysis.load.rows import (
    discover,
    discover_with_origin,
    interpreter_set,
    kind_of,
)
from analysis.load.schema import (
    BENCH_COLUMNS,
    BENCH_GLOBS,
    EXPECTED_BUILD_FT,
    EXPECTED_GIL,
    LATENCY_COLUMNS,
    LATENCY_GLOBS,
    LATENCY_KEYS,
    RACE_COLUMNS,
    RACE_TRIAL_KEYS,
    RACES_GLOBS,
    SETS_DIR,
    LoadError,
    OnError,
    Results,
    Source,
    Sources,
    gil_valid,
    minor_version,
    recorded_cpus,
    short_version,
    truthy,
    usable_cores,
)

__all__ = [
    "BENCH_COLUMNS",
    "BENCH_GLOBS",
    "EXPECTED_BUILD_FT",
    "EXPECTED_GIL",
    "IDENTITY_COLUMNS",
    "LATENCY_COLUMNS",
    "LATENCY_GLOBS",
    "LATENCY_KEYS",
    "RACES_GLOBS",
    "RACE_COLUMNS",
    "RACE_TRIAL_KEYS",
    "SETS_DIR",
    "LoadError",
    "OnError",
    "Results",
    "Source",
    "Sources",
    "arms_present",
    "assign_groups",
    "discover",
    "discover_with_origin",
    "gil_valid",
    "interpreter_set",
    "kind_of",
    "load_bench",
    "load_races",
    "load_results",
    "minor_version",
    "recorded_cpus",
    "short_version",
    "truthy",
    "usable_cores",
]
