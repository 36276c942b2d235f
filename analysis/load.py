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

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyperf

from concepts.arms import ARM_ORDER, ARMS
from concepts.families import traits

KNOWN_ARMS: tuple[str, ...] = ARM_ORDER
"""The arms in report order (concepts.arms)."""

EXPECTED_GIL: dict[str, bool] = {name: arm.expect_gil_enabled for name, arm in ARMS.items()}
"""Observed GIL state each arm must have (``sys._is_gil_enabled()``)."""

EXPECTED_BUILD_FT: dict[str, bool] = {name: arm.free_threaded_build for name, arm in ARMS.items()}
"""Whether each arm runs a free-threaded build (``Py_GIL_DISABLED``)."""

RACES_SCHEMA = "gilbench.races/1"
BENCH_GLOBS: tuple[str, ...] = ("bench-*.json", "bench-*.json.gz")
RACES_GLOBS: tuple[str, ...] = ("races-*.json",)
LATENCY_GLOBS: tuple[str, ...] = ("latency-*.json",)
SETS_DIR = "sets"
"""Under a results directory: one folder per interpreter set other than the default one."""
LATENCY_SCHEMA = 1
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


def parse_cpu_list(value: Any) -> list[int] | None:
    """CPU list in gilbench's ``"0,1"`` or pyperf's ``"0-3,6"`` form; None if absent or odd."""
    if value is None:
        return None
    if isinstance(value, int):
        return [value]
    cpus: list[int] = []
    for part in str(value).replace(" ", "").split(","):
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = part.split("-", 1)
                cpus.extend(range(int(lo), int(hi) + 1))
            else:
                cpus.append(int(part))
        except ValueError:
            return None
    return sorted(set(cpus)) or None


def usable_cores(affinity: Any, cpu_count: Any) -> int | None:
    """CPUs the measurement could use: the affinity's size, else the machine's count."""
    cpus = parse_cpu_list(affinity)
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
    return name if name in KNOWN_ARMS else None


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
        # A test-only slowdown (runners.inject) that ran in this benchmark: never a result.
        "injected_slowdown": md.get("injected_slowdown"),
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


IDENTITY_COLUMNS: tuple[str, ...] = ("origin", "hostname", "cpu_model", "cpu_count", "cores")
"""What identifies the machine a file was measured on: the ``--results`` source it came
from, the host name, the CPU model, the CPU count and the usable CPUs (affinity). Never
the host name alone: cloud VMs of different sizes all call themselves ``vm``."""


def _mode(values: pd.Series) -> Any:
    present = values.dropna()
    return present.mode().iloc[0] if not present.empty else None


def assign_groups(*frames: pd.DataFrame) -> None:
    """Fill the ``group`` column of every frame: which files are compared with each other.

    Files measured on one machine (same :data:`IDENTITY_COLUMNS`) form one group, so a
    gil and an ft file of one result directory are compared even if their versions
    differ (a mismatch the report warns about). Where one machine has the same arm from
    several interpreter sets (3.13.5-plain and 3.13.5-optimized, or 3.13 and 3.14, side
    by side: :func:`interpreter_set`), the group is split by set. A group is labelled
    with its host name, plus whatever tells it apart from the other groups (CPU count,
    usable CPUs, CPU model, interpreter set, result directory), so ``vm`` on 2 and on 16
    CPUs become ``vm · 2 cpus`` and ``vm · 16 cpus``. Every row's ``interpreter_set``
    column is filled in too.
    """
    present = [f for f in frames if not f.empty]
    if not present:
        for frame in frames:
            frame["group"] = pd.Series(dtype="object")
        return
    columns = [
        "source",
        "arm",
        "python_version",
        "interpreter_set",
        "build_profile",
        "python_config_args",
        *IDENTITY_COLUMNS,
    ]
    rows = pd.concat([f[columns] for f in present], ignore_index=True)
    per_file = rows.groupby("source", sort=True).agg({c: _mode for c in columns if c != "source"})
    per_file["set"] = [
        interpreter_set({str(k): v for k, v in row.items()}) for row in per_file.to_dict("records")
    ]
    per_file["identity"] = _merge_unknowns(
        [
            tuple("?" if v is None or v != v else str(v) for v in row)
            for row in per_file[list(IDENTITY_COLUMNS)].itertuples(index=False)
        ]
    )
    key_of: dict[str, tuple[Any, ...]] = {}
    identity: Any
    for identity, machine in per_file.groupby("identity", sort=True):
        arms_sets = machine.groupby(machine["arm"].fillna("?"))["set"].nunique()
        split = bool((arms_sets > 1).any())
        sets = "/".join(sorted(set(machine["set"])))  # labels only: no split
        for source, row in machine.iterrows():
            key_of[str(source)] = (*identity, row["set"] if split else sets)
    labels = _group_labels(set(key_of.values()))
    label = {source: labels[key] for source, key in key_of.items()}
    set_of = {str(source): str(value) for source, value in per_file["set"].items()}
    for frame in frames:
        if frame.empty:
            frame["group"] = pd.Series(dtype="object")
        else:
            frame["group"] = frame["source"].map(label).astype("object")
            frame["interpreter_set"] = frame["source"].map(set_of).astype("object")


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


