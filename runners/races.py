"""Race-loss experiment: how many updates an unprotected shared counter loses, per arm.

The first lesson of the seed chapter (concepts/__init__.py) is that ``x[0] += 1`` from
several threads is a read-modify-write that can lose updates, hidden by the default
build and shown by the free-threaded one. This runner measures it: for every (switch
interval, variant, thread count) cell it runs ``--trials`` trials; in each, ``threads``
threads (created first, released together by a Barrier) each add 1 ``--increments``
times, and the trial records expected, observed and lost (= expected - observed) counts,
plus the trial's duration, the parallelism it really got (workers' CPU time / wall
span) and its overlap: the share of its span during which two or more threads were
incrementing (concepts.races). On a busy 2-core machine two free-threaded threads often
run one after another, and then cannot race: a trial whose overlap is too small counts
as neither loss nor safety, so a cell with 2+ threads keeps running trials (up to
``MAX_ATTEMPTS`` times ``--trials``) until it has ``--trials`` that overlapped. Zeros
are recorded like any other count: this is a correctness
experiment, not a timing, so it lives in its own JSON file rather than in pyperf (which
rejects zero values).

    python -m runners.races --arm ft [--threads 1,2,4] [--trials 20] [--quick]

writes ``<results-dir>/races-<arm>.json`` (schema ``gilbench.races/1``) through
concepts.files.publish, keeping a previous file in ``history/``. The arm's observed GIL
state is checked before and after the trials; a mismatch writes nothing (exit 3). A
safe variant (``locked``, ``itertools-count``) that loses updates is a failure of the
experiment: the data is written, a loud message is printed and the exit status is 4.
An interrupted run (Ctrl-C, SIGTERM) writes the trials that finished, marked incomplete.

Exit status: 0 ok, 1 unexpected error (finished trials written), 2 bad input,
3 arm mismatch, 4 a safe variant lost updates, 130 interrupted (finished trials written).
"""

from __future__ import annotations

import datetime as _dt
import math
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from concepts.arms import Arm, get_arm
from concepts.cli import UsageError, parse_names, positive_int, split_list
from concepts.files import exits_on_write_error
from concepts.race_variants import VARIANTS, Variant
from concepts.races import RACES_SCHEMA, counts, overlap
from runners._cli import (
    default_thread_counts,
    experiment_parser,
    parse_experiment_args,
    parse_thread_counts,
)
from runners.experiment import (
    EXIT_ERROR,
    Ending,
    arm_refused,
    ending_status,
    publish_document,
    run_keeping_trials,
    run_metadata,
)
from runners.experiment import (
    EXIT_INTERRUPTED as EXIT_INTERRUPTED,
)
from runners.identity import interpreter_metadata, usable_cpus

SCHEMA = RACES_SCHEMA
DEFAULT_TRIALS = 20
# Sized for trials of a few tens of ms on this project's 2-core machines (about 20 ms
# for 2 threads of `inline` on 3.13, up to ~100 ms for 4 threads of `call` on 3.13t).
# Longer trials see more thread switches, so the loss rate depends on it: every
# trial records it.
DEFAULT_INCREMENTS = 100_000
TINY_SWITCH_INTERVAL = 1e-6
QUICK_TRIALS = 3
QUICK_INCREMENTS = 50_000
QUICK_THREADS = (1, 2)

MAX_ATTEMPTS = 3
"""A cell with 2+ threads runs at most this many times ``--trials`` trials while
looking for ``--trials`` whose threads overlapped (concepts.races)."""

EXIT_USAGE = 2
EXIT_ARM_MISMATCH = 3
EXIT_SAFE_VARIANT_LOST = 4


@dataclass(frozen=True)
class RacesConfig:
    """What one run measures."""

    arm: Arm
    threads: tuple[int, ...]
    trials: int
    increments: int
    switch_intervals: tuple[float, ...]
    variants: tuple[str, ...]
    results_dir: Path
    quick: bool

    def cells(self) -> list[tuple[float, Variant, int]]:
        """Every (switch interval, variant, thread count), in run order."""
        return [
            (interval, VARIANTS[name], threads)
            for interval in self.switch_intervals
            for name in self.variants
            for threads in self.threads
        ]

    def as_metadata(self) -> dict[str, Any]:
        """The run's configuration as recorded in the file."""
        return {
            "threads": list(self.threads),
            "trials_per_cell": self.trials,
            "increments_per_thread": self.increments,
            "switch_intervals": list(self.switch_intervals),
            "variants": list(self.variants),
            "safe_variants": [name for name in self.variants if VARIANTS[name].safe],
            "quick": self.quick,
        }


