"""Reading result files into rows: pyperf suites (plain or gzipped), race and latency files."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyperf

from analysis.load.schema import (
    BENCH_GLOBS,
    LATENCY_GLOBS,
    LATENCY_KEYS,
    RACE_TRIAL_KEYS,
    RACES_GLOBS,
    SETS_DIR,
    LoadError,
    Sources,
    _arm_from_name,
    _float_or_none,
    _int_or_none,
    gil_valid,
    short_version,
    truthy,
    usable_cores,
)
from concepts.families import traits
from concepts.races import LATENCY_SCHEMA, RACES_SCHEMA


def _machine_fields(md: dict[str, Any]) -> dict[str, Any]:
    """Interpreter and machine columns shared by bench and races rows."""
    affinity = md.get("cpu_affinity")
    cpu_count = _int_or_none(md.get("cpu_count"))
    return {
        "python_version": short_version(md.get("python_version")),
        "python_config_args": md.get("python_config_args"),
        "build_profile": md.get("build_profile"),
        "interpreter_set": md.get("interpreter_set"),
        "python_executable": md.get("python_executable"),
        "py_gil_disabled": truthy(md.get("py_gil_disabled")),
        "gil_enabled_at_start": truthy(md.get("gil_enabled_at_start")),
        "gil_enabled_at_end": truthy(md.get("gil_enabled_at_end")),
        "cpu_count": cpu_count,
        "cpu_affinity": None if affinity is None else str(affinity),
        # The CPUs the process could use: as the run recorded them after pyperf pinned it
        # (``usable_cpus``, newer files), else its affinity, else the machine's count.
        "cores": _int_or_none(md.get("usable_cpus")) or usable_cores(affinity, cpu_count),
        "cpu_model": md.get("cpu_model_name") or md.get("cpu_model"),
        "hostname": md.get("hostname"),
        "date": None if md.get("date") is None else str(md.get("date")),
    }


def _workload_fields(family: Any, variant: Any, name: str, md: dict[str, Any]) -> dict[str, Any]:
    """What the workload is (role, ideal, helpers, mode) and what its run recorded.

    Traits come from the file when its worker recorded them (``traits_from`` "file"),
    else from concepts.families' table by name ("table"), else its defaults
    ("default": an unknown workload is a per-thread primitive without helpers).
    Foreign benchmarks (no family) get none. The run-level fields (``cpu_per_wall``,
    ``threads_total``, fairness, ``mem_max_rss``, the session) are None where a file
    predates them.
    """
    fields: dict[str, Any] = {
        "session": None if md.get("session") is None else str(md.get("session")),
        "session_start": md.get("session_start"),
        "session_end": md.get("session_end"),
        "interleaved": truthy(md.get("interleaved")),
        "threads_total": _int_or_none(md.get("threads_total")),
        "cpu_per_wall": _float_or_none(md.get("cpu_per_wall")),
        "thread_finish_spread": _float_or_none(md.get("thread_finish_spread")),
        "fairness_jain": _float_or_none(md.get("fairness_jain")),
        "mem_max_rss": _float_or_none(md.get("mem_max_rss")),
        # A calibration's known slowdown (runners.inject) ran in this benchmark: never a result.
        "injected_slowdown": md.get("injected_slowdown"),
        # Modules of a user's workloads that turn the GIL back on for its users
        # (runners.bench.preflight); the ft arm measured with it kept off.
        "gil_reenabled_by": md.get("gil_reenabled_by"),
        "role": None,
        "ideal": None,
        "helper_threads": None,
        "mode": None,
        "traits_from": None,
    }
    if family is None:
        return fields
    workload = f"{family}-{variant}" if variant is not None else re.sub(r"-t\d+$", "", name)
    table = traits(workload)
    recorded = all(md.get(key) is not None for key in ("role", "ideal", "helper_threads"))
    fields.update(
        role=str(md["role"]) if recorded else table.role,
        ideal=str(md["ideal"]) if recorded else table.ideal,
        helper_threads=_int_or_none(md.get("helper_threads")) if recorded else table.helper_threads,
        mode=str(md.get("mode") or table.mode),
        traits_from="file" if recorded else ("table" if table.known else "default"),
    )
    return fields


# --------------------------------------------------------------------------- discovery


def _as_list(sources: Sources) -> list[Path]:
    if isinstance(sources, str | Path):
        return [Path(sources)]
    return [Path(s) for s in sources]


def discover_with_origin(sources: Sources) -> list[tuple[Path, Path]]:
    """(file, origin) for every result file named by ``sources``.

    The origin is the ``--results`` source a file came from: the directory given, or an
    explicit file's own folder. It is part of a file's machine identity (two result
    directories are two measurements, even of look-alike machines). Raises LoadError
    for a source that does not exist.
    """
    found: list[tuple[Path, Path]] = []
    for source in _as_list(sources):
        if source.is_dir():
            # The directory's own files, and those of every interpreter set measured
            # beside it (``sets/<set>/``, where tox puts a non-default set's results),
            # each set directory an origin of its own.
            for folder in [source, *sorted(p for p in (source / SETS_DIR).glob("*") if p.is_dir())]:
                for pattern in BENCH_GLOBS + RACES_GLOBS + LATENCY_GLOBS:
                    found.extend((p, folder) for p in sorted(folder.glob(pattern)) if p.is_file())
        elif source.is_file():
            found.append((source, source.parent))
        elif source.exists():
            raise LoadError(f"{source}: not a regular file or directory")
        else:
            raise LoadError(f"{source}: no such file or directory")
    unique: dict[Path, Path] = {}
    for path, origin in found:
        unique.setdefault(path.resolve(), origin.resolve())
    return list(unique.items())


def discover(sources: Sources) -> list[Path]:
    """Result files named by ``sources`` (directories expand to their result files).

    Raises LoadError for a source that does not exist.
    """
    return [path for path, _ in discover_with_origin(sources)]


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    return path.read_text(encoding="utf-8")


def _read_json(path: Path) -> tuple[str, Any]:
    """(text, parsed JSON) of ``path``; LoadError with a one-line reason otherwise."""
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise LoadError(f"{path}: cannot be read ({exc})") from None
    if not text.strip():
        raise LoadError(f"{path}: empty file")
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}: not valid JSON, truncated or corrupt? ({exc})") from None


def kind_of(data: Any) -> str:
    """``"pyperf"``, ``"races"`` or ``"unknown"`` for parsed JSON ``data``."""
    if isinstance(data, dict):
        if "benchmarks" in data and "version" in data:
            return "pyperf"
        if data.get("schema") == RACES_SCHEMA:
            return "races"
        if data.get("schema") == LATENCY_SCHEMA and isinstance(data.get("results"), list):
            return "latency"
    return "unknown"


def _describe_unknown(path: Path, data: Any) -> str:
    if isinstance(data, dict) and "schema" in data:
        return (
            f"{path}: unknown schema {data.get('schema')!r} "
            f"(expected {RACES_SCHEMA!r}, a latency file (schema {LATENCY_SCHEMA}) "
            "or a pyperf file)"
        )
    if isinstance(data, dict):
        keys = ", ".join(sorted(map(str, data))[:5]) or "none"
        return (
            f"{path}: unknown schema: neither a pyperf file nor {RACES_SCHEMA!r} "
            f"(top-level keys: {keys})"
        )
    return f"{path}: unknown schema: a JSON {type(data).__name__}, not an object"


# --------------------------------------------------------------------------- bench


def _bench_rows(path: Path, text: str) -> list[dict[str, Any]]:
    """One dict per value of a pyperf file (calibration and warmup-only runs skipped)."""
    try:
        suite = pyperf.BenchmarkSuite.loads(text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LoadError(f"{path}: not a valid pyperf file ({exc})") from None
    file_arm = _arm_from_name(path)
    rows: list[dict[str, Any]] = []
    for bench in suite.get_benchmarks():
        name = bench.get_name()
        run_index = 0
        for run in bench.get_runs():
            values = run.values
            if not values:
                continue  # calibration / warmup-only run
            md = run.get_metadata()  # benchmark-level metadata merged in by pyperf
            family = md.get("family")
            threads = _int_or_none(md.get("threads"))
            if threads is None and family is not None:
                match = re.search(r"-t(\d+)$", name)
                threads = int(match.group(1)) if match else None
            arm = md.get("arm") or file_arm
            base = {
                **_workload_fields(family, md.get("variant"), name, md),
                "source": str(path),
                "arm": arm,
                "benchmark": name,
                "family": family,
                "variant": md.get("variant"),
                "threads": threads,
                "run": run_index,
                "unit": md.get("unit", "second"),
                "foreign": family is None,
                "switch_interval": _float_or_none(md.get("switch_interval")),
                "run_seconds": _float_or_none(md.get("run_seconds")),
                "oversubscribed": truthy(md.get("oversubscribed")),
                "ops_per_thread": _int_or_none(md.get("ops_per_thread")),
                "inner_loops": _int_or_none(md.get("inner_loops")),
                "description": md.get("description"),
                **_machine_fields(md),
            }
            base["gil_valid"] = gil_valid(
                arm,
                base["py_gil_disabled"],
                base["gil_enabled_at_start"],
                base["gil_enabled_at_end"],
            )
            for index, value in enumerate(values):
                rows.append({**base, "value_index": index, "value": float(value)})
            run_index += 1
    return rows


def _typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Reorder columns (keeping extra ones) and give nullable columns proper dtypes."""
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), dtype="object")
    extra = [c for c in frame.columns if c not in columns]
    frame = frame[columns + extra].copy()
    for column in (
        "threads",
        "cpu_count",
        "cores",
        "ops_per_thread",
        "inner_loops",
        "helper_threads",
        "threads_total",
        "trial",
        "count",
    ):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    for column in (
        "py_gil_disabled",
        "gil_enabled_at_start",
        "gil_enabled_at_end",
        "oversubscribed",
        "foreign",
        "gil_valid",
        "interleaved",
    ):
        if column in frame.columns:
            frame[column] = frame[column].astype("boolean")
    for column in (
        "value",
        "switch_interval",
        "run_seconds",
        "loss_rate",
        "seconds",
        "cpu_per_wall",
        "thread_finish_spread",
        "fairness_jain",
        "mem_max_rss",
        "p50_s",
        "p90_s",
        "p99_s",
        "max_s",
    ):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- races


