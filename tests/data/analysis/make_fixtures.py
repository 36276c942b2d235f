"""Hand-made gilbench result files with known answers, for the analysis tests.

``python tests/data/analysis/make_fixtures.py`` regenerates ``complete/`` (three arms
of benchmarks plus their race files). The tests also call these functions to build
variations (a version mismatch, a wrong GIL state, one arm only...) in tmp folders.

Every benchmark cell has 5 worker processes (``processes`` to change it) whose process
values are m, m / 1.05, 1.05 m, m / 1.1 and 1.1 m (each process: two equal values, so
its fastest value and its mean agree), so the location of its process values (their
geometric mean, 20% trimmed: concepts.stats) is exactly m, with 5 processes or with
3. With 5 processes an interval is a "95% CI"; with 3 a "t interval of 3 processes".
Known answers, from the tables below (ns per op):

- ft/gil at 1 thread = 1.5 for every benchmark; ft-gil/gil = 1.4 at every count;
- speedup at 2 threads: cpu-control/arith (an unknown workload: a per-thread
  primitive by default) ft 150/75 = 2.0, gil 1.0;
- crossover (ft beats gil): cpu-control 2, increment/per-thread 2,
  increment/shared-list never; increment family (primitives only: shared-list, 3.0 at
  2 threads) never; its control (per-thread) 0.75 at 2 threads;
- lock cost over unshared work (vs increment/per-thread): gil lock-fine 50 - 20 = 30 ns
  at every count, ft lock-fine 75 - 30 = 45 ns at 1 thread, 200 - 15 = 185 ns at 2;
  semaphore/k1 vs semaphore/unlocked: gil 200 - 100 = 100 ns;
- race loss (expected 1000 per trial): gil call at 2 threads loses 0, 100, 200
  (median 10%, IQR 5%-15%, max 20%); ft inline at 2 threads 300..600 (median 45%).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyperf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))  # the repository: concepts
THREADS = (1, 2, 4)

GIL_NS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("increment", "shared-list"): (20, 20, 20),
    ("increment", "per-thread"): (20, 20, 20),
    ("locked-increment", "lock-fine"): (50, 50, 50),
    ("locked-increment", "rlock-fine"): (60, 60, 60),
    ("semaphore", "k1"): (200, 200, 200),
    ("semaphore", "unlocked"): (100, 100, 100),
    ("cpu-control", "arith"): (100, 100, 100),
}
FT_NS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("increment", "shared-list"): (30, 60, 60),
    ("increment", "per-thread"): (30, 15, 15),
    ("locked-increment", "lock-fine"): (75, 200, 220),
    ("locked-increment", "rlock-fine"): (90, 210, 230),
    ("semaphore", "k1"): (300, 400, 400),
    ("semaphore", "unlocked"): (150, 75, 75),
    ("cpu-control", "arith"): (150, 75, 75),
}
FT_GIL_NS = {key: tuple(1.4 * v for v in row) for key, row in GIL_NS.items()}
TABLES = {"gil": GIL_NS, "ft": FT_NS, "ft-gil": FT_GIL_NS}
GIL_STATE = {"gil": True, "ft": False, "ft-gil": True}
FT_BUILD = {"gil": False, "ft": True, "ft-gil": True}
CONFIG = "'--prefix=/opt/py' '--enable-optimizations' '--with-lto'"


def arm_metadata(arm: str, /, **overrides: Any) -> dict[str, Any]:
    """Interpreter / machine metadata as runners/identity.py records it."""
    md: dict[str, Any] = {
        "arm": arm,
        "gil_enabled_at_start": GIL_STATE[arm],
        "gil_enabled_at_end": GIL_STATE[arm],
        "py_gil_disabled": FT_BUILD[arm],
        "switch_interval": 0.005,
        "cpu_affinity": "0,1",
        "cpu_count": 2,
        "python_version": "3.13.5",
        "python_executable": "/opt/py/bin/python3.13" + ("t" if FT_BUILD[arm] else ""),
        "python_config_args": CONFIG + (" '--disable-gil'" if FT_BUILD[arm] else ""),
        "hostname": "fixture-host",
        "cpu_model_name": "Fixture CPU @ 2.00GHz",
        "date": "2026-11-24 20:00:00",
    }
    for key, value in overrides.items():
        if value is None:
            md.pop(key, None)  # None: leave the field out
        else:
            md[key] = value
    return md


RunMetadata = Callable[[str, str, int, int], dict[str, Any]]
"""(family, variant, threads, process index) -> extra metadata of that process's run."""


