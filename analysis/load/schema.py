"""What the loaded tables hold: their columns, the file globs, the arms' expected GIL
state, the ``Results`` container and small parsers of recorded fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from concepts.arms import ARM_ORDER, ARMS
from concepts.cli import parse_cpu_list

EXPECTED_GIL: dict[str, bool] = {name: arm.expect_gil_enabled for name, arm in ARMS.items()}
"""Observed GIL state each arm must have (``sys._is_gil_enabled()``)."""


EXPECTED_BUILD_FT: dict[str, bool] = {name: arm.free_threaded_build for name, arm in ARMS.items()}
"""Whether each arm runs a free-threaded build (``Py_GIL_DISABLED``)."""


BENCH_GLOBS: tuple[str, ...] = ("bench-*.json", "bench-*.json.gz")


RACES_GLOBS: tuple[str, ...] = ("races-*.json",)


LATENCY_GLOBS: tuple[str, ...] = ("latency-*.json",)


SETS_DIR = "sets"
"""Under a results directory: one folder per interpreter set other than the default one."""


LATENCY_KEYS: tuple[str, ...] = ("benchmark", "threads", "p50_s", "p90_s", "p99_s")


RACE_TRIAL_KEYS: tuple[str, ...] = ("variant", "threads", "expected", "observed", "lost")


BENCH_COLUMNS: list[str] = [
    "source",
    "origin",
    "group",
    "interpreter_set",
    "arm",
    "benchmark",
    "family",
    "variant",
    "threads",
    "run",
    "value_index",
    "value",
    "unit",
    "foreign",
    "gil_valid",
    "python_version",
    "python_config_args",
    "build_profile",
    "python_executable",
    "py_gil_disabled",
    "gil_enabled_at_start",
    "gil_enabled_at_end",
    "switch_interval",
    "run_seconds",
    "oversubscribed",
    "ops_per_thread",
    "inner_loops",
    "role",
    "ideal",
    "helper_threads",
    "mode",
    "traits_from",
    "session",
    "session_start",
    "session_end",
    "interleaved",
    "threads_total",
    "cpu_per_wall",
    "thread_finish_spread",
    "fairness_jain",
    "mem_max_rss",
    "injected_slowdown",
    "gil_reenabled_by",
    "cpu_count",
    "cpu_affinity",
    "cores",
    "cpu_model",
    "hostname",
    "date",
    "description",
]
"""Columns of :func:`load_bench`'s frame, in order."""


RACE_COLUMNS: list[str] = [
    "source",
    "origin",
    "group",
    "interpreter_set",
    "arm",
    "variant",
    "threads",
    "switch_interval",
    "increments_per_thread",
    "trial",
    "expected",
    "observed",
    "lost",
    "loss_rate",
    "seconds",
    "gil_valid",
    "python_version",
    "python_config_args",
    "python_executable",
    "py_gil_disabled",
    "gil_enabled_at_start",
    "gil_enabled_at_end",
    "cpu_count",
    "cpu_affinity",
    "cores",
    "cpu_model",
    "hostname",
    "date",
]
"""Columns of :func:`load_races`'s frame, in order (file metadata keys not listed here
are appended after them)."""


LATENCY_COLUMNS: list[str] = [
    "source",
    "origin",
    "group",
    "interpreter_set",
    "arm",
    "session",
    "benchmark",
    "threads",
    "trial",
    "count",
    "p50_s",
    "p90_s",
    "p99_s",
    "max_s",
    "gil_valid",
    "python_version",
    "py_gil_disabled",
    "gil_enabled_at_start",
    "cpu_count",
    "cpu_affinity",
    "cores",
    "cpu_model",
    "hostname",
]
"""Columns of the hand-off latency frame (``latency-<arm>.json``), one row per trial."""


Source = str | Path


Sources = Source | Sequence[Source]


OnError = Literal["raise", "skip"]


class LoadError(ValueError):
    """Input that cannot be analysed; ``str(error)`` is a one-line message for the user."""


@dataclass
class Results:
    """Everything loaded from a set of sources."""

    bench: pd.DataFrame
    races: pd.DataFrame
    latency: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LATENCY_COLUMNS))
    """Hand-off latency percentiles (``latency-<arm>.json``), one row per trial."""
    files: list[Path] = field(default_factory=list)
    """Files that loaded (bench and races)."""
    problems: list[str] = field(default_factory=list)
    """One line per file that was skipped or looked wrong, saying why."""


# --------------------------------------------------------------------------- helpers


def truthy(value: Any) -> bool | None:
    """Metadata flag as a bool: True/False, 1/0, "true"/"false"... None when absent."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    return None


_VERSION_RE = re.compile(r"\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?\+?")


def short_version(value: Any) -> str | None:
    """The version number of a ``python_version`` string.

    pyperf records e.g. ``"3.13.5 (64-bit) revision 6cb20a2"``, gilbench
    ``"3.13.5"``; both give ``"3.13.5"``.
    """
    if value is None:
        return None
    match = _VERSION_RE.match(str(value).strip())
    return match.group(0) if match else str(value)


def minor_version(value: Any) -> str | None:
    """``"3.13.5"`` -> ``"3.13"``."""
    version = short_version(value)
    if version is None:
        return None
    parts = version.split(".")
    return ".".join(parts[:2])


def recorded_cpus(value: Any) -> list[int] | None:
    """A recorded CPU list (gilbench's ``"0,1"``, pyperf's ``"0-3,6"``, or one CPU number)
    as sorted CPUs (concepts.cli.parse_cpu_list); None if absent or odd."""
    if value is None:
        return None
    if isinstance(value, int):
        return [value]
    try:
        return parse_cpu_list(str(value).replace(" ", ""))
    except ValueError:
        return None


def usable_cores(affinity: Any, cpu_count: Any) -> int | None:
    """CPUs the measurement could use: the affinity's size, else the machine's count."""
    cpus = recorded_cpus(affinity)
    if cpus:
        return len(cpus)
    try:
        return int(cpu_count) if cpu_count is not None else None
    except (TypeError, ValueError):
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _arm_from_name(path: Path) -> str | None:
    """``bench-ft.json`` / ``races-ft-gil.json`` -> the arm; None for other names."""
    name = path.name
    for suffix in (".json.gz", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for prefix in ("bench-", "races-", "latency-"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name if name in ARM_ORDER else None


def gil_valid(arm: Any, py_gil_disabled: Any, at_start: Any, at_end: Any) -> bool:
    """True unless the metadata shows a GIL state or build the arm must not have.

    Unknown arms and missing fields are not held against a row (a foreign file has
    neither); only a recorded contradiction makes it invalid.
    """
    if arm not in EXPECTED_GIL:
        return True
    for observed in (at_start, at_end):
        state = truthy(observed)
        if state is not None and state != EXPECTED_GIL[arm]:
            return False
    build = truthy(py_gil_disabled)
    return not (build is not None and build != EXPECTED_BUILD_FT[arm])
