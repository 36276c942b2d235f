"""Result sets for the regression gate: each process's values and the environment of each arm.

A result set is one directory of ``bench-<arm>.json`` pyperf files written by one job.
The gate only needs, per (arm, benchmark, threads), the values of each pyperf process
(the process is the unit the bootstrap resamples) and, per arm, the facts that decide
whether two runs are comparable. Files are read with pyperf's own loader.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyperf

from concepts import arms as concepts_arms
from concepts import matching
from concepts.arms import ordered_arms as _ordered_arms

ARM_ORDER = concepts_arms.ARM_ORDER
INJECT_KEY = "injected_slowdown"  # runners.inject.METADATA_KEY (analysis imports no runners)
_NAME = re.compile(r"^(?P<base>.+)-t(?P<threads>\d+)$")


def ordered_arms(arms: Iterable[str]) -> list[str]:
    """``arms`` in the table's order (gil, ft, ft-gil), unknown ones last, sorted."""
    return _ordered_arms(arms)


class ResultsError(ValueError):
    """A result set is missing or unreadable (reported as a one-line error)."""


Key = tuple[str, str, int]
"""(arm, benchmark ``family-variant``, threads)."""

Process = tuple[float, ...]
"""The values (seconds per op) of one pyperf worker process. A result set keeps each
benchmark's processes in the order they ran."""


