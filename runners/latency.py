"""Hand-off latency: how long a thread takes to wake up once another thread signals it.

Throughput benchmarks say how many hand-offs a second two threads manage; this runner
says how long each one takes, as a distribution. For every (probe, thread count) cell it
runs ``--trials`` trials; in each, N // 2 sender/receiver pairs (threads created first,
released together by a Barrier) hand ``--samples`` stamped items over, and every
hand-off's latency (receiver's clock when it woke minus the sender's stamp just before
it signalled, both ``time.perf_counter()``) is a sample. The probes (runners.latency_probes)
are Event ping-pong, Condition notify, and queue.Queue / queue.SimpleQueue hand-off.

    python -m runners.latency --arm ft [--threads 2,4] [--trials 5] [--samples 2000] [--quick]

writes ``<results-dir>/latency-<arm>.json`` through concepts.files.publish, keeping a
previous file in ``history/``: ``{"schema": 1, "metadata": {...}, "results": [...]}``,
one result per trial: ``benchmark`` (the probe), ``threads``, ``trial``, ``count`` (the
samples), and ``p50_s``, ``p90_s``, ``p99_s``, ``max_s`` in seconds (percentiles by
linear interpolation, concepts.stats.quantile). ``metadata`` holds the arm, the
interpreter fields races-<arm>.json records, the observed GIL state at start and end,
and ``session`` (environment variable ``GILBENCH_SESSION``, when set).

Pairs need an even thread count: odd counts are skipped with a note. The arm's
observed GIL state is checked before and after the trials; a mismatch writes nothing
(exit 3). An interrupted run (Ctrl-C, SIGTERM) writes the trials that finished, marked
incomplete.

Exit status: 0 ok, 1 unexpected error (finished trials written), 2 bad input,
3 arm mismatch, 130 interrupted (finished trials written).
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import ThreadSetup
from concepts.arms import Arm, get_arm
from concepts.cli import UsageError, parse_names, positive_int
from concepts.files import exits_on_write_error
from concepts.races import LATENCY_SCHEMA
from concepts.stats import quantile
from runners._cli import experiment_parser, parse_experiment_args
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
from runners.identity import interpreter_metadata
from runners.latency_probes import PROBES, Probe

SCHEMA = LATENCY_SCHEMA
DEFAULT_TRIALS = 5
DEFAULT_SAMPLES = 2_000
"""Sampled hand-offs per pair per trial: some 0.1-0.5 s per trial on 2 cores."""
QUICK_TRIALS = 3
QUICK_SAMPLES = 500
QUICK_THREADS = (2,)
WARMUP = 20
"""Hand-offs per pair before sampling starts (thread start-up, first wake-ups)."""
TRIAL_TIMEOUT = 120.0
"""Seconds a trial may take before it is declared hung (an error, not a wait forever)."""
PERCENTILES = (("p50_s", 0.50), ("p90_s", 0.90), ("p99_s", 0.99))

EXIT_USAGE = 2
EXIT_ARM_MISMATCH = 3


@dataclass(frozen=True)
class LatencyConfig:
    """What one run measures."""

    arm: Arm
    threads: tuple[int, ...]
    skipped_threads: tuple[int, ...]
    trials: int
    samples: int
    probes: tuple[str, ...]
    results_dir: Path
    quick: bool

    def cells(self) -> list[tuple[Probe, int]]:
        """Every (probe, thread count), in run order."""
        return [(PROBES[name], threads) for name in self.probes for threads in self.threads]

    def as_metadata(self) -> dict[str, Any]:
        """The run's configuration as recorded in the file."""
        return {
            "threads": list(self.threads),
            "skipped_threads": list(self.skipped_threads),
            "trials_per_cell": self.trials,
            "samples_per_pair": self.samples,
            "warmup_per_pair": WARMUP,
            "probes": {name: PROBES[name].description for name in self.probes},
            "clock": "time.perf_counter",
            "clock_resolution_s": time.get_clock_info("perf_counter").resolution,
            "percentiles": "linear interpolation (concepts.stats.quantile)",
            "quick": self.quick,
        }


def parse_probes(text: str) -> tuple[str, ...]:
    """``"event-ping-pong,queue-handoff"`` -> the names; unknown names are an error."""
    return parse_names(text, "--probes", PROBES, "probe")


def parse_args(argv: Sequence[str] | None) -> LatencyConfig:
    """Parse the command line into a LatencyConfig; raise UsageError on bad input."""
    parser = experiment_parser(
        "python -m runners.latency",
        "Measure thread hand-off latency (Event, Condition, queues) on one arm.",
        threads_help="comma-separated thread counts; pairs need even ones, odd ones are"
        " skipped (default: the even ones of 1, the usable CPU count and the powers of two"
        " between; --oversubscribe adds more)",
        trials=(DEFAULT_TRIALS, QUICK_TRIALS),
        quick_help="few trials, fewer samples, 2 threads only (explicit options still win)",
    )
    parser.add_argument(
        "--samples",
        type=positive_int("--samples"),
        help=f"sampled hand-offs per pair per trial (default {DEFAULT_SAMPLES:_};"
        f" {QUICK_SAMPLES} with --quick)",
    )
    parser.add_argument(
        "--probes",
        type=parse_probes,
        help=f"comma-separated subset of: {', '.join(PROBES)} (default: all)",
    )
    args, requested = parse_experiment_args(parser, argv, QUICK_THREADS)
    quick: bool = args.quick
    return LatencyConfig(
        arm=get_arm(args.arm),
        threads=tuple(n for n in requested if n % 2 == 0),
        skipped_threads=tuple(n for n in requested if n % 2) if args.threads else (),
        trials=args.trials or (QUICK_TRIALS if quick else DEFAULT_TRIALS),
        samples=args.samples or (QUICK_SAMPLES if quick else DEFAULT_SAMPLES),
        probes=args.probes or tuple(PROBES),
        results_dir=args.results_dir,
        quick=quick,
    )


