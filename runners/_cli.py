"""Command-line pieces shared by the measurement commands (runners.bench, runners.races).

Bad input is an expected failure: one line on stderr and exit status 2, never a
traceback. Both commands take the same ``--threads`` syntax and the same default sweep.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn


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


def positive_int(option: str) -> Callable[[str], int]:
    """An argparse ``type`` for ``option``: an integer >= 1, else a one-line UsageError."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(f"{option}: {text!r} is not an integer") from None
        if value < 1:
            raise UsageError(f"{option}: must be >= 1, got {value}")
        return value

    return parse


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


def default_thread_counts(cpus: int) -> tuple[int, ...]:
    """Powers of two from 1 to 2 x ``cpus`` (above ``cpus`` they are oversubscribed)."""
    counts = [1]
    while counts[-1] * 2 <= 2 * max(cpus, 1):
        counts.append(counts[-1] * 2)
    return tuple(counts)


def parse_thread_counts(text: str) -> tuple[int, ...]:
    """``"1,2,4"`` -> (1, 2, 4) in the given order, duplicates dropped; each count >= 1."""
    counts: list[int] = []
    for item in split_list(text, "--threads"):
        try:
            value = int(item)
        except ValueError:
            raise UsageError(f"--threads: {item!r} is not an integer (want e.g. 1,2,4)") from None
        if value < 1:
            raise UsageError(f"--threads: thread counts must be >= 1, got {value}")
        if value not in counts:
            counts.append(value)
    return tuple(counts)