@dataclass
class ArmEnv:
    """What must match between a baseline and a run, for one arm."""

    python_version: str = ""
    py_gil_disabled: bool | None = None
    gil_enabled: str = ""
    """Observed GIL state over all workers: "enabled", "disabled" or "mixed"."""
    build_flags: list[str] | None = None
    """Performance-relevant configure options; None when the results do not say."""
    python_executable: str = ""
    config_args: str | None = None
    """The full CONFIG_ARGS, for the matched-pair check (not compared with a baseline)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "python_version": self.python_version,
            "py_gil_disabled": self.py_gil_disabled,
            "gil_enabled": self.gil_enabled,
            "build_flags": self.build_flags,
            "python_executable": self.python_executable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArmEnv:
        return cls(
            python_version=str(data.get("python_version", "")),
            py_gil_disabled=data.get("py_gil_disabled"),
            gil_enabled=str(data.get("gil_enabled", "")),
            build_flags=(None if data.get("build_flags") is None else list(data["build_flags"])),
            python_executable=str(data.get("python_executable", "")),
        )


@dataclass
class Environment:
    """Machine and per-arm interpreter facts of a result set or baseline."""

    cpu_count: int | None = None
    cpu_model: str = ""
    hostname: str = ""
    platform: str = ""
    arms: dict[str, ArmEnv] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)
    """pyperf's load_avg_1min of every process: how busy the machine was."""

    @property
    def load(self) -> float | None:
        """Median 1-minute load average over the processes (None: not recorded)."""
        return statistics.median(self.loads) if self.loads else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "cpu_count": self.cpu_count,
            "cpu_model": self.cpu_model,
            "hostname": self.hostname,
            "platform": self.platform,
            "load_avg_1min": None if self.load is None else round(self.load, 2),
            "arms": {arm: self.arms[arm].as_dict() for arm in ordered_arms(self.arms)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Environment:
        return cls(
            cpu_count=data.get("cpu_count"),
            cpu_model=str(data.get("cpu_model", "")),
            hostname=str(data.get("hostname", "")),
            platform=str(data.get("platform", "")),
            loads=[] if data.get("load_avg_1min") is None else [float(data["load_avg_1min"])],
            arms={arm: ArmEnv.from_dict(env) for arm, env in data.get("arms", {}).items()},
        )


@dataclass
class ResultSet:
    """The processes of every gilbench benchmark in one job's result files."""

    source: str
    processes: dict[Key, list[Process]]
    env: Environment
    injected: list[str] = field(default_factory=list)
    """Injection specs found in the metadata (test-only slowdown hook); empty if none."""

    def merged(self, other: ResultSet) -> ResultSet:
        """This set plus ``other``'s processes (other's benchmarks appended or added)."""
        processes = {key: list(runs) for key, runs in self.processes.items()}
        for key, runs in other.processes.items():
            processes.setdefault(key, []).extend(runs)
        injected = sorted(set(self.injected) | set(other.injected))
        return ResultSet(f"{self.source} + {other.source}", processes, self.env, injected)


def truthy(value: object) -> bool:
    """pyperf metadata booleans arrive as bool, int or str."""
    return str(value).strip().lower() in {"1", "true", "yes"}


def build_flags(config_args: str) -> list[str]:
    """The performance-relevant configure options in ``CONFIG_ARGS`` (concepts.matching)."""
    return matching.performance_flags(config_args)


def _arm_of(path: Path, metadata: dict[str, Any]) -> str:
    arm = metadata.get("arm")
    if arm:
        return str(arm)
    stem = path.stem
    return stem[len("bench-") :] if stem.startswith("bench-") else stem


def load_file(
    path: Path, processes: dict[Key, list[tuple[str, Process]]], env: Environment
) -> set[str]:
    """Add one pyperf file's (start date, values) per process; update ``env``; return injections."""
    try:
        suite = pyperf.BenchmarkSuite.load(str(path))
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path}: not a readable pyperf result file ({exc})") from None
    injected: set[str] = set()
    states: dict[str, set[bool]] = {}
    for bench in suite.get_benchmarks():
        common = bench.get_metadata()
        match = _NAME.match(bench.get_name())
        base = (
            f"{common['family']}-{common['variant']}"
            if "family" in common and "variant" in common
            else (match.group("base") if match else None)
        )
        threads = common.get("threads", match.group("threads") if match else None)
        if base is None or threads is None:
            continue  # a foreign benchmark without a thread count: nothing to gate
        for run in bench.get_runs():
            values = run.values
            if not values:
                continue  # calibration run
            md = {**common, **run.get_metadata()}
            arm = _arm_of(path, md)
            dated = (str(md.get("date", "")), tuple(values))
            processes.setdefault((arm, base, int(threads)), []).append(dated)
            if INJECT_KEY in md:
                injected.add(str(md[INJECT_KEY]))
            arm_env = env.arms.setdefault(arm, ArmEnv())
            arm_env.python_version = arm_env.python_version or str(md.get("python_version", ""))
            if arm_env.py_gil_disabled is None and "py_gil_disabled" in md:
                arm_env.py_gil_disabled = truthy(md["py_gil_disabled"])
            if arm_env.build_flags is None and "python_config_args" in md:
                arm_env.build_flags = build_flags(str(md["python_config_args"]))
                arm_env.config_args = str(md["python_config_args"])
            arm_env.python_executable = arm_env.python_executable or str(
                md.get("python_executable", "")
            )
            for key in ("gil_enabled_at_start", "gil_enabled_at_end"):
                if key in md:
                    states.setdefault(arm, set()).add(truthy(md[key]))
            if env.cpu_count is None and "cpu_count" in md:
                env.cpu_count = int(md["cpu_count"])
            env.cpu_model = env.cpu_model or str(md.get("cpu_model_name", ""))
            env.hostname = env.hostname or str(md.get("hostname", ""))
            env.platform = env.platform or str(md.get("platform", ""))
            if "load_avg_1min" in md:
                env.loads.append(float(md["load_avg_1min"]))
    for arm, seen in states.items():
        env.arms[arm].gil_enabled = (
            "mixed" if len(seen) > 1 else ("enabled" if seen.pop() else "disabled")
        )
    return injected


def load_results(paths: Iterable[Path]) -> ResultSet:
    """Load a result set from a directory (its ``bench-*.json``) or explicit files."""
    files: list[Path] = []
    names: list[str] = []
    for path in paths:
        names.append(str(path))
        if path.is_dir():
            files.extend(sorted(path.glob("bench-*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise ResultsError(f"{path}: no such file or directory")
    if not files:
        raise ResultsError(f"no bench-*.json result files in {', '.join(names)}")
    dated: dict[Key, list[tuple[str, Process]]] = {}
    env = Environment()
    injected: set[str] = set()
    for file in files:
        injected |= load_file(file, dated, env)
    if not dated:
        raise ResultsError(f"no gilbench benchmarks (name-tN) in {', '.join(names)}")
    # Chronological order (pyperf's ISO dates sort as text; a stable sort keeps file
    # order where dates are missing): the paired statistic pairs the k-th process of
    # one benchmark with the k-th of another, measured in the same interleaved round.
    processes = {
        key: [values for _, values in sorted(runs, key=lambda run: run[0])]
        for key, runs in dated.items()
    }
    return ResultSet(", ".join(names), processes, env, sorted(injected))
