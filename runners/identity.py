"""What the running interpreter really is, and whether it matches the arm it claims to be.

Every result file carries these fields so that a reader can verify, after the fact,
that the free-threaded arm really ran without the GIL.
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from typing import Any

from concepts.arms import Arm


class ArmMismatch(RuntimeError):
    """The observed GIL state (or build kind) is not what the arm expects."""


def gil_enabled() -> bool:
    """Observed GIL state; interpreters without ``sys._is_gil_enabled`` always have a GIL."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def py_gil_disabled() -> bool:
    """True on a free-threaded build (``Py_GIL_DISABLED`` in the build configuration)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def cpu_affinity() -> list[int]:
    """CPUs this process may run on (all CPUs where the platform cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def usable_cpus() -> int:
    """Number of CPUs this process may run on."""
    return len(cpu_affinity())


def interpreter_metadata(arm: Arm) -> dict[str, Any]:
    """Fields recorded with every result: arm, build, observed GIL state, machine."""
    return {
        "arm": arm.name,
        "gil_enabled_at_start": gil_enabled(),
        "py_gil_disabled": py_gil_disabled(),
        "switch_interval": sys.getswitchinterval(),
        "cpu_affinity": ",".join(map(str, cpu_affinity())),
        "cpu_count": os.cpu_count() or 0,
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "python_config_args": sysconfig.get_config_var("CONFIG_ARGS") or "",
        "python_gil_env": os.environ.get("PYTHON_GIL", ""),
    }


def _gil_cause(arm: Arm) -> str:
    """Best guess at why the observed GIL state differs from the arm's expectation."""
    env = os.environ.get("PYTHON_GIL")
    xopt = getattr(sys, "_xoptions", {}).get("gil")
    if xopt is not None:
        return f"-X gil={xopt} was given"
    if env is not None and env != (arm.python_gil or ""):
        return f"PYTHON_GIL={env} is set in the environment (arm {arm.name} wants " + (
            f"PYTHON_GIL={arm.python_gil})" if arm.python_gil else "it unset)"
        )
    if not arm.expect_gil_enabled and gil_enabled():
        extensions = sorted(
            name
            for name, module in list(sys.modules.items())
            if (getattr(module, "__file__", None) or "").endswith((".so", ".pyd"))
        )
        return (
            "the GIL was re-enabled at run time, probably by importing an extension "
            "module that does not declare free-threading support; extension modules "
            f"loaded: {', '.join(extensions) or 'none'}"
        )
    return "unknown cause"


def check_arm(arm: Arm, *, when: str = "at start") -> None:
    """Raise ArmMismatch, naming the cause, unless this interpreter matches ``arm``."""
    if py_gil_disabled() != arm.free_threaded_build:
        build = "free-threaded" if py_gil_disabled() else "default (GIL)"
        raise ArmMismatch(
            f"arm {arm.name} needs a {'free-threaded' if arm.free_threaded_build else 'default'}"
            f" build but {sys.executable} is a {build} build"
        )
    observed = gil_enabled()
    if observed != arm.expect_gil_enabled:
        raise ArmMismatch(
            f"arm {arm.name} expects the GIL {'enabled' if arm.expect_gil_enabled else 'disabled'}"
            f" but it is {'enabled' if observed else 'disabled'} {when}: {_gil_cause(arm)}"
        )