# -- input parsing ---------------------------------------------------------------------


default_threads = default_thread_counts
parse_threads = parse_thread_counts


def parse_switch_intervals(text: str) -> tuple[float, ...]:
    """``"0.005,1e-6"`` -> (0.005, 1e-06); every interval a finite number > 0 seconds."""
    intervals: list[float] = []
    for item in split_list(text, "--switch-intervals"):
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f"--switch-intervals: {item!r} is not a number of seconds") from None
        if not math.isfinite(value) or value <= 0:
            raise UsageError(
                f"--switch-intervals: intervals must be finite and > 0 seconds, got {item}"
            )
        if value not in intervals:
            intervals.append(value)
    return tuple(intervals)


def parse_variants(text: str) -> tuple[str, ...]:
    """``"inline,locked"`` -> ("inline", "locked"); unknown names are an error."""
    return parse_names(text, "--variants", VARIANTS, "variant")


def parse_args(argv: Sequence[str] | None, *, default_interval: float) -> RacesConfig:
    """Parse the command line into a RacesConfig; raise UsageError on bad input."""
    parser = experiment_parser(
        "python -m runners.races",
        "Count the updates lost by unprotected shared counters on one arm.",
        threads_help=(
            "comma-separated thread counts (default: 1, the usable CPU count and the powers"
            " of two between; --oversubscribe adds more)"
        ),
        trials=(DEFAULT_TRIALS, QUICK_TRIALS),
        quick_help="few trials, small counts, threads 1 and 2 (explicit options still win)",
    )
    parser.add_argument(
        "--increments",
        type=positive_int("--increments"),
        help=f"increments per thread per trial (default {DEFAULT_INCREMENTS:_};"
        f" {QUICK_INCREMENTS:_} with --quick)",
    )
    parser.add_argument(
        "--switch-intervals",
        type=parse_switch_intervals,
        help=f"comma-separated sys.setswitchinterval values in seconds "
        f"(default: the interpreter's {default_interval:g} and {TINY_SWITCH_INTERVAL:g})",
    )
    parser.add_argument(
        "--variants",
        type=parse_variants,
        help=f"comma-separated subset of: {', '.join(VARIANTS)} (default: all)",
    )
    args, threads = parse_experiment_args(parser, argv, QUICK_THREADS)
    quick: bool = args.quick
    return RacesConfig(
        arm=get_arm(args.arm),
        threads=threads,
        trials=args.trials or (QUICK_TRIALS if quick else DEFAULT_TRIALS),
        increments=args.increments or (QUICK_INCREMENTS if quick else DEFAULT_INCREMENTS),
        switch_intervals=args.switch_intervals
        or parse_switch_intervals(f"{default_interval!r},{TINY_SWITCH_INTERVAL!r}"),
        variants=args.variants or tuple(VARIANTS),
        results_dir=args.results_dir,
        quick=quick,
    )


# -- one trial -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialOutcome:
    """What one trial observed."""

    expected: int
    observed: int
    seconds: float
    cpu_seconds: float
    """CPU time the workers used in total (time.thread_time): cpu_seconds / seconds is
    the parallelism the trial really got. Near 1 on a free-threaded arm means the OS ran
    the threads one after another (a busy machine), so they had little chance to race."""
    detail: dict[str, int] | None
    overlap: float | None = None
    """Share of the span with 2+ threads incrementing (concepts.races); None at 1 thread."""


