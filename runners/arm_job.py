"""One arm's whole job, as each bench-* tox environment runs it.

Prints and verifies the interpreter's identity and observed GIL state (refusing an arm
whose state is not the expected one), then runs the benchmarks (``runners.bench``), the
race-loss trials (``runners.races``) and the hand-off latency trials
(``runners.latency``), each in its own process.

    python -m runners.arm_job --arm ft [--quick] [--threads 1,2] [--results-dir DIR]
                              [any runners.bench / pyperf option]

``--quick``, ``--threads`` and ``--results-dir`` go to all three runners; every other
option goes to the benchmarks only. The races and the latency trials run even when
some benchmarks failed (they are independent experiments); the exit status is the first
non-zero one.

When tox runs several arms (toxfile.py), their benchmarks are measured in one
interleaved sweep: ``GILBENCH_INTERLEAVE=gil=PYTHON,ft=PYTHON`` makes this job measure
them all (each arm on its own interpreter), ``GILBENCH_BENCH_IN=bench-ft`` makes it
leave its benchmarks to that environment and run its race and latency trials only.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from concepts.arms import ARMS, get_arm
from runners.identity import ArmMismatch, check_arm, interpreter_metadata

STOP_STATUSES = (2, 3, 130)
"""Statuses after which the next runner does not run: bad input, wrong arm, Ctrl-C."""
TRIAL_RUNNERS = ("runners.races", "runners.latency")
"""Run after the benchmarks, in this order, with the shared options."""


def split_options(argv: Sequence[str]) -> tuple[str, list[str], list[str]]:
    """Split the command line into (arm, runners.bench options, the trial runners' options).

    The trial runners (runners.races, runners.latency) take the same shared options.
    """
    parser = argparse.ArgumentParser(
        prog="python -m runners.arm_job", description=__doc__, allow_abbrev=False
    )
    parser.add_argument("--arm", required=True, choices=sorted(ARMS))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads")
    parser.add_argument("--results-dir")
    args, rest = parser.parse_known_args(list(argv))
    shared: list[str] = ["--arm", args.arm]
    if args.quick:
        shared.append("--quick")
    if args.threads is not None:
        shared += ["--threads", args.threads]
    if args.results_dir is not None:
        shared += ["--results-dir", args.results_dir]
    return args.arm, [*shared, *rest], shared


def interleaved_options(bench_options: list[str], spec: str) -> list[str]:
    """Replace ``--arm NAME`` with one ``--arm NAME=PYTHON`` per arm of ``spec``.

    ``spec`` is ``gil=PYTHON,ft=PYTHON``; the arms are put in the arms table's order, so
    that the first one (the reference of the ratios) is ``gil`` whenever it is there.
    """
    arms = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    options = list(bench_options)
    index = options.index("--arm")
    del options[index : index + 2]
    named = [f"--arm={name}={arms[name]}" for name in ARMS if name in arms]
    return named + options


INTERRUPT_GRACE = 2.0
"""Seconds a runner gets, after a Ctrl-C that reached it too, before we forward one."""


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(module: str, options: list[str]) -> int:
    """Run ``python -m module options``; on Ctrl-C/SIGTERM let it save its results first.

    (subprocess.call would kill the child on KeyboardInterrupt, losing what it finished.)
    """
    command = [sys.executable, "-m", module, *options]
    print(f"\n$ python -m {module} {' '.join(options)}", flush=True)
    proc = subprocess.Popen(command)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches the child too; a SIGTERM (tox) only reached us.
        try:
            return proc.wait(timeout=INTERRUPT_GRACE)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                continue


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.arm_job``."""
    arm_name, bench_options, race_options = split_options(sys.argv[1:] if argv is None else argv)
    arm = get_arm(arm_name)
    identity = interpreter_metadata(arm)
    print(f"gilbench arm {arm.name}: {arm.description}")
    for key in ("python_executable", "python_version", "py_gil_disabled", "gil_enabled_at_start"):
        print(f"  {key}: {identity[key]}")
    try:
        check_arm(arm)
    except ArmMismatch as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"  GIL state as expected for arm {arm.name}", flush=True)

    signal.signal(signal.SIGTERM, _raise_interrupt)
    deferred_to = os.environ.get("GILBENCH_BENCH_IN", "")
    interleave = os.environ.get("GILBENCH_INTERLEAVE", "")
    if deferred_to:
        print(
            f"\nbenchmarks of arm {arm.name}: measured in {deferred_to}, interleaved with the"
            " other arms of this run",
            flush=True,
        )
        bench_status = 0
    else:
        if interleave:
            bench_options = interleaved_options(bench_options, interleave)
        bench_status = _run("runners.bench", bench_options)
    if bench_status in STOP_STATUSES:
        print(f"arm_job: runners.bench exited with status {bench_status}", file=sys.stderr)
        return bench_status
    statuses = [("runners.bench", bench_status)]
    for module in TRIAL_RUNNERS:
        statuses.append((module, _run(module, race_options)))
        if statuses[-1][1] in STOP_STATUSES:
            break
    for module, status in statuses:
        if status:
            print(f"arm_job: {module} exited with status {status}", file=sys.stderr)
    return next((status for _, status in statuses if status), 0)


if __name__ == "__main__":
    sys.exit(main())
