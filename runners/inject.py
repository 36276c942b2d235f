"""Known slowdowns for calibration: the gate's trials and ``runners.calibrate --inject``.

An interval is honest only if it contains a slowdown whose size is known. Setting

    GILBENCH_INJECT_SLOWDOWN="locked-increment-lock-fine:0.25"

makes every timed call of that benchmark (``family-variant`` or the full
``family-variant-tN`` name, or a shell-style pattern such as ``*``; several entries
separated by commas; ``name@arm:fraction`` limits an entry to one arm, and
``name@SIDE:fraction`` to one side of an interleaved sweep, e.g. ``ft.head`` of an A/B
gate run: the sweep tells each worker its side in ``GILBENCH_SIDE``) do 25% extra
work: after the real timed region the worker busy-spins for 0.25 x the region's
measured time, and the value it returns is exactly 1.25 x that time. The work is real
(the process burns the CPU time, so what follows it runs as after an honest slowdown),
and the factor is exact even where a spin cannot be timed that finely (a
fixed-duration workload's value is seconds per operation).

Two scopes. ``name:fraction`` (or ``name:fraction:every``) slows every value of every
process alike: the easiest case for any estimator. ``name:fraction:half`` slows only
the processes whose process id is odd (about half of them, at random), every value of
those: a change that moves some processes and not others, as a layout- or
environment-dependent regression does. Over many processes its true effect on a
geometric mean is the square root of the per-process factor.

Every benchmark run that was slowed down is marked: ``metadata(name, arm)`` returns
``{"injected_slowdown": <spec>}`` for it, and the gate refuses to let such a run pass
or become a baseline. Only the gate's trials, ``runners.calibrate --inject`` and the
tests set it.

Wiring (the benchmark runner owns the calls):
- main process: add ``inherit_environ()`` to pyperf's ``--inherit-environ`` so workers
  see the variable (pyperf passes workers only a short list of variables);
- worker: ``runner.bench_time_func(name, wrap_time_func(name, func, arm), ...,
  metadata={**metadata, **inject.metadata(name, arm)})``.

Standard library only; runs on Python 3.11 through 3.13t.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Callable
from typing import NamedTuple

from concepts.injection import ENV_VAR, METADATA_KEY, SIDE_VAR

SCOPES = ("every", "half")


class Entry(NamedTuple):
    """One entry of the spec: which benchmarks, which arm or side, how much, how widely."""

    name: str
    arm: str | None
    fraction: float
    scope: str = "every"


class InjectSpecError(ValueError):
    """The value of GILBENCH_INJECT_SLOWDOWN cannot be parsed."""


def parse(spec: str) -> list[Entry]:
    """Parse ``name[@arm]:fraction[:scope][,...]`` into entries."""
    entries: list[Entry] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        target, sep, rest = part.partition(":")
        if not sep or not target:
            raise InjectSpecError(f"{ENV_VAR}: {part!r} is not NAME[@ARM]:FRACTION[:SCOPE]")
        number, _, scope = rest.partition(":")
        scope = scope.strip() or "every"
        if scope not in SCOPES:
            raise InjectSpecError(f"{ENV_VAR}: scope {scope!r} in {part!r} is not every or half")
        try:
            fraction = float(number)
        except ValueError:
            raise InjectSpecError(f"{ENV_VAR}: {number!r} in {part!r} is not a number") from None
        if not 0 < fraction <= 10:
            raise InjectSpecError(f"{ENV_VAR}: fraction {fraction} outside (0, 10]")
        name, _, arm = target.partition("@")
        entries.append(Entry(name.strip(), arm.strip() or None, fraction, scope))
    if not entries:
        raise InjectSpecError(f"{ENV_VAR} is set but names no benchmark")
    return entries


def _matches(pattern: str, name: str, base: str) -> bool:
    return pattern in (name, base) or fnmatch.fnmatchcase(name, pattern)


def active_spec() -> str | None:
    """The injection spec in the environment (validated), or None when the hook is off."""
    spec = os.environ.get(ENV_VAR, "").strip()
    if not spec:
        return None
    parse(spec)
    return spec


def _entries_for(name: str, arm: str | None) -> list[Entry]:
    spec = active_spec()
    if spec is None:
        return []
    base = re.sub(r"-t\d+$", "", name)
    side = os.environ.get(SIDE_VAR) or arm
    return [
        entry
        for entry in parse(spec)
        if _matches(entry.name, name, base) and entry.arm in (None, arm, side)
    ]


def slowdown_for(name: str, arm: str | None = None, pid: int | None = None) -> float:
    """Extra-work fraction for benchmark ``name`` (``family-variant[-tN]``) in ``arm``, in
    the process ``pid`` (default: this one; ``half`` entries apply to odd ones only)."""
    pid = os.getpid() if pid is None else pid
    return sum(
        entry.fraction
        for entry in _entries_for(name, arm)
        if entry.scope == "every" or pid % 2 == 1
    )


def _spin(seconds: float) -> None:
    """Busy-wait for ``seconds`` (real CPU work, not a sleep)."""
    clock = time.perf_counter
    deadline = clock() + seconds
    spins = 0
    while clock() < deadline:
        spins += 1


def wrap_time_func(
    name: str, func: Callable[..., float], arm: str | None = None
) -> Callable[..., float]:
    """Return ``func`` itself, or (when an injection names ``name``) a slowed-down wrapper.

    ``func`` is a pyperf time function returning seconds; the wrapper busy-spins for
    ``fraction`` x that time and returns (1 + ``fraction``) x that time.
    """
    fraction = slowdown_for(name, arm)
    if fraction <= 0:
        return func

    def slowed(*args: object) -> float:
        elapsed = func(*args)
        _spin(fraction * elapsed)
        return elapsed * (1.0 + fraction)

    return slowed


def metadata(name: str, arm: str | None = None) -> dict[str, str]:
    """``{"injected_slowdown": spec}`` when an entry names benchmark ``name`` on this arm
    or side (whether or not this process is one that ``half`` slows), else {} (the other
    sides of an A/B sweep stay clean results)."""
    spec = active_spec()
    return {METADATA_KEY: spec} if spec and _entries_for(name, arm) else {}


def inherit_environ() -> list[str]:
    """Variables pyperf must pass to its workers for the hook to reach them."""
    return [ENV_VAR, SIDE_VAR] if os.environ.get(ENV_VAR, "").strip() else []