def run_trial(variant: Variant, threads: int, increments: int, interval: float) -> TrialOutcome:
    """One trial: fresh state, ``threads`` threads released together, count what arrived.

    The switch interval is set for the trial only and restored afterwards. ``seconds``
    is the span from the first thread leaving the Barrier to the last one finishing;
    ``cpu_seconds`` the workers' summed thread CPU time over their work.
    If the calling thread is interrupted, the Barrier is aborted so that no worker is
    left waiting, the workers are joined, and the interruption propagates.
    """
    race = variant.build(threads, increments)
    if len(race.workers) != threads:
        raise RuntimeError(f"{variant.name}: built {len(race.workers)} workers for {threads}")
    barrier = threading.Barrier(threads)
    starts = [0.0] * threads
    ends = [0.0] * threads
    cpu = [0.0] * threads
    errors: list[BaseException] = []
    clock = time.perf_counter
    cpu_clock = time.thread_time

    def run(index: int, work: Callable[[], None]) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return  # the trial was abandoned before it started
        starts[index] = clock()
        cpu_start = cpu_clock()
        try:
            work()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        cpu[index] = cpu_clock() - cpu_start
        ends[index] = clock()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    started: list[threading.Thread] = []
    try:
        for index, work in enumerate(race.workers):
            thread = threading.Thread(
                target=run, args=(index, work), name=f"gilbench-race-{index}", daemon=True
            )
            thread.start()
            started.append(thread)
        for thread in started:
            thread.join()
    except BaseException:
        barrier.abort()
        for thread in started:
            thread.join()
        raise
    finally:
        sys.setswitchinterval(previous)
    if errors:
        raise errors[0]
    observed = race.observe()
    detail = race.detail() if race.detail is not None else None
    span = max(ends) - min(starts)
    return TrialOutcome(
        threads * increments, observed, span, sum(cpu), detail, overlap(starts, ends)
    )


# -- the run ---------------------------------------------------------------------------


class Progress:
    """Progress on stderr: cell i/n, variant, threads, switch interval, running median loss."""

    def __init__(self, total_cells: int, stream: TextIO) -> None:
        self.total = total_cells
        self.stream = stream
        self.live = stream.isatty()

    def trial(
        self,
        cell: int,
        variant: str,
        threads: int,
        interval: float,
        rates: list[float],
        trials: int,
        *,
        done: bool,
    ) -> None:
        """Report after each trial: rewrite one line on a terminal, one line per cell otherwise."""
        if not (done or self.live):
            return
        line = (
            f"[cell {cell}/{self.total}] {variant:<15} threads={threads:<3} "
            f"switch={interval:g}s trial {len(rates)}/{trials}: "
            f"median loss {statistics.median(rates):.2%} (max {max(rates):.2%})"
        )
        end = "\n" if done else ""
        prefix = "\r\x1b[K" if self.live else ""
        self.stream.write(prefix + line + end)
        self.stream.flush()


@dataclass
class RunState:
    """Everything finished so far, so that an interruption loses no finished trial."""

    trials: list[dict[str, Any]]
    failures: list[str]
    ending: Ending = field(default_factory=Ending)


def run_experiment(config: RacesConfig, progress: Progress, state: RunState) -> None:
    """Run every cell's trials, appending each finished trial to ``state.trials``."""
    cpus = usable_cpus()
    for cell_index, (interval, variant, threads) in enumerate(config.cells(), start=1):
        rates: list[float] = []
        counted = 0
        attempts = config.trials * (MAX_ATTEMPTS if threads >= 2 else 1)
        for trial_index in range(attempts):
            if counted >= config.trials:
                break
            outcome = run_trial(variant, threads, config.increments, interval)
            lost = outcome.expected - outcome.observed
            record: dict[str, Any] = {
                "variant": variant.name,
                "threads": threads,
                "increments_per_thread": config.increments,
                "switch_interval": interval,
                "expected": outcome.expected,
                "observed": outcome.observed,
                "lost": lost,
                "trial": trial_index,
                "seconds": outcome.seconds,
                "parallelism": round(outcome.cpu_seconds / outcome.seconds, 3)
                if outcome.seconds > 0
                else 0.0,
                "oversubscribed": threads > cpus,
            }
            if outcome.overlap is not None:
                record["overlap"] = round(outcome.overlap, 3)
            if outcome.detail:
                record.update(outcome.detail)
            state.trials.append(record)
            counted += counts(outcome.overlap)
            rates.append(lost / outcome.expected)
            if lost < 0:
                state.failures.append(
                    f"{variant.name}: observed {outcome.observed} > expected "
                    f"{outcome.expected} at {threads} threads (a bug in the experiment)"
                )
            elif variant.safe and lost > 0:
                state.failures.append(
                    f"safe variant {variant.name} lost {lost} of {outcome.expected} updates "
                    f"at {threads} threads, switch interval {interval:g}s, trial {trial_index}"
                )
            done = counted >= config.trials or trial_index == attempts - 1
            progress.trial(
                cell_index, variant.name, threads, interval, rates, config.trials, done=done
            )
        if counted < config.trials:
            print(
                f"races: {variant.name} at {threads} threads: only {counted} of"
                f" {len(rates)} trials overlapped (their threads ran one after another):"
                " the machine is busy",
                file=sys.stderr,
            )


