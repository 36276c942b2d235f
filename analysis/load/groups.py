"""``load_results``: discover the files, read them, and group rows by machine and
interpreter set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.load.rows import (
    _as_list,
    _bench_rows,
    _describe_unknown,
    _latency_rows,
    _race_rows,
    _read_json,
    _typed,
    discover_with_origin,
    interpreter_set,
    kind_of,
)
from analysis.load.schema import (
    BENCH_COLUMNS,
    BENCH_GLOBS,
    LATENCY_COLUMNS,
    RACE_COLUMNS,
    RACES_GLOBS,
    LoadError,
    OnError,
    Results,
    Sources,
)
from concepts.arms import ARM_ORDER

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
    return [a for a in ARM_ORDER if a in found] + sorted(found - set(ARM_ORDER))
