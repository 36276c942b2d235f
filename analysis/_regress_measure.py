"""Running the gate's benchmarks: ``python -m runners.bench`` per arm, on the right interpreter.

Used to take a baseline (N repeated runs), by CI to measure the gate's subset, and by
the gate itself to re-measure flagged metrics. Each arm runs in its own subprocess in
the repository root with the arm's PYTHON_GIL (and none for the default build), so the
measurement never happens in this (analysis) interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from concepts.arms import ARMS, arm_env

REPO = Path(__file__).resolve().parent.parent
ENV_PYTHON = {
    "gil": "GILBENCH_PYTHON_GIL",
    "ft": "GILBENCH_PYTHON_FT",
    "ft-gil": "GILBENCH_PYTHON_FT",
}


class MeasureError(RuntimeError):
    """A benchmark run could not be started or failed."""


class PythonOptionError(ValueError):
    """A --python option is not ARM=PATH."""


def parse_python_options(items: Iterable[str]) -> dict[str, str]:
    """``["gil=/usr/bin/python3.13", "ft=..."]`` -> {arm: path}; PythonOptionError if bad."""
    pythons: dict[str, str] = {}
    for item in items:
        arm, sep, path = item.partition("=")
        if not sep or not path or arm not in ARMS:
            raise PythonOptionError(
                f"--python {item!r}: expected ARM=PATH with ARM in {', '.join(ARMS)}"
            )
        pythons[arm] = path
    return pythons


def resolve_python(
    arm: str, explicit: Mapping[str, str], recorded: Mapping[str, str] | None = None
) -> Path:
    """The interpreter (with pyperf) for ``arm``.

    In order: ``--python``, the one the results recorded, the tox environment
    ``.tox/bench-<arm>`` (which has pyperf), then $GILBENCH_PYTHON_GIL / _FT. ``ft-gil``
    falls back to the ``ft`` interpreter (same binary, PYTHON_GIL=1).
    """
    recorded = recorded or {}
    sibling = "ft" if arm == "ft-gil" else None
    candidates = [
        explicit.get(arm),
        explicit.get(sibling or ""),
        recorded.get(arm),
        recorded.get(sibling or ""),
        str(REPO / ".tox" / f"bench-{arm}" / "bin" / "python"),
        os.environ.get(ENV_PYTHON[arm]) if arm in ENV_PYTHON else None,
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate)
    raise MeasureError(
        f"no interpreter for arm {arm}: pass --python {arm}=PATH "
        f"(a python with pyperf installed) or set {ENV_PYTHON.get(arm, 'GILBENCH_PYTHON_*')}"
    )


def bench_filter(benchmarks: Iterable[str]) -> str:
    """A runners.bench --filter regex selecting exactly these ``family-variant`` names."""
    names = sorted(set(benchmarks))
    return "^(" + "|".join(_escape(name) for name in names) + ")(-t[0-9]+)?$"


def exact_filter(names: Iterable[str]) -> str:
    """A runners.bench --filter regex selecting exactly these full ``family-variant-tN`` names."""
    return "^(" + "|".join(_escape(name) for name in sorted(set(names))) + ")$"


def _escape(name: str) -> str:
    # re.escape also escapes "-", harmless but unreadable in logs; names are [a-z0-9-].
    return "".join("\\" + ch if not (ch.isalnum() or ch == "-") else ch for ch in name)


def _stream(cmd: Sequence[str], env: Mapping[str, str], timeout: float | None) -> int:
    """Run ``cmd`` in the repository root, copying its output to our stderr line by line."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with subprocess.Popen(
        list(cmd),
        cwd=REPO,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(line)
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                raise subprocess.TimeoutExpired(list(cmd), timeout or 0)
        return proc.wait()


@dataclass(frozen=True)
class ArmRun:
    """One arm's part of a measurement: interpreter, benchmark filter, runner options."""

    arm: str
    python: Path
    filter_regex: str | None
    bench_args: tuple[str, ...] = ()


def _run_one(job: ArmRun, out_dir: Path, timeout: float | None) -> None:
    cmd = [str(job.python), "-m", "runners.bench", "--arm", job.arm, "--results-dir", str(out_dir)]
    if job.filter_regex:
        cmd += ["--filter", job.filter_regex]
    cmd += list(job.bench_args)
    print(f"regress: measuring arm {job.arm}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    try:
        code = _stream(cmd, arm_env(job.arm), timeout)
    except FileNotFoundError:
        raise MeasureError(f"arm {job.arm}: cannot run {job.python}") from None
    except subprocess.TimeoutExpired:
        raise MeasureError(f"arm {job.arm}: runners.bench took longer than {timeout} s") from None
    if code != 0:
        raise MeasureError(f"arm {job.arm}: runners.bench exited {code}")
    if not (out_dir / f"bench-{job.arm}.json").exists():
        raise MeasureError(f"arm {job.arm}: runners.bench wrote no {out_dir}/bench-{job.arm}.json")


def measure(
    out_dir: Path, jobs: Sequence[ArmRun], *, rounds: int = 1, timeout: float | None = None
) -> None:
    """Run every job ``rounds`` times, interleaved, and merge each arm into ``out_dir``.

    Why rounds: on a shared machine the speed changes for seconds at a time (another
    job, the host). A ratio whose two benchmarks ran a minute apart absorbs that change;
    with R rounds of P/R processes each, every benchmark's processes are spread over the
    same time windows, so a slow window weighs on both sides of a ratio alike. The arm
    order alternates between rounds. Round files stay in ``out_dir/rounds/``; the merged
    ``bench-<arm>.json`` (pyperf's own merge of runs) is what the gate reads.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    if rounds <= 1:
        for job in jobs:
            _run_one(job, out_dir, timeout)
        return
    round_dirs = [out_dir / "rounds" / f"round-{index}" for index in range(1, rounds + 1)]
    for index, round_dir in enumerate(round_dirs):
        print(f"regress: round {index + 1} of {rounds}", file=sys.stderr, flush=True)
        for job in jobs if index % 2 == 0 else list(reversed(jobs)):
            _run_one(job, round_dir, timeout)
    _merge_rounds(out_dir, round_dirs, [job.arm for job in jobs])


def _merge_rounds(out_dir: Path, round_dirs: Sequence[Path], arms: Iterable[str]) -> None:
    import io

    import pyperf

    from concepts.files import publish

    for arm in dict.fromkeys(arms):
        merged = pyperf.BenchmarkSuite.load(str(round_dirs[0] / f"bench-{arm}.json"))
        for round_dir in round_dirs[1:]:
            merged.add_runs(pyperf.BenchmarkSuite.load(str(round_dir / f"bench-{arm}.json")))
        text = io.StringIO()
        merged.dump(text)
        publish(out_dir / f"bench-{arm}.json", text.getvalue())


def run_arms(
    out_dir: Path,
    pythons: Mapping[str, Path],
    *,
    filter_regex: str | None,
    bench_args: Sequence[str] = (),
    rounds: int = 1,
    timeout: float | None = None,
) -> None:
    """Run ``runners.bench`` for each arm in ``pythons`` (same filter and options)."""
    jobs = [ArmRun(arm, python, filter_regex, tuple(bench_args)) for arm, python in pythons.items()]
    measure(out_dir, jobs, rounds=rounds, timeout=timeout)
