"""Shared fixtures: the real interpreter pair, and one virtual environment per arm.

Tests that exercise benchmarks run them on the real python3.13 / python3.13t, as
subprocesses of this (GIL) test interpreter, exactly as tox would: each arm gets a
virtual environment with pyperf and gilbench (for its pyperf hook), and PYTHON_GIL is
set only in the ``t`` arms.

Tiers: every test that needs the pair (through ``interpreter_pair`` or ``arm_python``,
directly or through another fixture) is marked ``interpreters`` here, so
``pytest -m "not interpreters"`` runs the rest without provisioning anything, on every
CPU (pytest-xdist; a worker takes the next test when it is free).
When the selected tests may include interpreter tests, everything runs in this process,
one test at a time, because those tests measure: the pair is found (or built) once
before the first test, with its progress on the terminal.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from concepts.arms import ARMS, Arm  # noqa: E402


@dataclass(frozen=True)
class ArmPython:
    """A virtual environment (with pyperf) on one arm's interpreter, and the arm's env."""

    arm: Arm
    python: Path

    def env(self, **extra: str) -> dict[str, str]:
        """os.environ with this arm's PYTHON_GIL (or none) plus ``extra``."""
        env = dict(os.environ)
        env.pop("PYTHON_GIL", None)
        if self.arm.python_gil is not None:
            env["PYTHON_GIL"] = self.arm.python_gil
        env["PYTHONUNBUFFERED"] = "1"
        env.update(extra)
        return env

    def run(
        self, *args: str, timeout: float = 600, env: dict[str, str] | None = None, cwd: Path = REPO
    ) -> subprocess.CompletedProcess[str]:
        """Run this arm's python with ``args`` in the repository root; capture text output."""
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd,
            env=env if env is not None else self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="session")
def interpreter_pair() -> dict[str, Path]:
    """Paths of the verified matched pair: {"gil": python3.13, "ft": python3.13t}.

    Found (or built, the first time) by runners.provision, exactly as tox does.
    """
    from runners.provision import ensure_pair

    pair = ensure_pair()
    return {"gil": pair.gil.path, "ft": pair.ft.path}


@pytest.fixture(scope="session")
def arm_python(
    interpreter_pair: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], ArmPython]]:
    """Factory: arm name -> ArmPython, with one pyperf venv per interpreter (made once)."""
    venvs: dict[str, Path] = {}

    def make(arm_name: str) -> ArmPython:
        arm = ARMS[arm_name]
        kind = "ft" if arm.free_threaded_build else "gil"
        if kind not in venvs:
            venv = tmp_path_factory.mktemp(f"venv-{kind}")
            base = str(interpreter_pair[kind])
            subprocess.run([base, "-m", "venv", str(venv)], check=True, env=_no_gil_env())
            # gilbench itself too (editable, no dependencies): its pyperf hook is found
            # through the package's entry point, as in the bench-* tox environments.
            subprocess.run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "pyperf>=2.8,<3",
                    "-e",
                    str(REPO),
                ],
                check=True,
                env=_no_gil_env(),
            )
            venvs[kind] = venv / "bin" / "python"
        return ArmPython(arm, venvs[kind])

    yield make


INTERPRETER_FIXTURES = frozenset({"interpreter_pair", "arm_python"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the real pair ``interpreters`` (see the module docstring)."""
    for item in items:
        if INTERPRETER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.interpreters)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Workers for ``-n auto`` (pyproject's default): one per CPU when the marker
    expression leaves out every interpreter test, else none (all tests in this process,
    one at a time), because interpreter tests measure and nothing is timed beside another
    test."""
    if may_select_interpreter_tests(config.getoption("markexpr")):
        return 0
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


MARK_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_][\w-]*)")


def may_select_interpreter_tests(markexpr: str) -> bool:
    """Whether ``-m markexpr`` can select a test marked ``interpreters`` (alone or with
    ``slow``); True for an expression this reading does not understand."""
    tokens, at = [], 0
    while at < len(markexpr.rstrip()):
        match = MARK_TOKEN.match(markexpr, at)
        if match is None:
            return True
        tokens.append(match[1])
        at = match.end()
    if not tokens:
        return True

    def selects(marks: set[str]) -> bool:
        words = [t if t in {"and", "or", "not", "(", ")"} else str(t in marks) for t in tokens]
        try:
            return bool(eval(" ".join(words), {"__builtins__": {}}))  # only bools and operators
        except SyntaxError:
            return True

    return selects({"interpreters"}) or selects({"interpreters", "slow"})


def pytest_collection_finish(session: pytest.Session) -> None:
    """Provision the pair before the first test when a selected test needs it, with the
    provisioning's progress shown (a first build takes minutes)."""
    if session.config.option.collectonly or not any(
        item.get_closest_marker("interpreters") for item in session.items
    ):
        return
    from runners.provision import ensure_pair

    capture = session.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        ensure_pair()


def _no_gil_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHON_GIL", None)
    return env


def default_sigint() -> None:
    """A ``preexec_fn``: Ctrl-C's default action in the child, even when the tests run in a
    background job (where the shell starts every process with SIGINT ignored, and Python
    then never turns it into KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


UNIT_TEST_DURATION = 0.02
"""Seconds of a fixed-duration run in a unit test: enough for every thread to start and
count, where a real run lasts concepts.fairness.FIXED_DURATION."""


def briefly(workload: Any) -> Any:
    """``workload`` with its fixed-duration runs shortened to UNIT_TEST_DURATION (a
    fixed-work workload unchanged): the unit tests check results, not fairness."""
    if workload.duration is None:
        return workload
    return replace(workload, duration=UNIT_TEST_DURATION)