def _merge_unknowns(identities: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Give a file that does not record some identity field ("?") the identity of the one
    machine it is compatible with (same origin, every recorded field equal).

    A races file, for instance, may record the CPU count but not the CPU model: it
    belongs with the bench files of its directory, not in a group of its own. Where two
    machines are compatible the file keeps its own identity (nothing is guessed).
    """
    known = sorted(set(identities), key=lambda ident: sum(v == "?" for v in ident))

    def compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return a[0] == b[0] and all(x == y or "?" in (x, y) for x, y in zip(a, b, strict=True))

    resolved: dict[tuple[str, ...], tuple[str, ...]] = {}
    for ident in known:
        if "?" not in ident:
            resolved[ident] = ident
            continue
        fuller = {
            resolved[other]
            for other in known
            if other != ident
            and sum(v == "?" for v in other) < sum(v == "?" for v in ident)
            and compatible(ident, other)
        }
        resolved[ident] = fuller.pop() if len(fuller) == 1 else ident
    return [resolved[ident] for ident in identities]


def _group_labels(keys: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], str]:
    """Readable, distinct labels for group keys (origin, host, model, cpus, cores, set)."""
    origin, host, model, cpus, cores, set_ = range(6)
    parts: dict[tuple[Any, ...], list[str]] = {
        key: [key[host] if key[host] != "?" else "unknown host"] for key in keys
    }
    describe = (
        (cpus, lambda k: f"{k[cpus]} cpus"),
        (cores, lambda k: f"{k[cores]} usable"),
        (model, lambda k: str(k[model])),
        (set_, lambda k: str(k[set_]) if k[set_] else ""),
        (origin, lambda k: Path(str(k[origin])).name or str(k[origin])),
    )
    for index, text in describe:
        labels = {key: " · ".join(p for p in parts[key] if p) for key in keys}
        clashing = [k for k in keys if sum(v == labels[k] for v in labels.values()) > 1]
        if not clashing:
            break
        if len({k[index] for k in clashing}) > 1:
            for key in clashing:
                parts[key].append(text(key))
    labels = {key: " · ".join(p for p in parts[key] if p) for key in keys}
    for key in sorted(keys, key=str):  # last resort: still equal labels get a number
        same = sorted((k for k in keys if labels[k] == labels[key]), key=str)
        if len(same) > 1:
            for number, other in enumerate(same, 1):
                labels[other] = f"{labels[other]} #{number}"
    return labels


def load_results(sources: Sources, *, on_error: OnError = "skip") -> Results:
    """Load every result file named by ``sources`` (files and/or directories).

    With ``on_error="skip"`` a bad file is left out and described in
    ``Results.problems``; with ``"raise"`` the first bad file raises LoadError.
    Missing sources always raise LoadError.
    """
    found = discover_with_origin(sources)
    bench_rows: list[dict[str, Any]] = []
    race_rows: list[dict[str, Any]] = []
    latency_rows: list[dict[str, Any]] = []
    problems: list[str] = []
    loaded: list[Path] = []
    for path, origin in found:
        try:
            text, data = _read_json(path)
            kind = kind_of(data)
            if kind == "pyperf":
                rows = _bench_rows(path, text)
                if not rows:
                    raise LoadError(f"{path}: pyperf file without any timing value")
                target = bench_rows
            elif kind == "races":
                rows, warnings = _race_rows(path, data)
                if not rows:
                    raise LoadError(f"{path}: races file without any trial")
                problems.extend(warnings)
                target = race_rows
            elif kind == "latency":
                rows = _latency_rows(path, data)
                if not rows:
                    raise LoadError(f"{path}: latency file without any result")
                target = latency_rows
            else:
                raise LoadError(_describe_unknown(path, data))
            for row in rows:
                row["origin"] = str(origin)
            target.extend(rows)
            loaded.append(path)
        except LoadError as exc:
            if on_error == "raise":
                raise
            problems.append(str(exc))
    bench = _typed(pd.DataFrame(bench_rows), BENCH_COLUMNS)
    races = _typed(pd.DataFrame(race_rows), RACE_COLUMNS)
    latency = _typed(pd.DataFrame(latency_rows), LATENCY_COLUMNS)
    assign_groups(bench, races, latency)
    return Results(bench=bench, races=races, latency=latency, files=loaded, problems=problems)


def _only(sources: Sources, kind: str) -> list[Path]:
    """The files of ``sources`` that hold ``kind`` ("bench" or "races") by name or content."""
    globs = BENCH_GLOBS if kind == "bench" else RACES_GLOBS
    chosen: list[Path] = []
    for source in _as_list(sources):
        if source.is_dir():
            for pattern in globs:
                chosen.extend(sorted(p for p in source.glob(pattern) if p.is_file()))
        else:
            chosen.append(source)  # explicit files: loaded whatever their name
    return chosen


def load_bench(sources: Sources, *, on_error: OnError = "raise") -> pd.DataFrame:
    """pyperf results as one row per value (columns: :data:`BENCH_COLUMNS`).

    ``sources``: a results directory (its ``bench-*.json``), pyperf files, or a list
    of both. Foreign pyperf benchmarks (no ``family`` metadata) get family NaN and
    ``foreign`` True. Problems go to ``frame.attrs["problems"]`` when
    ``on_error="skip"``; with ``"raise"`` (default) they raise LoadError, as does
    finding no benchmark at all.
    """
    files = _only(sources, "bench")
    if not files:
        raise LoadError(f"no bench-*.json files in {', '.join(map(str, _as_list(sources)))}")
    results = load_results(files, on_error=on_error)
    bench = results.bench
    bench.attrs["problems"] = list(results.problems)
    if bench.empty and on_error == "raise":
        raise LoadError(f"no benchmark values in {', '.join(map(str, files))}")
    return bench


def load_races(sources: Sources, *, on_error: OnError = "raise") -> pd.DataFrame:
    """Race-loss trials as one row per trial (columns: :data:`RACE_COLUMNS` and more).

    ``sources``: a results directory (its ``races-*.json``), races files, or a list.
    ``loss_rate`` = lost / expected. Errors as in :func:`load_bench`.
    """
    files = _only(sources, "races")
    if not files:
        raise LoadError(f"no races-*.json files in {', '.join(map(str, _as_list(sources)))}")
    results = load_results(files, on_error=on_error)
    races = results.races
    races.attrs["problems"] = list(results.problems)
    if races.empty and on_error == "raise":
        raise LoadError(f"no race trials in {', '.join(map(str, files))}")
    return races


def arms_present(frame: pd.DataFrame) -> list[str]:
    """Arms in ``frame`` in report order (known arms first, then others sorted)."""
    if frame.empty:
        return []
    found = {str(a) for a in frame["arm"].dropna().unique()}
    return [a for a in KNOWN_ARMS if a in found] + sorted(found - set(KNOWN_ARMS))


def iter_sources(frame: pd.DataFrame) -> Iterable[str]:
    """Distinct source files of a frame, sorted."""
    return sorted(frame["source"].dropna().unique()) if not frame.empty else []
