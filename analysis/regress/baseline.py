"""Committed baselines, for scheduled tracking on a known machine class.

An A/B run needs nothing from another machine; a scheduled job on main has no base to
compare with, so it checks its ratios against ``results/baselines/<class>.json``, made on
that machine class from N gate measurements. Per metric the file holds the N values,
their median and spread (standard deviation of their logs); the check's change is the
run's value over the median, its interval the run's own, and its tolerance
max(--tolerance, 3 x spread). A run whose CPU model, CPU count, interpreter versions or
build profiles differ from the baseline's is inconclusive, the differing fields named.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.load import LoadError, load_bench
from analysis.regress.metrics import METRICS, Cells, Estimate, Metric, Side, load_cells, value
from concepts.matching import build_profile

SCHEMA = "gilbench.regress-baseline/2"
BASELINE_DIR = Path(__file__).resolve().parents[2] / "results" / "baselines"


def machine_class() -> str:
    """``<os>-<arch>-<N>cpu`` of this machine (N: the CPUs this process may use)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{sys.platform}-{platform.machine()}-{cpus}cpu"


def environment(directory: Path, side: Side) -> dict[str, Any]:
    """What the measurement ran on: CPU model and count, each arm's Python version and
    build profile (concepts.matching: paths and toolchains differ between machines)."""
    env: dict[str, Any] = {"cpu_model": None, "cores": None, "versions": {}, "profiles": {}}
    for arm, cell in side.items():
        path = directory / f"bench-{cell}.json"
        if not path.is_file():
            continue
        frame = load_bench(path)
        for column in ("cpu_model", "cores"):
            known = frame[column].dropna()
            if not known.empty and env[column] is None:
                env[column] = (
                    known.iloc[0].item() if hasattr(known.iloc[0], "item") else known.iloc[0]
                )
        versions = frame["python_version"].dropna()
        env["versions"][arm] = None if versions.empty else str(versions.iloc[0])
        flags = frame["python_config_args"].dropna()
        env["profiles"][arm] = None if flags.empty else build_profile(str(flags.iloc[0]))
    return env


def build(directories: Sequence[Path], side: Side, measure_args: Sequence[str]) -> dict[str, Any]:
    """A baseline from N measurements (LoadError if fewer than 2, injected, or mixed)."""
    if len(directories) < 2:
        raise LoadError("a baseline needs at least 2 measurements")
    per_metric: dict[str, list[float]] = {m.name: [] for m in METRICS}
    envs = []
    for directory in directories:
        cells, injected = load_cells(directory, side.values())
        if any(injected.values()):
            raise LoadError(
                f"{directory}: a calibration slowdown was injected; it cannot be a baseline"
            )
        envs.append(environment(directory, side))
        for metric in METRICS:
            est = value(metric, cells, side)
            if math.isfinite(est.value):
                per_metric[metric.name].append(round(est.value, 6))
    if any(env != envs[0] for env in envs):
        raise LoadError("the measurements ran on different machines or interpreters")
    metrics = {}
    for name, values in per_metric.items():
        if len(values) >= 2:
            logs = [math.log(v) for v in values]
            metrics[name] = {
                "values": values,
                "median": statistics.median(values),
                "spread": statistics.stdev(logs),
            }
    return {
        "schema": SCHEMA,
        "machine_class": machine_class(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "runs": len(directories),
        "measure": list(measure_args),
        "environment": envs[0],
        "sources": [str(d) for d in directories],
        "metrics": metrics,
    }


def load(path: Path) -> dict[str, Any]:
    """A baseline file (LoadError, one line, if missing or not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadError(f"no baseline {path} for this machine class") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise LoadError(f"{path}: unreadable baseline ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise LoadError(f"{path}: not a {SCHEMA} file")
    return data


def differences(baseline: dict[str, Any], env: dict[str, Any]) -> list[str]:
    """The environment fields in which a run differs from the baseline."""
    want = baseline.get("environment", {})
    return [
        f"{key}: {env.get(key)!r} here, {want.get(key)!r} in the baseline"
        for key in ("cpu_model", "cores", "versions", "profiles")
        if env.get(key) != want.get(key)
    ]


def estimator(baseline: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The gate's estimator for a baseline check: the run's value over the baseline's."""

    def against(metric: Metric, cells: Cells, _base: Side, head: Side) -> Estimate:
        entry = baseline["metrics"].get(metric.name)
        now = value(metric, cells, head)
        if entry is None:
            return Estimate(math.nan, math.nan, math.nan, now.processes)
        ref = float(entry["median"])
        scaled = [x / ref for x in (now.value, now.low, now.high)]
        if not metric.higher_is_worse:
            scaled = [1 / scaled[0], 1 / scaled[2], 1 / scaled[1]]
        return Estimate(scaled[0], scaled[1], scaled[2], now.processes)

    return against


def tolerance(baseline: dict[str, Any], floor: float):  # type: ignore[no-untyped-def]
    """Per metric: max(floor, 3 x the baseline's spread)."""

    def of(metric: Metric) -> float:
        entry = baseline["metrics"].get(metric.name, {})
        return max(floor, 3 * float(entry.get("spread", 0.0)))

    return of
