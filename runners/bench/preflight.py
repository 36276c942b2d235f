"""Before a sweep: would a user's workloads turn the GIL back on for the people who run them?

CPython 3.13t turns the GIL back on when it imports an extension module that has not
declared that it can run without it (``Py_mod_gil``), and says so in a RuntimeWarning.
The ft arm runs with ``PYTHON_GIL=0``, which keeps the GIL off regardless, so a sweep
alone would show what the code does once every extension it imports supports
free-threading, not what its users get today. :func:`gil_reenabling_modules` imports the
``--workloads`` files in the arm's interpreter *without* PYTHON_GIL, as a user runs it,
and names the modules that turned the GIL on; the sweep then measures the ft-gil arm
too (the same interpreter with the GIL on: what those users get) unless
``--require-gil-off`` refuses it. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

REENABLED_VAR = "GILBENCH_GIL_REENABLED_BY"
"""Set by runners.bench for the workers of an arm whose --workloads imports turn the GIL
back on for its users (comma-separated modules); the workers record it in every run's
metadata as ``gil_reenabled_by``."""

GIL_WARNING = re.compile(r"enabled to load module '([^']+)'")
"""The module that CPython's RuntimeWarning names when an import turns the GIL on."""

PROBE = """\
import json, sys, warnings
from runners.bench.worker import load_workload_file
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for path in sys.argv[1:]:
        load_workload_file(path)
print(json.dumps({"gil": sys._is_gil_enabled(), "warnings": [str(w.message) for w in caught]}))
"""


def gil_reenabling_modules(python: str, files: Sequence[str], tree: Path) -> list[str] | None:
    """The modules whose import turns the GIL back on when ``python`` (a free-threaded
    build) imports ``files`` with no PYTHON_GIL set: [] when none did; None when the probe
    could not tell (the files fail to import: the sweep reports that itself)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [python, "-c", PROBE, *files],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        found = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return None
    if not isinstance(found, dict) or not found.get("gil"):
        return [] if isinstance(found, dict) else None
    named = [m[1] for text in found.get("warnings", []) if (m := GIL_WARNING.search(str(text)))]
    return list(dict.fromkeys(named)) or ["(an import that did not say which)"]


def warning(arm: str, python: str, modules: Sequence[str]) -> str:
    """The one-line warning for an arm whose workloads turn the GIL back on."""
    names = ", ".join(repr(m) for m in modules)
    return (
        f"warning: arm {arm} ({python}): importing the --workloads files turns the GIL back "
        f"on without PYTHON_GIL=0 (module {names} has not declared that it can run without "
        "it); this arm keeps it off, so its numbers are what the code would do once "
        f"{names} supports free-threading, not what its users get today; the sweep adds "
        "the ft-gil arm (this interpreter with the GIL on), which measures that; both "
        "record gil_reenabled_by"
    )