def _race_rows(path: Path, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """One dict per trial of a races file, and warnings about inconsistent trials."""
    metadata = data.get("metadata")
    trials = data.get("trials")
    if not isinstance(metadata, dict):
        metadata = {}
    if not isinstance(trials, list):
        raise LoadError(f"{path}: schema {RACES_SCHEMA} but 'trials' is not a list")
    arm = metadata.get("arm") or _arm_from_name(path)
    common = {"source": str(path), "arm": arm, **_machine_fields(metadata)}
    common["gil_valid"] = gil_valid(
        arm,
        common["py_gil_disabled"],
        common["gil_enabled_at_start"],
        common["gil_enabled_at_end"],
    )
    # Other metadata keys travel along as columns (trial fields win on a clash).
    extra_md = {
        k: v
        for k, v in metadata.items()
        if k not in common and k not in RACE_TRIAL_KEYS and isinstance(v, str | int | float)
    }
    safe = metadata.get("safe_variants")
    if isinstance(safe, list):  # the variants that must lose nothing, as the file says
        extra_md["safe_variants"] = ",".join(str(name) for name in safe)
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for index, trial in enumerate(trials):
        if not isinstance(trial, dict):
            raise LoadError(f"{path}: trial {index} is not an object")
        missing = [k for k in RACE_TRIAL_KEYS if k not in trial]
        if missing:
            raise LoadError(f"{path}: trial {index} lacks {', '.join(missing)}")
        try:
            expected = int(trial["expected"])
            observed = int(trial["observed"])
            lost = int(trial["lost"])
            threads = int(trial["threads"])
        except (TypeError, ValueError):
            raise LoadError(f"{path}: trial {index} has non-integer counts") from None
        if expected <= 0:
            raise LoadError(f"{path}: trial {index} expects {expected} increments")
        if expected - observed != lost and not warnings:
            warnings.append(
                f"{path}: trial {index} has lost={lost} but expected-observed="
                f"{expected - observed} (first such trial)"
            )
        scalar = {k: v for k, v in trial.items() if isinstance(v, str | int | float | None)}
        rows.append(
            {
                **extra_md,
                **common,
                **scalar,
                "threads": threads,
                "expected": expected,
                "observed": observed,
                "lost": lost,
                "loss_rate": lost / expected,
                "trial": trial.get("trial", index),
            }
        )
    return rows, warnings


# --------------------------------------------------------------------------- public API


def _latency_rows(path: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per trial of a hand-off latency file (``latency-<arm>.json``, schema 1)."""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    arm = metadata.get("arm") or _arm_from_name(path)
    common = {
        "source": str(path),
        "arm": arm,
        "session": None if metadata.get("session") is None else str(metadata["session"]),
        **_machine_fields(metadata),
    }
    common["gil_valid"] = gil_valid(
        arm, common["py_gil_disabled"], common["gil_enabled_at_start"], None
    )
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(data["results"]):
        if not isinstance(item, dict):
            raise LoadError(f"{path}: result {index} is not an object")
        missing = [k for k in LATENCY_KEYS if k not in item]
        if missing:
            raise LoadError(f"{path}: result {index} lacks {', '.join(missing)}")
        try:
            row = {
                **common,
                "benchmark": str(item["benchmark"]),
                "threads": int(item["threads"]),
                "trial": int(item.get("trial", index)),
                "count": _int_or_none(item.get("count")),
                **{k: float(item[k]) for k in ("p50_s", "p90_s", "p99_s")},
                "max_s": _float_or_none(item.get("max_s")),
            }
        except (TypeError, ValueError):
            raise LoadError(f"{path}: result {index} has non-numeric fields") from None
        rows.append(row)
    return rows


def interpreter_set(row: dict[str, Any]) -> str:
    """A file's interpreter set: as recorded (``interpreter_set``), else its version and the
    build profile its configure flags amount to (``3.13.5-plain``), ``?`` when unknown."""
    from concepts.matching import build_profile

    recorded = row.get("interpreter_set")
    if isinstance(recorded, str) and recorded:
        return recorded
    version = row.get("python_version")
    if not isinstance(version, str) or not version:
        return "?"
    profile = row.get("build_profile")
    if not isinstance(profile, str) or not profile:
        config = row.get("python_config_args")
        profile = build_profile(config) if isinstance(config, str) else "?"
    return f"{version}-{profile}"