def bench_suite(
    arm: str,
    table: Mapping[tuple[str, str], tuple[float, ...]] | None = None,
    threads: tuple[int, ...] = THREADS,
    processes: int = 5,
    /,
    run_metadata: RunMetadata | None = None,
    **overrides: Any,
) -> pyperf.BenchmarkSuite:
    """A BenchmarkSuite of ``arm`` with the values of ``table`` (ns per op).

    ``run_metadata`` adds per-process metadata (cpu_per_wall, fairness_jain...)."""
    table = TABLES[arm] if table is None else table
    spreads = [1.0, 1 / 1.05, 1.05, 1 / 1.1, 1.1][:processes]
    benchmarks = []
    for (family, variant), row in table.items():
        for index, n in enumerate(threads):
            m = row[index] * 1e-9
            name = f"{family}-{variant}-t{n}"
            md = arm_metadata(arm, **overrides)
            md.update(
                {
                    "name": name,
                    "family": family,
                    "variant": variant,
                    "threads": n,
                    "unit": "second",
                    "ops_per_thread": 1000,
                    "inner_loops": 1000 * n,
                    "loops": 1,
                    "oversubscribed": n > 2,
                    "description": f"{family} {variant} fixture",
                }
            )
            runs = [
                # A calibration run (warmups only, no values): the loader must skip it.
                pyperf.Run([], warmups=[(1, m)], metadata=md, collect_metadata=False)
            ]
            for index, spread in enumerate(spreads):
                fastest = m * spread
                run_md = dict(md)
                if run_metadata is not None:
                    run_md.update(run_metadata(family, variant, n, index))
                runs.append(
                    pyperf.Run(
                        [fastest, fastest],
                        warmups=[(1, fastest)],
                        metadata=run_md,
                        collect_metadata=False,
                    )
                )
            benchmarks.append(pyperf.Benchmark(runs))
    return pyperf.BenchmarkSuite(benchmarks)


def write_bench(
    path: Path,
    arm: str,
    /,
    table: Mapping[tuple[str, str], tuple[float, ...]] | None = None,
    threads: tuple[int, ...] = THREADS,
    processes: int = 5,
    run_metadata: RunMetadata | None = None,
    **overrides: Any,
) -> Path:
    """Write ``bench_suite(arm, table, threads, processes, **overrides)`` to ``path``.

    ``overrides`` replace metadata fields (None removes one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suite = bench_suite(arm, table, threads, processes, run_metadata=run_metadata, **overrides)
    suite.dump(str(path), replace=True)
    return path


def write_two_machines(root: Path) -> tuple[Path, Path]:
    """gil and ft results of two machines that both call themselves ``vm``: 2 and 16 CPUs."""
    folders = []
    for folder, cpus in (("2core", 2), ("16core", 16)):
        for arm in ("gil", "ft"):
            write_bench(
                root / folder / f"bench-{arm}.json",
                arm,
                hostname="vm",
                cpu_count=cpus,
                cpu_affinity=",".join(map(str, range(cpus))),
            )
        folders.append(root / folder)
    return folders[0], folders[1]


def write_latency(path: Path, arm: str, results: list[dict[str, Any]], /, **overrides: Any) -> Path:
    """Write a hand-off latency file (``latency-<arm>.json``, schema 1) with ``results``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    md = arm_metadata(arm, **overrides)
    data = {"schema": 1, "metadata": md, "results": results}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def race_trials(arm: str) -> list[dict[str, Any]]:
    """Trials with known loss counts (expected = 1000 per trial)."""
    lost: dict[tuple[str, int, float], list[int]] = {}
    for variant in ("inline", "call", "locked", "itertools-count"):
        for n in (1, 2):
            lost[(variant, n, 0.005)] = [0, 0, 0, 0]
    if arm == "gil":
        lost[("call", 2, 0.005)] = [0, 100, 200]
        lost[("call", 2, 1e-6)] = [400, 500, 600]
    if arm == "ft":
        lost[("inline", 2, 0.005)] = [300, 400, 500, 600]
        lost[("call", 2, 0.005)] = [350, 450]
    trials = []
    for (variant, n, interval), losses in lost.items():
        for trial, count in enumerate(losses):
            trials.append(
                {
                    "variant": variant,
                    "threads": n,
                    "increments_per_thread": 1000 // n,
                    "switch_interval": interval,
                    "expected": 1000,
                    "observed": 1000 - count,
                    "lost": count,
                    "trial": trial,
                    "seconds": 0.01,
                }
            )
    return trials


def write_races(
    path: Path, arm: str, /, *, schema: str = "gilbench.races/1", **overrides: Any
) -> Path:
    """Write a races file for ``arm`` with :func:`race_trials`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "schema": schema,
        "metadata": arm_metadata(arm, **overrides),
        "trials": race_trials(arm),
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def write_complete(folder: Path, arms: tuple[str, ...] = ("gil", "ft", "ft-gil")) -> Path:
    """bench-<arm>.json and races-<arm>.json for ``arms`` in ``folder``."""
    for arm in arms:
        write_bench(folder / f"bench-{arm}.json", arm)
        write_races(folder / f"races-{arm}.json", arm)
    return folder


# --------------------------------------------------------------------------- a new sweep

SWEEP_GIL_NS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("increment", "per-thread"): (20, 20, 20),
    ("locked-increment", "lock-fine"): (50, 50, 50),
    ("locked-increment", "lock-fine-duration"): (50, 50, 50),
    ("barrier", "shared"): (1000, 30000, 60000),
    ("event", "ping-pong"): (2000, 40000, 40000),
    ("queue-pipeline", "queue"): (4000, 4000, 4000),
    ("ownership", "list-own"): (30, 30, 30),
    ("ownership", "list-other"): (30, 30, 30),
}
SWEEP_FT_NS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("increment", "per-thread"): (30, 15, 15),
    ("locked-increment", "lock-fine"): (75, 200, 220),
    ("locked-increment", "lock-fine-duration"): (75, 200, 220),
    ("barrier", "shared"): (1500, 30000, 60000),
    ("event", "ping-pong"): (3000, 40000, 20000),
    ("queue-pipeline", "queue"): (6000, 5000, 5000),
    ("ownership", "list-own"): (40, 20, 20),
    ("ownership", "list-other"): (60, 30, 30),
}
"""A quick sweep of both arms as the runners write it after the "Unbiased measurement"
change (threads 1, 2, 4 on 2 cores; 5 processes). Known answers:

