"""Command-line pieces shared by the measurement commands (runners.bench, runners.races,
runners.latency).

Bad input is an expected failure: one line on stderr and exit status 2, never a
traceback. Both commands take the same ``--threads`` syntax and the same default sweep.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NoReturn

from runners.results import default_results_dir


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2.

    Not a ValueError on purpose: argparse would swallow it into a generic message.
    """


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (no usage dump) and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def split_list(text: str, option: str) -> list[str]:
    """Split ``"a, b"`` into items; an empty list or an empty item is a UsageError."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise UsageError(f"{option}: expected a comma-separated list, got {text!r}")
    return items


def positive_seconds(option: str) -> Callable[[str], float]:
    """An argparse ``type`` for ``option``: a finite number of seconds > 0."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"{option}: {text!r} is not a number of seconds") from None
        if not math.isfinite(value) or value <= 0:
            raise UsageError(f"{option}: must be finite and > 0 seconds, got {text}")
        return value

    return parse


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
        value = _at_least_one(item, "--threads", hint=" (want e.g. 1,2,4)", noun="thread counts ")
        if value not in counts:
            counts.append(value)
    return tuple(counts)


def _at_least_one(text: str, option: str, *, hint: str = "", noun: str = "") -> int:
    """``text`` as an integer >= 1, else a UsageError naming ``option``."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not an integer{hint}") from None
    if value < 1:
        raise UsageError(f"{option}: {noun}must be >= 1, got {value}")
    return value


def positive_int(option: str) -> Callable[[str], int]:
    """An argparse ``type``: an integer >= 1, else a UsageError naming ``option``."""
    return lambda text: _at_least_one(text, option)


def parse_names(text: str, option: str, known: Iterable[str], noun: str) -> tuple[str, ...]:
    """``"a,b"`` -> ("a", "b") in the given order, duplicates dropped; each one ``known``."""
    choices = list(known)
    names: list[str] = []
    for item in split_list(text, option):
        if item not in choices:
            raise UsageError(f"{option}: unknown {noun} {item!r}; known: {', '.join(choices)}")
        if item not in names:
            names.append(item)
    return tuple(names)


def experiment_parser(
    prog: str, description: str, *, threads_help: str, trials: tuple[int, int], quick_help: str
) -> OneLineParser:
    """The options every trial experiment (races, latency) takes.

    ``--arm``, ``--threads``, ``--trials`` (``trials`` = (default, with --quick)),
    ``--quick`` and ``--results-dir``; read them back with ``parse_experiment_args``.
    """
    from runners.arms import ARMS

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
