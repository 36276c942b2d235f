"""Baselines: each gated metric's value and spread over several repeated runs, plus the environment.

A baseline is built from N >= 2 result sets measured one after the other on one machine
class. For each metric present in every set (each set's ratio computed with the
baseline's ``statistic``, see _regress_metrics.Statistic): ``value`` is the median of the
N per-set ratios, ``spread`` the standard deviation of their logarithms (a relative spread: 0.03
means about 3%), ``samples`` is N, ``values`` the N ratios. The gate's tolerance for the
metric is max(fixed %, 3 x spread).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis._regress_data import Environment, ResultSet
from analysis._regress_metrics import MetricSpec, Statistic, discover, point
from concepts.files import atomic_write

SCHEMA = "gilbench-baseline/1"


class BaselineError(ValueError):
    """A baseline cannot be built or read (reported as a one-line error)."""


@dataclass
class BaselineMetric:
    """One metric of a baseline."""

    spec: MetricSpec
    value: float
    spread: float
    samples: int
    values: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.spec.as_dict(),
            "value": self.value,
            "spread": self.spread,
            "samples": self.samples,
            "values": self.values,
        }


@dataclass
class Baseline:
    """A committed baseline file."""

    machine_class: str
    created: str
    runs: int
    environment: Environment
    metrics: dict[str, BaselineMetric]
    measure: dict[str, Any] = field(default_factory=dict)
    """How the runs were measured (filter, runner options), for the gate to repeat."""
    sources: list[str] = field(default_factory=list)
    statistic: Statistic = field(default_factory=Statistic)
    """How each benchmark's processes became one number; the gate uses the same."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "machine_class": self.machine_class,
            "created": self.created,
            "runs": self.runs,
            "measure": self.measure,
            "statistic": self.statistic.as_dict(),
            "environment": self.environment.as_dict(),
            "sources": self.sources,
            "metrics": {name: metric.as_dict() for name, metric in self.metrics.items()},
        }

    def dump(self, path: Path) -> None:
        """Write the baseline as indented JSON (atomically: a temporary file, then rename)."""
        atomic_write(path, json.dumps(self.as_dict(), indent=2) + "\n")


def machine_class(cpu_count: int | None) -> str:
    """``<os>-<arch>-<N>cpu``: the name of the baseline file for this kind of machine."""
    system = platform.system().lower() or "unknown"
    arch = platform.machine().lower() or "unknown"
    return f"{system}-{arch}-{cpu_count or 0}cpu"


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; BaselineError with a one-line reason when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise BaselineError(f"{path}: not a gilbench baseline (schema {SCHEMA!r} expected)")
    try:
        metrics = {
            name: BaselineMetric(
                MetricSpec.from_dict(name, item),
                float(item["value"]),
                float(item["spread"]),
                int(item["samples"]),
                [float(v) for v in item.get("values", [])],
            )
            for name, item in data["metrics"].items()
        }
        return Baseline(
            machine_class=str(data.get("machine_class", "")),
            created=str(data.get("created", "")),
            runs=int(data.get("runs", 0)),
            environment=Environment.from_dict(data.get("environment", {})),
            metrics=metrics,
            measure=dict(data.get("measure", {})),
            sources=list(data.get("sources", [])),
            statistic=Statistic.from_dict(data.get("statistic")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"{path}: malformed baseline ({type(exc).__name__}: {exc})") from None


def build_baseline(
    sets: list[ResultSet],
    *,
    measure: dict[str, Any] | None = None,
    version_level: str = "minor",
    max_load_factor: float = 1.0,
    statistic: Statistic | None = None,
) -> Baseline:
    """Summarise N repeated result sets into a baseline (metrics present in every set).

    Refuses fewer than 2 sets, injected runs, sets from different environments and
    (unless ``max_load_factor`` is 0) sets measured while the machine was busy.
    """
    from analysis._regress_gate import busy, compare_env

    if len(sets) < 2:
        raise BaselineError(
            f"a baseline needs at least 2 repeated runs to know its spread (got {len(sets)})"
        )
    for results in sets:
        if results.injected:
            raise BaselineError(
                f"{results.source}: made with the test-only slowdown hook "
                f"({'; '.join(results.injected)}); it cannot be a baseline"
            )
        reason = busy(results.env, max_load_factor)
        if reason:
            raise BaselineError(
                f"{results.source} was measured on a {reason}: take the baseline on a quiet "
                "machine (or pass --allow-busy)"
            )
    statistic = statistic or Statistic()
    first = sets[0]
    for results in sets[1:]:
        differences = compare_env(first.env, results.env, version_level=version_level)
        if differences:
            raise BaselineError(
                f"{results.source} was measured in another environment than {first.source}: "
                + "; ".join(differences)
            )
    common = set(first.processes)
    for results in sets[1:]:
        common &= set(results.processes)
    specs = discover(common)
    if not specs:
        raise BaselineError(
            "the runs share no gateable metric (need gil and ft at 1 and 2 threads)"
        )
    metrics: dict[str, BaselineMetric] = {}
    for spec in specs:
        values = [point(r, spec, statistic) for r in sets]
        logs = [math.log(v) for v in values]
        metrics[spec.name] = BaselineMetric(
            spec=spec,
            value=statistics.median(values),
            spread=statistics.stdev(logs),
            samples=len(values),
            values=[round(v, 6) for v in values],
        )
    env = first.env
    env.loads = [load for r in sets for load in r.env.loads]
    return Baseline(
        machine_class=machine_class(env.cpu_count),
        created=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        runs=len(sets),
        environment=env,
        metrics=metrics,
        measure=measure or {},
        sources=[r.source for r in sets],
        statistic=statistic,
    )
