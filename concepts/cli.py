"""The command line of every gilbench command: one kind of usage error, one parser per kind
of option.

Bad input is an expected failure: one line on stderr and a non-zero exit, never a
traceback. Every command raises ``UsageError`` (argparse's own errors included, through
``OneLineParser``) and exits 2 on it, except the regression gate (``analysis.regress``),
whose 2 means "inconclusive": it exits 64 (``EX_USAGE``) instead. Standard library only.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

EXIT_USAGE = 2
"""Exit status of a usage error (64 in the regression gate: see the module docstring)."""


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


def at_least_one(text: str, option: str, *, hint: str = "", noun: str = "") -> int:
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
    return lambda text: at_least_one(text, option)


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


def names_of(
    option: str, known: Sequence[str], noun: str = "name"
) -> Callable[[str], tuple[str, ...]]:
    """An argparse ``type``: a comma-separated subset of ``known`` (``parse_names``)."""
    return lambda text: parse_names(text, option, known, noun)


def parse_cpu_list(text: str) -> list[int]:
    """A CPU list such as ``0-1,3`` (pyperf's --affinity syntax) -> sorted distinct CPUs;
    ValueError when it is not one."""
    cpus: set[int] = set()
    for part in filter(None, (p.strip() for p in str(text).split(","))):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    if not cpus:
        raise ValueError(f"no CPU in {text!r}")
    return sorted(cpus)