- ideal speedup at 4 threads: increment/per-thread 2 (min(4, 2)), barrier/shared 1
  (fixed work), event/ping-pong 2 (pairs, relative to 2 threads: min(4 // 2, 2));
  ft ping-pong speedup at 4 = t(2)/t(4) = 40000/20000 = 2.0, at 1 thread undefined;
- effective threads of queue-pipeline/queue at 1 thread: 3 (threads_total recorded),
  oversubscribed on 2 cores; it is left out of the single-thread overhead;
- Jain's index of locked-increment/lock-fine at 2 threads: runs 0.9, 0.95, 1.0, 0.8,
  0.85 -> median 0.9, min 0.8; finish spread 0.1 .. 0.5 -> median 0.3;
- achieved parallelism: ft increment/per-thread at 2 threads, cpu_per_wall 1.9, 1.95,
  1.2, 1.85, 1.9 -> 1 disturbed run of 5 (1.2 < 0.8 x 2); gil always 1.0 -> none;
- peak memory: every gil process 30 MiB, every ft process 40 MiB -> ft/gil 1.33;
- ownership cost list-other / list-own: ft 1.5 at every thread count, gil 1.0;
- one session "s1" for both arms, interleaved: no session note.
"""

SWEEP_JAIN = (0.9, 0.95, 1.0, 0.8, 0.85)
SWEEP_SPREAD = (0.1, 0.2, 0.3, 0.4, 0.5)
SWEEP_CPU_PER_WALL_FT_2 = (1.9, 1.95, 1.2, 1.85, 1.9)


SWEEP_RUN_SECONDS = 0.05
"""Length of the sweep's fixed-duration runs, as gilbench ran them before 0.25 s."""


def sweep_run_metadata(arm: str) -> RunMetadata:
    """Per-process run metadata of :func:`write_sweep` for ``arm``."""
    from concepts.families import traits, workload_metadata

    def metadata(family: str, variant: str, threads: int, index: int) -> dict[str, Any]:
        name = f"{family}-{variant}"
        found = traits(name)
        md: dict[str, Any] = dict(workload_metadata(name, threads))
        md["threads_total"] = threads + found.helper_threads
        md["mode"] = found.mode
        if found.mode == "duration":
            md["run_seconds"] = SWEEP_RUN_SECONDS  # ten 5 ms switch intervals: too few
        md["mem_max_rss"] = (40 if arm == "ft" else 30) * 2**20
        if found.independent:
            if arm == "ft":
                md["cpu_per_wall"] = (
                    SWEEP_CPU_PER_WALL_FT_2[index] if threads == 2 else 0.95 * min(threads, 2)
                )
            else:
                md["cpu_per_wall"] = 1.0
        if threads >= 2:
            md["fairness_jain"] = SWEEP_JAIN[index]
            md["thread_finish_spread"] = SWEEP_SPREAD[index]
        return md

    return metadata


def write_sweep(folder: Path, *, sessions: tuple[str, str] = ("s1", "s1")) -> Path:
    """bench-gil.json, bench-ft.json and latency-<arm>.json of a new-format quick sweep."""
    for arm, table, session in (
        ("gil", SWEEP_GIL_NS, sessions[0]),
        ("ft", SWEEP_FT_NS, sessions[1]),
    ):
        write_bench(
            folder / f"bench-{arm}.json",
            arm,
            table,
            run_metadata=sweep_run_metadata(arm),
            session=session,
            build_profile="optimized",
            session_start="2026-12-01T08:00:00",
            session_end="2026-12-01T08:20:00",
            interleaved=True,
        )
        scale = 1.5 if arm == "ft" else 1.0
        write_latency(
            folder / f"latency-{arm}.json",
            arm,
            [
                {
                    "benchmark": "event-ping-pong",
                    "threads": 2,
                    "trial": trial,
                    "count": 2000,
                    "p50_s": scale * 20e-6 * (1 + trial / 10),
                    "p90_s": scale * 40e-6,
                    "p99_s": scale * 80e-6,
                    "max_s": scale * 200e-6 * (1 + trial),
                }
                for trial in range(3)
            ],
            session=session,
        )
    return folder


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "complete"
    write_complete(target)
    print(f"wrote {target}")
