"""The comparison arms: which interpreter build, which PYTHON_GIL, which GIL state to expect.

One table shared by provisioning, tox, the benchmark runner, the race runner, the report
and the regression gate, so that "what the ft arm means" is written down exactly once.
Standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Arm:
    """One arm of a comparison."""

    name: str
    free_threaded_build: bool
    """True when the arm runs on the free-threaded (``t``) interpreter."""
    python_gil: str | None
    """Value of PYTHON_GIL for this arm; None means the variable must not be set
    (a default build aborts on ``PYTHON_GIL=0``)."""
    expect_gil_enabled: bool
    description: str


ARMS: dict[str, Arm] = {
    arm.name: arm
    for arm in (
        Arm("gil", False, None, True, "default build, GIL enabled"),
        Arm("ft", True, "0", False, "free-threaded build, GIL disabled (PYTHON_GIL=0)"),
        Arm(
            "ft-gil",
            True,
            "1",
            True,
            "free-threaded build with the GIL forced on (PYTHON_GIL=1): "
            "separates the build's cost from the GIL's effect",
        ),
    )
}
"""The arms, in report order (gil, ft, ft-gil)."""

ARM_ORDER: tuple[str, ...] = tuple(ARMS)
"""Arm names in report order."""

RATIO_PAIRS: tuple[tuple[str, str], ...] = (("ft", "gil"), ("ft-gil", "gil"), ("ft", "ft-gil"))
"""(numerator, denominator) arm ratios: ft/gil is the comparison; ft-gil/gil is what the
free-threaded build costs by itself; ft/ft-gil is what removing the GIL changes."""


def get_arm(name: str) -> Arm:
    """Return the arm called ``name`` or raise ValueError listing the known arms."""
    try:
        return ARMS[name]
    except KeyError:
        raise ValueError(f"unknown arm {name!r}; known arms: {', '.join(ARMS)}") from None


def ordered_arms(names: Iterable[object]) -> list[str]:
    """``names`` in report order (gil, ft, ft-gil), unknown ones last, sorted."""
    present = {str(n) for n in names}
    return [a for a in ARM_ORDER if a in present] + sorted(present - set(ARM_ORDER))


def arm_sort_key(name: str) -> tuple[int, str]:
    """Sort key putting the known arms first, in report order."""
    return (ARM_ORDER.index(name) if name in ARM_ORDER else len(ARM_ORDER), name)


def arm_env(arm: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ with the arm's PYTHON_GIL (removed for the default build) plus ``extra``."""
    env = dict(os.environ)
    env.pop("PYTHON_GIL", None)
    setting = get_arm(arm).python_gil
    if setting is not None:
        env["PYTHON_GIL"] = setting
    env.update(extra or {})
    return env