def build_document(
    config: RacesConfig,
    metadata: dict[str, Any],
    state: RunState,
    *,
    started: _dt.datetime,
    wall_seconds: float,
) -> dict[str, Any]:
    """The JSON document written to races-<arm>.json."""
    meta = dict(metadata)
    meta.update(run_metadata(started, wall_seconds, state.ending))
    meta["experiment_failures"] = state.failures
    meta.update(config.as_metadata())
    return {"schema": SCHEMA, "metadata": meta, "trials": state.trials}


def summary_lines(trials: list[dict[str, Any]]) -> list[str]:
    """Median / max loss rate per (switch interval, variant, threads), for the terminal."""
    cells: dict[tuple[float, str, int], list[float]] = {}
    for trial in trials:
        key = (trial["switch_interval"], trial["variant"], trial["threads"])
        cells.setdefault(key, []).append(trial["lost"] / trial["expected"])
    lines = [f"{'switch':>8} {'variant':<15} {'threads':>7} {'trials':>6} {'median':>8} {'max':>8}"]
    for (interval, variant, threads), rates in cells.items():
        lines.append(
            f"{interval:>8g} {variant:<15} {threads:>7} {len(rates):>6} "
            f"{statistics.median(rates):>8.2%} {max(rates):>8.2%}"
        )
    return lines


@exits_on_write_error("races")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.races``."""
    default_interval = sys.getswitchinterval()
    try:
        config = parse_args(argv, default_interval=default_interval)
    except UsageError as exc:
        print(f"races: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    arm = config.arm
    metadata = interpreter_metadata(arm)  # before any switch interval is changed
    if arm_refused("races", arm):
        return EXIT_ARM_MISMATCH

    cells = config.cells()
    print(
        f"races: arm {arm.name} ({sys.executable}, GIL "
        f"{'enabled' if metadata['gil_enabled_at_start'] else 'disabled'}): {len(cells)} cells"
        f" x {config.trials} trials, {config.increments:_} increments per thread",
        file=sys.stderr,
    )
    started = _dt.datetime.now(_dt.UTC)
    clock_start = time.perf_counter()
    state = RunState(trials=[], failures=[])
    state.ending = run_keeping_trials(
        lambda: run_experiment(config, Progress(len(cells), sys.stderr), state)
    )
    wall = time.perf_counter() - clock_start

    if arm_refused("races", arm, discarded=len(state.trials)):
        return EXIT_ARM_MISMATCH

    path = config.results_dir / f"races-{arm.name}.json"
    document = build_document(config, metadata, state, started=started, wall_seconds=wall)
    if state.trials:
        print("\n".join(summary_lines(state.trials)))
    if not publish_document("races", path, document, len(state.trials), wall):
        return EXIT_ERROR

    status = ending_status("races", state.ending, len(state.trials))
    if status:
        return status
    if state.failures:
        bar = "!" * 72
        lines = [bar, "races: EXPERIMENT FAILURE: a variant that must lose nothing lost updates:"]
        lines += [f"  {failure}" for failure in state.failures[:20]]
        if len(state.failures) > 20:
            lines.append(f"  ... and {len(state.failures) - 20} more (see metadata)")
        lines += [f"  (the data is written to {path}; treat this run as failed)", bar]
        print("\n".join(lines), file=sys.stderr)
        return EXIT_SAFE_VARIANT_LOST
    return 0


if __name__ == "__main__":
    sys.exit(main())
