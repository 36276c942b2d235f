"""One gilbench benchmark (workload x thread count) as a pyperf program.

``python -m runners.bench`` starts this module once per benchmark. Run by hand it is a
pyperf Runner master: it spawns pyperf's worker processes (this same module with
``--worker``), each of which times the workload with ``runners.harness.time_workload``
and records, as pyperf metadata, which arm it belongs to and the GIL state it observed
after its imports and after every timed region. Our options (``--gilbench-*``) reach the
workers through their command line, since pyperf passes workers only a short list of
environment variables.

    python -m runners._pyperf_bench --gilbench-arm gil --gilbench-workload \\
        increment-shared-list --gilbench-threads 2 -o out.json [pyperf options]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pyperf

from benchmarks import Workload, all_workloads
from concepts.families import workload_metadata
from runners import inject
from runners.arms import Arm, get_arm
from runners.harness import time_workload
from runners.identity import (
    ArmMismatch,
    check_arm,
    cpu_affinity,
    gil_enabled,
    interpreter_metadata,
)

PROGRAM_ARGS = ("-m", "runners._pyperf_bench")

# pyperf defaults for a full run, as the master Runner's defaults (so that pyperf's own
# --fast / --rigorous scale from them). Why these values:
# - processes are the independent samples (the analysis bootstraps the median of
#   per-process means): 8 is the floor for a usable 95% CI; runners.bench adds more
#   while that CI is wider than +-5%;
# - 2 warmups: the first value of a fresh worker ran 5-15% slow on average on these
#   2-core machines (measured over 50+ benchmarks), the second one much less;
# - 6 values: values within one process share its conditions, so more of them add time
#   but little precision compared with more processes;
# - a value lasts >= 20 ms (pyperf calibrates the loops): well above the harness's own
#   cost per run (Barrier release, 0.05-0.3 ms at 2+ threads), short enough for ~50
#   values of a benchmark within a few seconds.
DEFAULT_PROCESSES = 8
DEFAULT_VALUES = 6
DEFAULT_WARMUPS = 2
DEFAULT_MIN_TIME = 0.02
"""Seconds: pyperf calibrates loops per value so that a value lasts at least this long."""

ERROR_PREFIX = "gilbench-error:"
"""Marks the one-line cause of a failure in a worker's output; runners.bench looks for it."""

KEEP_METADATA = (
    "arm",
    "gil_enabled_at_start",
    "py_gil_disabled",
    "switch_interval",
    "cpu_affinity",
    "cpu_count",
    "python_version",
    "python_config_args",
    "python_gil_env",
)
"""Fields of runners.identity.interpreter_metadata recorded with every run."""


def benchmark_name(workload: Workload, threads: int) -> str:
    """The pyperf benchmark name of ``workload`` at ``threads`` threads."""
    return f"{workload.name}-t{threads}"