# -- one trial -------------------------------------------------------------------------


class TrialHung(RuntimeError):
    """A trial's threads did not finish within TRIAL_TIMEOUT."""


def run_threads(workers: Sequence[ThreadSetup], timeout: float = TRIAL_TIMEOUT) -> None:
    """Run each setup's work in its own thread, all released together by a Barrier.

    Each thread runs its setup first (before the Barrier). The first exception of any
    thread is re-raised here; threads still running after ``timeout`` raise TrialHung
    (they are daemon threads, so a hung trial cannot keep the process alive).
    """
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(setup: ThreadSetup) -> None:
        try:
            work = setup.make()
            barrier.wait()
            work()
        except threading.BrokenBarrierError:
            pass  # another thread's setup failed: its error is reported
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=(setup,), name=f"gilbench-latency-{i}", daemon=True)
        for i, setup in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads):
        raise TrialHung(f"a trial's threads were still running after {timeout:g} s")


def latency_quantiles(samples: Sequence[float]) -> dict[str, float | int]:
    """count, the percentiles and the maximum of ``samples`` (seconds)."""
    ordered = sorted(samples)
    result: dict[str, float | int] = {"count": len(ordered)}
    for key, q in PERCENTILES:
        result[key] = quantile(ordered, q)
    result["max_s"] = ordered[-1] if ordered else float("nan")
    return result


def run_trial(probe: Probe, threads: int, samples: int) -> dict[str, float | int]:
    """One trial of ``probe`` with threads // 2 pairs: the summary of its samples."""
    trial = probe.trial(threads // 2, samples, WARMUP)
    run_threads(trial.workers)
    got = trial.samples()
    want = threads // 2 * samples
    if len(got) != want:
        raise RuntimeError(f"{probe.name}: {len(got)} samples, want {want}")
    return latency_quantiles(got)


# -- the run ---------------------------------------------------------------------------


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us"


def run_experiment(config: LatencyConfig, results: list[dict[str, Any]]) -> None:
    """Run every cell's trials, appending each finished trial's result to ``results``."""
    cells = config.cells()
    for index, (probe, threads) in enumerate(cells, start=1):
        p50s, p99s = [], []
        for trial in range(config.trials):
            summary = run_trial(probe, threads, config.samples)
            results.append({"benchmark": probe.name, "threads": threads, "trial": trial, **summary})
            p50s.append(float(summary["p50_s"]))
            p99s.append(float(summary["p99_s"]))
        print(
            f"[cell {index}/{len(cells)}] {probe.name:<21} threads={threads:<3} "
            f"{config.trials} trials x {threads // 2 * config.samples} samples: "
            f"p50 {_us(min(p50s))}..{_us(max(p50s))}, p99 {_us(min(p99s))}..{_us(max(p99s))}",
            file=sys.stderr,
            flush=True,
        )


def build_document(
    config: LatencyConfig,
    metadata: dict[str, Any],
    results: list[dict[str, Any]],
    *,
    started: _dt.datetime,
    wall_seconds: float,
    ending: Ending,
) -> dict[str, Any]:
    """The JSON document written to latency-<arm>.json."""
    meta = dict(metadata)
    meta["session"] = os.environ.get("GILBENCH_SESSION", "")
    meta.update(run_metadata(started, wall_seconds, ending))
    meta.update(config.as_metadata())
    return {"schema": SCHEMA, "metadata": meta, "results": results}


@exits_on_write_error("latency")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.latency``."""
    try:
        config = parse_args(argv)
    except UsageError as exc:
        print(f"latency: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    arm = config.arm
    metadata = interpreter_metadata(arm)
    if arm_refused("latency", arm):
        return EXIT_ARM_MISMATCH

    if config.skipped_threads:
        print(
            f"latency: skipping odd thread counts {list(config.skipped_threads)}: every probe"
            " runs sender/receiver pairs",
            file=sys.stderr,
        )
    print(
        f"latency: arm {arm.name} ({sys.executable}, GIL "
        f"{'enabled' if metadata['gil_enabled_at_start'] else 'disabled'}): "
        f"{len(config.cells())} cells x {config.trials} trials, {config.samples:_} samples"
        " per pair",
        file=sys.stderr,
    )
    started = _dt.datetime.now(_dt.UTC)
    clock_start = time.perf_counter()
    results: list[dict[str, Any]] = []
    ending = run_keeping_trials(lambda: run_experiment(config, results))
    wall = time.perf_counter() - clock_start

    if arm_refused("latency", arm, discarded=len(results)):
        return EXIT_ARM_MISMATCH

    path = config.results_dir / f"latency-{arm.name}.json"
    document = build_document(
        config,
        metadata,
        results,
        started=started,
        wall_seconds=wall,
        ending=ending,
    )
    if not publish_document("latency", path, document, len(results), wall):
        return EXIT_ERROR
    return ending_status("latency", ending, len(results))


if __name__ == "__main__":
    sys.exit(main())
