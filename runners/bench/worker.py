"""One gilbench benchmark (workload x thread count) as a pyperf program.

``python -m runners.bench`` starts this module once per benchmark. Run by hand it is a
pyperf Runner master: it spawns pyperf's worker processes (this same module with
``--worker``), each of which times the workload with ``runners.harness.time_workload``
and records, as pyperf metadata, which arm it belongs to and the GIL state it observed
after its imports and after every timed region. Our options (``--gilbench-*``) reach the
workers through their command line, since pyperf passes workers only a short list of
environment variables.

    python -m runners.bench.worker --gilbench-arm gil --gilbench-workload \\
        increment-shared-list --gilbench-threads 2 -o out.json [pyperf options]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import pyperf

from benchmarks import Workload, all_workloads
from concepts.arms import Arm, get_arm
from concepts.families import workload_metadata
from concepts.matching import build_profile
from runners import inject
from runners.bench.preflight import REENABLED_VAR
from runners.harness import time_workload
from runners.identity import ArmMismatch, check_arm, interpreter_metadata
from runners.pyperf_hook import CONTEXT, HOOK_NAME

PROGRAM_ARGS = ("-m", "runners.bench.worker")

# pyperf defaults of one master run by hand. runners.bench passes each kind of row its
# own process shape (runners.bench.rounds.SHAPES: values, warmups, value length) and
# the processes per round; these defaults are only what a bare master gets:
# - processes are the independent samples; 2 per master;
# - 1 warmup: the first value of a fresh worker ran 5-15% slow on these 2-core machines;
# - a value lasts >= 20 ms (pyperf calibrates the loops in the first round): well above
#   the harness's own cost per run (Barrier release, 0.05-0.3 ms at 2+ threads).
DEFAULT_PROCESSES = 2
DEFAULT_VALUES = 5
DEFAULT_WARMUPS = 1
DEFAULT_MIN_TIME = 0.02
"""Seconds: pyperf calibrates loops per value so that a value lasts at least this long."""

ERROR_PREFIX = "gilbench-error:"
"""Marks the one-line cause of a failure in a worker's output; runners.bench looks for it."""

KEEP_METADATA = (
    "arm",
    "gil_enabled_at_start",
    "py_gil_disabled",
    "switch_interval",
    "python_config_args",
    "python_gil_env",
)
"""Fields of runners.identity.interpreter_metadata recorded with every run (pyperf records
the CPU count and affinity, the Python version and peak memory itself: never overwritten)."""


def benchmark_name(workload: Workload, threads: int) -> str:
    """The pyperf benchmark name of ``workload`` at ``threads`` threads."""
    return f"{workload.name}-t{threads}"


class WorkloadFileError(ValueError):
    """A --workloads file could not be imported; ``str()`` is one line naming the file,
    the line and the error."""


def load_workload_file(path: str) -> None:
    """Import a Python file that registers extra workloads (a user's own, or tests').

    Its folder goes to the end of ``sys.path``, so that it can import the modules beside
    it, while gilbench's own packages keep their names (a project with a ``benchmarks``
    package of its own still gets gilbench's ``from benchmarks import thread_loop``).
    """
    file = Path(path).resolve()
    if str(file.parent) not in sys.path:
        sys.path.append(str(file.parent))
    spec = importlib.util.spec_from_file_location(f"gilbench_extra_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise WorkloadFileError(f"{path}: cannot import a workload file from it")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise WorkloadFileError(_describe_failure(path, file, exc)) from exc


def _describe_failure(path: str, file: Path, exc: BaseException) -> str:
    """``PATH:LINE: ExcType: message``, the line being the file's own (not a library's)."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    if line is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == file]
        line = frames[-1].lineno if frames else None
    where = f"{path}:{line}" if line else path
    message = " ".join(str(exc).split()) or type(exc).__name__
    return f"{where}: {type(exc).__name__}: {message}"


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
        mode=workload.mode,
        # The build profile its configure flags amount to (plain / optimized).
        build_profile=build_profile(identity["python_config_args"]),
    )
    # Its role, ideal-scaling rule and helper threads (concepts.families), so that the
    # analysis needs nothing but the file.
    metadata.update(workload_metadata(workload.name, threads))
    if workload.duration is not None:
        metadata["run_seconds"] = workload.duration
    if os.environ.get(REENABLED_VAR):
        metadata["gil_reenabled_by"] = os.environ[REENABLED_VAR]
    if workload.family == "thread-local":
        # Whether new threads inherit the caller's context differs by version (3.14+).
        from benchmarks.thread_local import context_metadata

        metadata.update(context_metadata())
    # pyperf rejects empty strings as metadata values.
    return {key: value for key, value in metadata.items() if value != ""}


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


def hook_installed() -> bool:
    """Whether the gilbench pyperf hook's entry point is installed in this environment."""
    group = importlib.metadata.entry_points(group="pyperf.hook")
    return any(entry.name == HOOK_NAME for entry in group)


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
    group.add_argument("--gilbench-threads", required=True, type=int, help="threads (>= 1)")
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
    if not hook_installed():
        _fail(
            f"the {HOOK_NAME!r} pyperf hook is not installed in {sys.prefix}: install "
            f"gilbench there (pip install -e {Path(__file__).resolve().parents[2]}); "
            "the bench-* tox environments do",
            2,
        )
    runner = make_runner()
    args = runner.parse_args()
    # pyperf passes its workers a short list of variables: name the calibration slowdown's
    # (runners.inject) and the preflight's finding, when set.
    passed = inject.inherit_environ() + ([REENABLED_VAR] if os.environ.get(REENABLED_VAR) else [])
    if passed:
        args.inherit_environ = [*(args.inherit_environ or []), *passed]
    try:
        arm = get_arm(args.gilbench_arm)
        workload = find_workload(args.gilbench_workload, args.gilbench_workload_file)
    except ValueError as exc:
        _fail(str(exc), 2)
    threads: int = args.gilbench_threads
    if threads < 1:
        runner.argparser.error(f"--gilbench-threads must be >= 1, got {threads}")
    name = benchmark_name(workload, threads)
    # Every process (master and workers) verifies its arm after its imports: a worker
    # on the wrong GIL state never produces a value.
    try:
        check_arm(arm, when="after imports")
    except ArmMismatch as exc:
        _fail(f"{name}: {exc}", 3)

    if HOOK_NAME not in (args.hook or []):
        _fail(
            f"{name}: run with --hook {HOOK_NAME} (runners.bench does): without it no run "
            "records its GIL state after the timed region",
            2,
        )
    CONTEXT.arm = arm
    ops = workload.ops_per_thread

    def task_func(loops: int) -> float:
        try:
            return time_workload(workload, threads, ops, loops)
        except Exception as exc:
            traceback.print_exc()
            _fail(f"{name}: {type(exc).__name__}: {exc}")

    # A fixed-duration run's operation count is not known in advance: its time function
    # returns seconds per operation already (inner_loops 1).
    inner_loops = 1 if workload.duration is not None else workload.count_ops(threads, ops)
    runner.bench_time_func(
        name,
        # Test-only: GILBENCH_INJECT_SLOWDOWN slows one benchmark to exercise the gate;
        # such a run is marked in its metadata (runners.inject).
        inject.wrap_time_func(name, task_func, arm.name),
        inner_loops=inner_loops,
        metadata={**run_metadata(arm, workload, threads), **inject.metadata(name, arm.name)},
    )


if __name__ == "__main__":
    main()