def load_workload_file(path: str) -> None:
    """Import a Python file that registers extra workloads (tests and experiments)."""
    spec = importlib.util.spec_from_file_location(f"gilbench_extra_{Path(path).stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import workload file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def find_workload(name: str, workload_files: list[str] | None = None) -> Workload:
    """The registered workload called ``family-variant``; ValueError when there is none."""
    for path in workload_files or ():
        load_workload_file(path)
    workloads = {w.name: w for w in all_workloads()}
    try:
        return workloads[name]
    except KeyError:
        raise ValueError(f"unknown workload {name!r}") from None


def run_metadata(arm: Arm, workload: Workload, threads: int) -> dict[str, Any]:
    """The pyperf metadata of one benchmark, as observed now (after the imports)."""
    identity = interpreter_metadata(arm)
    metadata: dict[str, Any] = {key: identity[key] for key in KEEP_METADATA}
    metadata.update(
        family=workload.family,
        variant=workload.variant,
        threads=threads,
        description=workload.description,
        # pyperf reserves "unit" for the value's unit (seconds here): the workload's
        # operation unit gets its own key.
        op_unit=workload.unit,
        ops_per_thread=workload.ops_per_thread,
    )
    metadata.update(workload_metadata(workload.name, threads))
    metadata.update(cpu_affinity_metadata(threads))
    if workload.family == "thread-local":
        # Whether new threads inherit the caller's context differs by version (3.14+).
        from benchmarks.thread_local import context_metadata

        metadata.update(context_metadata())
    # pyperf rejects empty strings as metadata values.
    return {key: value for key, value in metadata.items() if value != ""}


def cpu_affinity_metadata(threads: int) -> dict[str, Any]:
    """The process's CPU affinity now, and whether ``threads`` oversubscribes it."""
    cpus = cpu_affinity()
    return {"cpu_affinity": ",".join(map(str, cpus)), "oversubscribed": threads > len(cpus)}


def record_gil_at_end(metadata: dict[str, Any], arm: Arm) -> None:
    """Store the GIL state observed now as ``gil_enabled_at_end`` (and any mismatch's cause).

    Called after every timed region. A state that differs from the arm's expectation is
    sticky: one bad observation is never overwritten by a later one.
    """
    previous = metadata.get("gil_enabled_at_end")
    if previous is not None and previous != arm.expect_gil_enabled:
        return
    metadata["gil_enabled_at_end"] = gil_enabled()
    try:
        check_arm(arm, when="after the timed region")
    except ArmMismatch as exc:
        metadata["arm_mismatch"] = str(exc)


TaskTimeFunc = Callable[[Any, int], float]


def bench_time_func_with_task(
    runner: pyperf.Runner,
    name: str,
    time_func: TaskTimeFunc,
    *,
    inner_loops: int,
    metadata: dict[str, Any],
) -> pyperf.Benchmark | None:
    """``runner.bench_time_func``, except that ``time_func(task, loops)`` gets pyperf's task.

    Why private API: the worker must record the GIL state observed *after* the timed
    region in the run's metadata, and ``Runner.bench_time_func`` hides its WorkerTask
    (whose ``metadata`` dict becomes the run's metadata) from the time function. So this
    repeats bench_time_func's three lines with ``pyperf._worker.WorkerProcessTask``,
    whose task function is called as ``task_func(task, loops)``. pyperf's hooks, the
    public extension point, are found through installed entry points only.
    tests/test_harness.py fails loudly if a pyperf release changes any of this.
    """
    try:
        from pyperf._worker import WorkerProcessTask
    except ImportError as exc:  # pragma: no cover - only on an incompatible pyperf
        raise RuntimeError(f"pyperf {pyperf.__version__} lacks WorkerProcessTask: {exc}") from exc
    for attribute in ("_check_worker_task", "_main"):
        if not callable(getattr(runner, attribute, None)):
            raise RuntimeError(f"pyperf {pyperf.__version__}: Runner.{attribute} is gone")
    if runner.args is None:
        runner.parse_args()
    if runner.args.profile:
        raise ValueError("--profile is not supported by gilbench benchmarks")
    if not runner._check_worker_task():
        return None
    task = WorkerProcessTask(runner, name, time_func, metadata)
    task.inner_loops = inner_loops
    return runner._main(task)


def _forward_options(cmd: list[str], args: argparse.Namespace) -> None:
    """pyperf add_cmdline_args hook: give each worker our options."""
    cmd.extend(
        [
            "--gilbench-arm",
            args.gilbench_arm,
            "--gilbench-workload",
            args.gilbench_workload,
            "--gilbench-threads",
            str(args.gilbench_threads),
        ]
    )
    for path in args.gilbench_workload_file or ():
        cmd.extend(["--gilbench-workload-file", path])


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def make_runner() -> pyperf.Runner:
    """The pyperf Runner with gilbench's defaults and options."""
    runner = pyperf.Runner(
        processes=DEFAULT_PROCESSES,
        values=DEFAULT_VALUES,
        warmups=DEFAULT_WARMUPS,
        min_time=DEFAULT_MIN_TIME,
        program_args=PROGRAM_ARGS,
        add_cmdline_args=_forward_options,
    )
    group = runner.argparser.add_argument_group("gilbench")
    group.add_argument("--gilbench-arm", required=True, help="arm name (gil, ft, ft-gil)")
    group.add_argument("--gilbench-workload", required=True, help="workload family-variant")
    group.add_argument("--gilbench-threads", required=True, type=_positive_int)
    group.add_argument(
        "--gilbench-workload-file",
        action="append",
        metavar="PATH",
        help="also register the workloads defined in this Python file",
    )
    return runner


def _fail(message: str, code: int = 1) -> NoReturn:
    print(f"{ERROR_PREFIX} {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def main() -> None:
    """Entry point: pyperf master or worker for one benchmark."""
    runner = make_runner()
    args = runner.parse_args()
    # Test-only hook: pyperf passes workers a short list of variables, so name it.
    if inject.inherit_environ():
        args.inherit_environ = [*(args.inherit_environ or []), *inject.inherit_environ()]
    try:
        arm = get_arm(args.gilbench_arm)
        workload = find_workload(args.gilbench_workload, args.gilbench_workload_file)
    except ValueError as exc:
        _fail(str(exc), 2)
    threads: int = args.gilbench_threads
    name = benchmark_name(workload, threads)
    # Every process (master and workers) verifies its arm after its imports: a worker
    # on the wrong GIL state never produces a value.
    try:
        check_arm(arm, when="after imports")
    except ArmMismatch as exc:
        _fail(f"{name}: {exc}", 3)

    ops = workload.ops_per_thread

    def task_func(task: Any, loops: int) -> float:
        try:
            raw = time_workload(workload, threads, ops, loops)
        except Exception as exc:
            traceback.print_exc()
            _fail(f"{name}: {type(exc).__name__}: {exc}")
        record_gil_at_end(task.metadata, arm)
        # pyperf pins a worker (--affinity) after main() built the metadata: record the
        # CPUs the timed region really had.
        task.metadata.update(cpu_affinity_metadata(threads))
        return raw

    bench_time_func_with_task(
        runner,
        name,
        # Test-only: GILBENCH_INJECT_SLOWDOWN slows one benchmark to exercise the gate;
        # such a run is marked in its metadata (runners.inject).
        inject.wrap_time_func(name, task_func, arm.name),
        inner_loops=workload.count_ops(threads, ops),
        metadata={**run_metadata(arm, workload, threads), **inject.metadata()},
    )


if __name__ == "__main__":
    main()
