"""Measure one teaching example on the running interpreter and print the result as JSON.

    python -m runners.demo.measure EXAMPLE --arm ARM [--threads N] [--increments N]
        [--repeat N] [--variant NAME] [--jobs N] [--switch-interval S]

Run by ``runners.demo.driver`` on each arm's interpreter, with the arm's PYTHON_GIL.
The arm's observed GIL state is checked before and after the example (as
``runners.races`` does); a mismatch prints one line and measures nothing. Standard
library only. Everything printed is a fact measured here: the driver computes every
figure and sentence from it.

Exit status: 0 ok, 2 bad input, 3 arm mismatch, 4 the interpreter lacks what the
example needs (Queue.shutdown before 3.13).
"""

from __future__ import annotations

import json
import queue
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from concepts.arms import ARMS, get_arm
from concepts.cli import OneLineParser, UsageError, positive_int, positive_seconds
from concepts.race_variants import VARIANTS
from runners.demo import examples
from runners.identity import ArmMismatch, check_arm, gil_enabled, interpreter_metadata
from runners.races import run_trial

EXIT_USAGE = 2
EXIT_ARM_MISMATCH = 3
EXIT_UNSUPPORTED = 4

DEFAULT_THREADS = 8
DEFAULT_INCREMENTS = 10_000
DEFAULT_REPEAT = 10
DEFAULT_JOBS = 100
JOB_SIZE = 20_000
"""Iterations of a job's arithmetic: about a millisecond per job on python3.13."""
TIMING_RUNS = 3
"""The timing examples (queue, event loops) run min(TIMING_RUNS, --repeat) times each;
the screens show the best (fastest) run of each, as for the lock."""
LOOP_TASKS = 5
LOOP_STEPS = 10
LOOP_DELAY = 0.01
"""Event loops: LOOP_TASKS tasks, each LOOP_STEPS steps followed by a LOOP_DELAY s wait."""

UNSAFE_VARIANTS = tuple(name for name, variant in VARIANTS.items() if not variant.safe)


@dataclass(frozen=True)
class Options:
    """The sizes of one measurement."""

    threads: int
    increments: int
    repeat: int
    variant: str
    jobs: int
    switch_interval: float

    @property
    def timing_runs(self) -> int:
        return min(TIMING_RUNS, self.repeat)


def measure_increment(opts: Options) -> dict[str, Any]:
    """The unprotected increment, ``repeat`` times: the count each run ended with."""
    variant = VARIANTS[opts.variant]
    runs = []
    for _ in range(opts.repeat):
        out = run_trial(variant, opts.threads, opts.increments, opts.switch_interval)
        runs.append(
            {
                "count": out.observed,
                "seconds": out.seconds,
                "parallelism": out.cpu_seconds / out.seconds if out.seconds > 0 else 0.0,
            }
        )
    return {
        "variant": variant.name,
        "operation": variant.description,
        "threads": opts.threads,
        "increments": opts.increments,
        "expected": opts.threads * opts.increments,
        "runs": runs,
    }


def measure_lock(opts: Options) -> dict[str, Any]:
    """The locked increment, ``repeat`` times with N threads and with one thread doing it all."""
    locked = VARIANTS["locked"]
    total = opts.threads * opts.increments
    runs: list[dict[str, Any]] = []
    single: list[dict[str, Any]] = []
    for _ in range(opts.repeat):  # interleaved, so that other load hits both alike
        for threads, each, into in ((opts.threads, opts.increments, runs), (1, total, single)):
            out = run_trial(locked, threads, each, opts.switch_interval)
            into.append({"count": out.observed, "seconds": out.seconds})
    return {
        "operation": locked.description,
        "threads": opts.threads,
        "increments": opts.increments,
        "expected": total,
        "runs": runs,
        "single_thread_runs": single,
    }


def check_jobs(done: list[tuple[int, int]], jobs: int) -> dict[str, int | bool]:
    """Was every job 0..jobs-1 done exactly once, with the right result?"""
    times = Counter(job for job, _ in done)
    base = examples.crunch(0, JOB_SIZE)
    return {
        "jobs_done": len(done),
        "done_once": sum(1 for job in range(jobs) if times[job] == 1),
        "duplicates": sum(count - 1 for count in times.values() if count > 1),
        "missing": sum(1 for job in range(jobs) if times[job] == 0),
        "wrong_results": sum(1 for job, result in done if result != base + job),
        "all_once": len(done) == jobs and all(times[job] == 1 for job in range(jobs)),
    }


class NeedsNewerPython(Exception):
    """The example uses something this interpreter does not have."""


