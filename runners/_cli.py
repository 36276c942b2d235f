"""Command-line pieces shared by the measurement commands (runners.bench, runners.races).

Bad input is an expected failure: one line on stderr and exit status 2, never a
traceback. Both commands take the same ``--threads`` syntax and the same default sweep.
"""

from __future__ import annotations

import argparse
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
