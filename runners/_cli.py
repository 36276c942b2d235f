"""Command-line pieces shared by the measurement commands (runners.bench, runners.races,
runners.latency): the same ``--threads`` syntax and the same default sweep. The usage
error and the option parsers of every command are in concepts.cli.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from concepts.cli import OneLineParser, UsageError, at_least_one, positive_int, split_list
from concepts.files import default_results_dir

OVERSUBSCRIBE_HELP = (
    "add the oversubscribed thread counts (powers of two above the usable CPUs, up to"
    " twice their number) to the default thread counts"
)


def default_thread_counts(cpus: int, oversubscribe: bool = False) -> tuple[int, ...]:
    """1, the usable CPU count ``cpus`` and the powers of two between them; with
    ``oversubscribe``, also the powers of two above ``cpus`` up to twice it."""
    cpus = max(cpus, 1)
    limit = 2 * cpus if oversubscribe else cpus
    counts = [1]
    while counts[-1] * 2 <= limit:
        counts.append(counts[-1] * 2)
    if cpus not in counts and cpus <= limit:
        counts.append(cpus)
    return tuple(sorted(counts))


def parse_thread_counts(text: str) -> tuple[int, ...]:
    """``"1,2,4"`` -> (1, 2, 4) in the given order, duplicates dropped; each count >= 1."""
    counts: list[int] = []
    for item in split_list(text, "--threads"):
        value = at_least_one(item, "--threads", hint=" (want e.g. 1,2,4)", noun="thread counts ")
        if value not in counts:
            counts.append(value)
    return tuple(counts)


def experiment_parser(
    prog: str, description: str, *, threads_help: str, trials: tuple[int, int], quick_help: str
) -> OneLineParser:
    """The options every trial experiment (races, latency) takes.

    ``--arm``, ``--threads``, ``--trials`` (``trials`` = (default, with --quick)),
    ``--quick`` and ``--results-dir``; read them back with ``parse_experiment_args``.
    """
    from concepts.arms import ARMS

    parser = OneLineParser(prog=prog, description=description)
    parser.add_argument("--arm", required=True, choices=sorted(ARMS))
    parser.add_argument("--threads", type=parse_thread_counts, help=threads_help)
    parser.add_argument(
        "--trials",
        type=positive_int("--trials"),
        help=f"trials per cell (default {trials[0]}; {trials[1]} with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--oversubscribe", action="store_true", help=OVERSUBSCRIBE_HELP)
    parser.add_argument("--results-dir", type=Path, default=default_results_dir())
    return parser


def parse_experiment_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, quick_threads: tuple[int, ...]
) -> tuple[argparse.Namespace, tuple[int, ...]]:
    """Parse ``argv``; return the options and the thread counts to run.

    The thread counts are ``--threads`` when given, else ``quick_threads`` with
    ``--quick``, else the default sweep for the usable CPUs. A ``--results-dir`` that
    exists and is not a directory is a UsageError.
    """
    from runners.identity import usable_cpus

    args = parser.parse_args(argv)
    if args.results_dir.exists() and not args.results_dir.is_dir():
        raise UsageError(f"--results-dir: {args.results_dir} exists and is not a directory")
    if args.threads is not None:
        threads: tuple[int, ...] = args.threads
    elif args.quick:
        threads = quick_threads
    else:
        threads = default_thread_counts(usable_cpus(), args.oversubscribe)
    return args, threads