def measure_queue(opts: Options) -> dict[str, Any]:
    """The job queue at 1 and N workers, ``timing_runs`` times each.

    ``parallelism`` is the process's CPU time over the run's wall time: about how many
    CPUs the workers really got (near 1 on a busy 2-core machine, whatever the build).
    """
    if not hasattr(queue.Queue, "shutdown"):
        raise NeedsNewerPython("the queue example needs Queue.shutdown (Python 3.13+)")
    workers = sorted({1, opts.threads})
    runs = []
    for _ in range(opts.timing_runs):
        for count in workers:  # interleaved, so that other load hits both alike
            cpu = time.process_time()
            done, stopped, seconds = examples.job_queue(opts.jobs, count, JOB_SIZE)
            cpu = time.process_time() - cpu
            run: dict[str, Any] = {
                "workers": count,
                "seconds": seconds,
                "parallelism": cpu / seconds if seconds > 0 else 0.0,
            }
            run.update(check_jobs(done, opts.jobs))
            run["stopped_on_shutdown"] = stopped
            runs.append(run)
    return {"jobs": opts.jobs, "job_size": JOB_SIZE, "workers": workers, "runs": runs}


def measure_event_loops(opts: Options) -> dict[str, Any]:
    """The generator loop and the asyncio loop on the same tasks, ``timing_runs`` times each."""
    expected = {
        task: sum(examples.step(task, n) for n in range(LOOP_STEPS)) for task in range(LOOP_TASKS)
    }
    loops: dict[str, Callable[[int, int, float], tuple[dict[int, int], float]]] = {
        "generator": examples.generator_loop,
        "asyncio": examples.asyncio_loop,
    }
    runs = []
    for _ in range(opts.timing_runs):
        for name, loop in loops.items():
            results, seconds = loop(LOOP_TASKS, LOOP_STEPS, LOOP_DELAY)
            runs.append({"loop": name, "seconds": seconds, "results_ok": results == expected})
    return {
        "tasks": LOOP_TASKS,
        "steps": LOOP_STEPS,
        "delay": LOOP_DELAY,
        "results": [expected[task] for task in range(LOOP_TASKS)],
        "runs": runs,
    }


MEASURES: dict[str, Callable[[Options], dict[str, Any]]] = {
    "increment": measure_increment,
    "lock": measure_lock,
    "queue": measure_queue,
    "event-loops": measure_event_loops,
}
"""Example name -> its measurement, in screen order."""


def parse_args(argv: Sequence[str] | None) -> tuple[str, str, Options]:
    """(example, arm, options) from the command line; UsageError on bad input."""
    parser = OneLineParser(prog="python -m runners.demo.measure")
    parser.add_argument("example", choices=list(MEASURES))
    parser.add_argument("--arm", required=True, choices=sorted(ARMS))
    parser.add_argument("--threads", type=positive_int("--threads"), default=DEFAULT_THREADS)
    parser.add_argument(
        "--increments", type=positive_int("--increments"), default=DEFAULT_INCREMENTS
    )
    parser.add_argument("--repeat", type=positive_int("--repeat"), default=DEFAULT_REPEAT)
    parser.add_argument("--variant", choices=UNSAFE_VARIANTS, default="inline")
    parser.add_argument("--jobs", type=positive_int("--jobs"), default=DEFAULT_JOBS)
    parser.add_argument("--switch-interval", type=positive_seconds("--switch-interval"))
    args = parser.parse_args(argv)
    options = Options(
        threads=args.threads,
        increments=args.increments,
        repeat=args.repeat,
        variant=args.variant,
        jobs=args.jobs,
        switch_interval=args.switch_interval or sys.getswitchinterval(),
    )
    return args.example, args.arm, options


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: measure one example, print one JSON object on stdout."""
    try:
        example, arm_name, options = parse_args(argv)
    except UsageError as exc:
        print(f"demo.measure: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    arm = get_arm(arm_name)
    metadata = interpreter_metadata(arm)
    try:
        check_arm(arm, when="at start")
        previous = sys.getswitchinterval()
        sys.setswitchinterval(options.switch_interval)
        try:
            result = MEASURES[example](options)
        finally:
            sys.setswitchinterval(previous)
        check_arm(arm, when=f"after the {example} example")
    except ArmMismatch as exc:
        print(f"demo.measure: refusing arm {arm.name}: {exc}", file=sys.stderr)
        return EXIT_ARM_MISMATCH
    except NeedsNewerPython as exc:
        print(
            f"demo.measure: error: {exc}; {sys.executable} is {sys.version.split()[0]}",
            file=sys.stderr,
        )
        return EXIT_UNSUPPORTED
    document = {
        "example": example,
        "arm": arm.name,
        "interpreter": metadata,
        "gil_enabled_at_end": gil_enabled(),
        "switch_interval": options.switch_interval,
        "result": result,
    }
    print(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
