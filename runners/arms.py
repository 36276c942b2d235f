"""The comparison arms: which interpreter build, which PYTHON_GIL, which GIL state to expect.

One table shared by provisioning, tox, the benchmark runner and the race runner, so that
"what the ft arm means" is written down exactly once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def get_arm(name: str) -> Arm:
    """Return the arm called ``name`` or raise ValueError listing the known arms."""
    try:
        return ARMS[name]
    except KeyError:
        raise ValueError(f"unknown arm {name!r}; known arms: {', '.join(ARMS)}") from None


def arm_env(arm: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ with the arm's PYTHON_GIL (removed for the default build) plus ``extra``."""
    env = dict(os.environ)
    env.pop("PYTHON_GIL", None)
    setting = get_arm(arm).python_gil
    if setting is not None:
        env["PYTHON_GIL"] = setting
    env.update(extra or {})
    return env
