"""Integration: the real provisioned pair (python3.13 / python3.13t), run as subprocesses.

The pair comes from runners.provision.ensure_pair() through the ``interpreter_pair``
fixture: found in the cache or the GILBENCH_PYTHON_* variables, or built on first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runners.provision import Rejected, ensure_pair, parse_version
from runners.provision.discover import probe

pytestmark = pytest.mark.interpreters

REPO = Path(__file__).resolve().parent.parent


def run(python: Path, code: str, python_gil: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHON_GIL", None)
    if python_gil is not None:
        env["PYTHON_GIL"] = python_gil
    return subprocess.run(
        [str(python), "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


GIL_STATE = (
    "import sys, sysconfig; print(sysconfig.get_config_var('Py_GIL_DISABLED'),"
    " sys._is_gil_enabled())"
)


@pytest.mark.parametrize(
    ("kind", "python_gil", "expected"),
    [
        ("gil", None, "0 True"),  # default build: the GIL is always there
        ("ft", "0", "1 False"),  # the ft arm
        ("ft", "1", "1 True"),  # the ft-gil arm: same binary, GIL forced on
        ("ft", None, "1 False"),  # 3.13t disables the GIL by default
    ],
)
def test_gil_state_of_each_interpreter(
    interpreter_pair: dict[str, Path], kind: str, python_gil: str | None, expected: str
) -> None:
    done = run(interpreter_pair[kind], GIL_STATE, python_gil)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_default_build_refuses_python_gil_0(interpreter_pair: dict[str, Path]) -> None:
    # Why the gil arm never sets PYTHON_GIL: a default build aborts on PYTHON_GIL=0.
    done = run(interpreter_pair["gil"], "pass", "0")
    assert done.returncode != 0
    assert "Disabling the GIL is not supported by this build" in done.stderr


def test_provisioned_pair_is_matched(interpreter_pair: dict[str, Path]) -> None:
    pair = ensure_pair(build=False)
    assert pair.matched, pair.mismatches
    assert pair.gil.version == pair.ft.version
    assert (pair.gil.free_threaded, pair.ft.free_threaded) == (False, True)


def test_fake_python313t_that_execs_the_default_build_is_rejected(
    interpreter_pair: dict[str, Path], tmp_path: Path
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("python3.13", "python3.13t"):  # both really the default build
        wrapper = bindir / name
        wrapper.write_text(f'#!/bin/sh\nexec {interpreter_pair["gil"]} "$@"\n')
        wrapper.chmod(0o755)
    verdict = probe(bindir / "python3.13t", "PATH", "ft", parse_version("3.13"))
    assert isinstance(verdict, Rejected)
    assert "default (GIL) build (Py_GIL_DISABLED=0)" in verdict.reason
    env = {k: v for k, v in os.environ.items() if not k.startswith("GILBENCH_")}
    env["PATH"] = str(bindir)
    done = subprocess.run(
        [sys.executable, "-m", "runners.provision", "--check", "--cache-dir", str(tmp_path / "c")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{bindir / 'python3.13'}\n" in done.stdout  # the wrapper is a fine python3.13
    assert f"{bindir / 'python3.13t'} (PATH, as ft): is a default (GIL) build" in done.stdout
    assert "error: no verified python3.13t found" in done.stderr


def test_check_on_the_real_pair_exits_zero(interpreter_pair: dict[str, Path]) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "runners.provision", "--check",
            "--python-gil", str(interpreter_pair["gil"]),
            "--python-ft", str(interpreter_pair["ft"]),
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pair: matched" in done.stdout
    assert "free-threaded build" in done.stdout and "default (GIL) build" in done.stdout
