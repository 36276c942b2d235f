"""TEST-ONLY hook: inject a proportional slowdown into one benchmark to exercise the gate.

The regression gate (``python -m analysis.regress``) must be shown to catch a real
slowdown. Setting

    GILBENCH_INJECT_SLOWDOWN="locked-increment-lock-fine:0.25"

makes every timed call of that benchmark (``family-variant`` or the full
``family-variant-tN`` name; several entries separated by commas; ``name@arm:fraction``
limits an entry to one arm, and ``name@SIDE:fraction`` to one side of an interleaved
sweep, e.g. ``ft.head`` of an A/B gate run: the sweep tells each worker its side in
``GILBENCH_SIDE``) do 25% extra work: after the real timed region the worker
busy-spins for 0.25 x the region's measured time, and that spin is part of the
returned time. The work is real (the process burns the CPU time), so the values carry
the same kind of noise as an honest slowdown.

Every benchmark run that was slowed down is marked: ``metadata(name, arm)`` returns
``{"injected_slowdown": <spec>}`` for it, and the gate refuses to let such a run pass
or become a baseline. Never set it outside tests.

Wiring (the benchmark runner owns the calls):
- main process: add ``inherit_environ()`` to pyperf's ``--inherit-environ`` so workers
  see the variable (pyperf passes workers only a short list of variables);
- worker: ``runner.bench_time_func(name, wrap_time_func(name, func, arm), ...,
  metadata={**metadata, **inject.metadata(name, arm)})``.

Standard library only; runs on Python 3.11 through 3.13t.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable

ENV_VAR = "GILBENCH_INJECT_SLOWDOWN"
SIDE_VAR = "GILBENCH_SIDE"
"""The sweep side a worker measures (set by runners._bench_one for every master)."""
METADATA_KEY = "injected_slowdown"


class InjectSpecError(ValueError):
    """The value of GILBENCH_INJECT_SLOWDOWN cannot be parsed."""


def parse(spec: str) -> list[tuple[str, str | None, float]]:
    """Parse ``name[@arm]:fraction[,...]`` into (name, arm or None, fraction) entries."""
    entries: list[tuple[str, str | None, float]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        target, sep, number = part.rpartition(":")
        if not sep or not target:
            raise InjectSpecError(f"{ENV_VAR}: {part!r} is not NAME[@ARM]:FRACTION")
        try:
            fraction = float(number)
        except ValueError:
            raise InjectSpecError(f"{ENV_VAR}: {number!r} in {part!r} is not a number") from None
        if not 0 < fraction <= 10:
            raise InjectSpecError(f"{ENV_VAR}: fraction {fraction} outside (0, 10]")
        name, _, arm = target.partition("@")
        entries.append((name.strip(), arm.strip() or None, fraction))
    if not entries:
        raise InjectSpecError(f"{ENV_VAR} is set but names no benchmark")
    return entries


def active_spec() -> str | None:
    """The injection spec in the environment (validated), or None when the hook is off."""
    spec = os.environ.get(ENV_VAR, "").strip()
    if not spec:
        return None
    parse(spec)
    return spec


def slowdown_for(name: str, arm: str | None = None) -> float:
    """Extra-work fraction for benchmark ``name`` (``family-variant[-tN]``) in ``arm``."""
    spec = active_spec()
    if spec is None:
        return 0.0
    base = re.sub(r"-t\d+$", "", name)
    side = os.environ.get(SIDE_VAR) or arm
    total = 0.0
    for target, target_arm, fraction in parse(spec):
        if target in (name, base) and target_arm in (None, arm, side):
            total += fraction
    return total


def _spin(seconds: float) -> float:
    """Busy-wait for ``seconds`` (real CPU work, not a sleep); return the measured span."""
    clock = time.perf_counter
    start = clock()
    deadline = start + seconds
    spins = 0
    while clock() < deadline:
        spins += 1
    return clock() - start


def wrap_time_func(
    name: str, func: Callable[..., float], arm: str | None = None
) -> Callable[..., float]:
    """Return ``func`` itself, or (when an injection names ``name``) a slowed-down wrapper.

    ``func`` is a pyperf time function returning seconds; the wrapper adds a busy-spin
    of ``fraction`` x that time and returns the sum.
    """
    fraction = slowdown_for(name, arm)
    if fraction <= 0:
        return func

    def slowed(*args: object) -> float:
        elapsed = func(*args)
        return elapsed + _spin(fraction * elapsed)

    return slowed


def metadata(name: str, arm: str | None = None) -> dict[str, str]:
    """``{"injected_slowdown": spec}`` when a slowdown applies to benchmark ``name`` on
    this arm or side, else {} (the other sides of an A/B sweep stay clean results)."""
    spec = active_spec()
    return {METADATA_KEY: spec} if spec and slowdown_for(name, arm) > 0 else {}


def inherit_environ() -> list[str]:
    """Variables pyperf must pass to its workers for the hook to reach them."""
    return [ENV_VAR, SIDE_VAR] if os.environ.get(ENV_VAR, "").strip() else []
