"""Regenerate the regression-gate fixtures in this folder (deterministic; seed fixed).

    python tests/data/regress/make_fixtures.py

Synthetic pyperf result sets with known ratios, shaped like runners.bench output
(``bench-<arm>.json``, names ``family-variant-tN``, gilbench metadata), for the gate's
verdict tests:

- base-1, base-2, base-3   three repeated runs; baseline.json is built from them
                           (analysis.regress.baseline.build)
- run-pass                 a fresh run of the same code (same distribution)
- run-regression           locked-increment-lock-fine 30% slower on the ft arm
- run-wide                 a busy machine: 85% of the processes slowed 1.2-2x as a whole
- run-env                  ft arm on Python 3.14.0 without --disable-gil, 4 CPUs
- run-missing              locked-increment-lock-fine absent from the ft arm
- run-injected             run-pass, marked with the calibration's injected slowdown
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pyperf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

# seconds per op at 1 thread, and speedup at 2 threads, per (arm, benchmark)
TIMES = {
    ("gil", "increment-per-thread"): (50e-9, 1.0),
    ("gil", "locked-increment-lock-fine"): (150e-9, 0.95),
    ("gil", "cpu-control-sum-squares"): (60e-9, 1.0),
    ("ft", "increment-per-thread"): (75e-9, 1.9),
    ("ft", "locked-increment-lock-fine"): (200e-9, 0.7),
    ("ft", "cpu-control-sum-squares"): (80e-9, 1.95),
}
SPLIT = {
    "increment-per-thread": ("increment", "per-thread"),
    "locked-increment-lock-fine": ("locked-increment", "lock-fine"),
    "cpu-control-sum-squares": ("cpu-control", "sum-squares"),
}
PROCESSES = 8
VALUES = 3
NOISE = 0.02  # per-process relative noise of an ordinary run


def arm_metadata(arm: str, *, version: str = "3.13.5", ft_build: bool | None = None) -> dict:
    ft = arm != "gil" if ft_build is None else ft_build
    return {
        "arm": arm,
        "py_gil_disabled": ft,
        "gil_enabled_at_start": arm != "ft",
        "gil_enabled_at_end": arm != "ft",
        "python_version": version,
        "python_config_args": "'--prefix=/opt/py' '--enable-optimizations'"
        + (" '--disable-gil'" if ft else ""),
        "python_executable": f"/opt/py/bin/python3.13{'t' if arm != 'gil' else ''}",
        "cpu_count": 2,
        "cpu_model_name": "Fixture CPU",
        "hostname": "fixture",
        "platform": "Linux-fixture-x86_64",
        "switch_interval": 0.005,
    }


def make_set(
    name: str,
    rng: random.Random,
    *,
    noise: float = NOISE,
    busy: float = 0.0,
    factor: dict[tuple[str, str], float] | None = None,
    drop: frozenset[tuple[str, str]] = frozenset(),
    meta: dict[str, dict] | None = None,
) -> None:
    out = HERE / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for arm in ("gil", "ft"):
        benches = []
        for (bench_arm, bench), (t1, speedup) in TIMES.items():
            if bench_arm != arm or (arm, bench) in drop:
                continue
            family, variant = SPLIT[bench]
            for threads in (1, 2):
                base = t1 / (speedup if threads == 2 else 1.0)
                base *= (factor or {}).get((arm, bench), 1.0)
                runs = []
                for _ in range(PROCESSES):
                    level = base * (1 + rng.uniform(-noise, noise))
                    if rng.random() < busy:  # another tenant: the whole process slowed
                        level *= rng.uniform(1.2, 2.0)
                    values = [level * (1 + rng.uniform(-0.01, 0.01)) for _ in range(VALUES)]
                    md = {
                        **arm_metadata(arm),
                        **(meta or {}).get(arm, {}),
                        "name": f"{bench}-t{threads}",
                        "family": family,
                        "variant": variant,
                        "threads": threads,
                        "loops": 1,
                        "inner_loops": 1000 * threads,
                    }
                    runs.append(pyperf.Run(values, metadata=md, collect_metadata=False))
                benches.append(pyperf.Benchmark(runs))
        pyperf.BenchmarkSuite(benches).dump(str(out / f"bench-{arm}.json"))


def main() -> None:
    rng = random.Random(20261124)
    for index in (1, 2, 3):
        make_set(f"base-{index}", rng)
    make_set("run-pass", rng)
    make_set("run-regression", rng, factor={("ft", "locked-increment-lock-fine"): 1.30})
    make_set("run-wide", rng, busy=0.85)
    make_set(
        "run-env",
        rng,
        meta={
            "ft": {
                "python_version": "3.14.0",
                "python_config_args": "'--prefix=/opt/py'",
                "cpu_count": 4,
            },
            "gil": {"cpu_count": 4},
        },
    )
    make_set("run-missing", rng, drop=frozenset({("ft", "locked-increment-lock-fine")}))
    make_set(
        "run-injected",
        rng,
        meta={
            arm: {"injected_slowdown": "locked-increment-lock-fine:0.25"} for arm in ("gil", "ft")
        },
    )

    import json

    from analysis.regress.baseline import build
    from analysis.regress.metrics import side_of

    baseline = build([HERE / f"base-{i}" for i in (1, 2, 3)], side_of(""), ["--fixture"])
    baseline.update(
        created="2026-11-24T00:00:00+00:00",
        machine_class="fixture",
        sources=[f"tests/data/regress/base-{i}" for i in (1, 2, 3)],
    )
    (HERE / "baseline.json").write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
