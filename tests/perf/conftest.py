"""The pytest-benchmark fast tier: per-arm storage, build kind and GIL state in machine_info.

These benchmarks run only when tests/perf is named on the command line
(``pytest tests/perf ...``, as ``tox -e perf-gil`` / ``perf-ft`` do); in the normal
``pytest`` run they are deselected. They time single operations on the *running*
interpreter, so run them once per arm:

    python3.13  -m pytest tests/perf --benchmark-autosave --benchmark-compare
    PYTHON_GIL=0 python3.13t -m pytest tests/perf --benchmark-autosave --benchmark-compare

pytest-benchmark names its storage sub-folder after the OS, implementation, X.Y version
and word size only, so 3.13 and 3.13t would compare against each other. Here the
default storage becomes ``.benchmarks/<impl>-<X.Y>[t]-gil-<on|off>`` (for example
``.benchmarks/cpython-3.13t-gil-off``): ``--benchmark-compare`` then finds the previous
run of the same arm only. An explicit ``--benchmark-storage`` is left alone.
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

PERF_DIR = Path(__file__).resolve().parent
DEFAULT_STORAGE = "file://./.benchmarks"


def free_threaded_build() -> bool:
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def arm_tag() -> str:
    """``cpython-3.13t-gil-off``: implementation, version (t: free-threaded build), GIL state."""
    impl = platform.python_implementation().lower()
    version = ".".join(platform.python_version_tuple()[:2])
    build = "t" if free_threaded_build() else ""
    return f"{impl}-{version}{build}-gil-{'on' if gil_enabled() else 'off'}"


GIL_AT_START = gil_enabled()
ARM_AT_START = arm_tag()


def perf_selected(config: pytest.Config) -> bool:
    """True when the command line names tests/perf or something inside it."""
    base = Path(config.invocation_params.dir)
    for arg in config.invocation_params.args:
        if arg.startswith("-"):
            continue
        path = (base / arg.split("::", 1)[0]).resolve()
        if path == PERF_DIR or PERF_DIR in path.parents:
            return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    if not perf_selected(config):
        return
    storage = getattr(config.option, "benchmark_storage", None)
    if storage is None:
        raise pytest.UsageError("tests/perf needs pytest-benchmark (pip install pytest-benchmark)")
    if hasattr(config, "_benchmarksession"):
        # pytest-benchmark already opened its storage: this conftest was not loaded early.
        raise pytest.UsageError("run the perf tier as: pytest tests/perf [options]")
    if storage == DEFAULT_STORAGE:
        config.option.benchmark_storage = f"{DEFAULT_STORAGE}/{ARM_AT_START}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the perf tier unless it was named on the command line."""
    if perf_selected(config):
        return
    keep, drop = [], []
    for item in items:
        (drop if PERF_DIR in Path(str(item.path)).parents else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    """Record the build kind and observed GIL state (3.13 and 3.13t must not look alike)."""
    machine_info["gilbench"] = {
        "arm": ARM_AT_START,
        "build": "free-threaded" if free_threaded_build() else "default",
        "py_gil_disabled": free_threaded_build(),
        "gil_enabled_at_start": GIL_AT_START,
        "gil_enabled_now": gil_enabled(),
        "python_gil_env": os.environ.get("PYTHON_GIL", ""),
        "python_executable": sys.executable,
        "config_args": sysconfig.get_config_var("CONFIG_ARGS") or "",
    }


@pytest.fixture(autouse=True)
def _gil_unchanged() -> Any:
    """Fail a benchmark if the GIL state changed under it (a re-enabling import, say)."""
    yield
    if gil_enabled() != GIL_AT_START:
        pytest.fail(
            f"the GIL was {'enabled' if gil_enabled() else 'disabled'} during the run "
            f"(started {'enabled' if GIL_AT_START else 'disabled'}): results are not {ARM_AT_START}"
        )
