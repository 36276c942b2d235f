"""toxfile.py, the inline tox plugin: bench-* environments get the pair's interpreters,
other environments never trigger provisioning.

These run tox itself (``python -m tox``) on this repository's tox.ini, with the pair
given through GILBENCH_PYTHON_GIL / GILBENCH_PYTHON_FT, so nothing is built.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("tox", minversion="4.26")

REPO = Path(__file__).resolve().parent.parent


def fake_python(path: Path, *, ft: bool) -> Path:
    """A shell script answering the provisioning probe (see test_provision.py)."""
    answer = {
        "implementation": "cpython",
        "version": "3.13.5",
        "py_gil_disabled": ft,
        "config_args": "'--disable-gil'" if ft else "",
        "executable": str(path),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n/bin/cat <<'JSON'\n{json.dumps(answer)}\nJSON\n")
    path.chmod(0o755)
    return path


def tox(*args: str, env: dict[str, str], workdir: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GILBENCH_", "TOX_"))}
    full_env.pop("PYTHON_GIL", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tox", "--workdir", str(workdir), *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def local_wheel(folder: Path) -> Path:
    """A pure-Python wheel made by hand, so that pip installs it with no index."""
    name, files = "gilbench_test_dep", {"gilbench_test_dep/__init__.py": "VALUE = 42\n"}
    info = f"{name}-1.0.dist-info"
    files[f"{info}/METADATA"] = "Metadata-Version: 2.1\nName: gilbench-test-dep\nVersion: 1.0\n"
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def config_values(output: str, key: str) -> dict[str, str]:
    """``tox config -k KEY`` output -> {env name: value}."""
    found: dict[str, str] = {}
    section = ""
    for line in output.splitlines():
        if line.startswith("[testenv:"):
            section = line[len("[testenv:") : -1]
        elif line.startswith(f"{key} = "):
            found[section] = line.split(" = ", 1)[1]
    return found


def base_pythons(output: str) -> dict[str, str]:
    """``tox config -k base_python`` output -> {env name: base_python}."""
    return config_values(output, "base_python")


def test_bench_envs_get_the_pair(tmp_path: Path) -> None:
    gil = fake_python(tmp_path / "gil" / "python3.13", ft=False)
    ft = fake_python(tmp_path / "ft" / "python3.13t", ft=True)
    done = tox(
        "config", "-e", "bench-gil,bench-ft,bench-ft-gil", "-k", "base_python",
        env={"GILBENCH_PYTHON_GIL": str(gil), "GILBENCH_PYTHON_FT": str(ft)},
        workdir=tmp_path / "tox",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert base_pythons(done.stdout) == {
        "bench-gil": str(gil),
        "bench-ft": str(ft),
        "bench-ft-gil": str(ft),
    }
    assert "gilbench: ft interpreter" in done.stderr


def test_other_envs_never_provision(tmp_path: Path) -> None:
    # Provisioning would fail at once on this path: these envs must not even look.
    bad = {"GILBENCH_PYTHON_GIL": str(tmp_path / "missing"), "GILBENCH_PYTHON_FT": "/missing"}
    done = tox("config", "-e", "tests,lint,analysis", "-k", "base_python", env=bad,
               workdir=tmp_path / "tox")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(base_pythons(done.stdout)) == {"tests", "lint", "analysis"}
    assert "missing" not in done.stdout
    listed = tox("list", env=bad, workdir=tmp_path / "tox")
    assert listed.returncode == 0 and "bench-ft" in listed.stdout


def test_provisioning_failure_is_reported_by_tox(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    done = tox("config", "-e", "bench-gil", "-k", "base_python",
               env={"GILBENCH_PYTHON_GIL": str(missing)}, workdir=tmp_path / "tox")  # fmt: skip
    assert f"bench-gil: no gil interpreter: GILBENCH_PYTHON_GIL={missing}: no such file" in (
        done.stdout + done.stderr
    )


@pytest.mark.interpreters
@pytest.mark.slow
def test_bench_envs_run_on_the_right_interpreter_with_the_right_gil_state(
    tmp_path: Path, interpreter_pair: dict[str, Path]
) -> None:
    # ``tox exec`` creates the environment exactly as ``tox run`` would (base_python from
    # the plugin, set_env with PYTHON_GIL) but runs only this probe, not the benchmarks.
    # bench-gil sets PYTHON_GIL empty (so a caller's value never reaches a default
    # build): unset and empty both print None.
    # GILBENCH_DEPS: a user's dependencies, installed for each arm's interpreter.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{local_wheel(tmp_path)}\n")
    probe = (
        "import os, sys, gilbench_test_dep; "
        "print('STATE', sys._is_gil_enabled(), os.environ.get('PYTHON_GIL') or None); "
        "print('DEP', gilbench_test_dep.VALUE)"
    )
    pair_env = {
        "GILBENCH_PYTHON_GIL": str(interpreter_pair["gil"]),
        "GILBENCH_PYTHON_FT": str(interpreter_pair["ft"]),
        "GILBENCH_DEPS": f"-r {requirements}",
    }
    expected = {
        "bench-gil": ("gil", "STATE True None"),
        "bench-ft": ("ft", "STATE False 0"),
        "bench-ft-gil": ("ft", "STATE True 1"),
    }
    for env_name, (kind, state) in expected.items():
        done = tox("exec", "-e", env_name, "--", "python", "-c", probe, env=pair_env,
                   workdir=tmp_path / "tox")  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert state in done.stdout.splitlines() and "DEP 42" in done.stdout.splitlines()
        cfg = (tmp_path / "tox" / env_name / "pyvenv.cfg").read_text()
        assert f"home = {interpreter_pair[kind].parent}" in cfg


def env_dirs(output: str) -> dict[str, str]:
    """``tox config -k env_dir`` output -> {env name: env_dir}."""
    return config_values(output, "env_dir")


def test_each_interpreter_set_gets_environments_of_its_own(tmp_path: Path) -> None:
    """The default set lives in .tox/<env>; another set (here: an optimized pair, as
    GILBENCH_PROFILE=optimized asks) in .tox/<set>/<env>, never in the default's."""
    flags = "'--enable-optimizations' '--with-lto'"
    gil = fake_python(tmp_path / "gil" / "python3.13", ft=False)
    ft = fake_python(tmp_path / "ft" / "python3.13t", ft=True)
    pair = {"GILBENCH_PYTHON_GIL": str(gil), "GILBENCH_PYTHON_FT": str(ft)}
    workdir = tmp_path / "tox"
    default = tox("config", "-e", "bench-gil,bench-ft", "-k", "env_dir", env=pair, workdir=workdir)
    assert default.returncode == 0, default.stdout + default.stderr
    assert env_dirs(default.stdout) == {
        "bench-gil": str(workdir / "bench-gil"),
        "bench-ft": str(workdir / "bench-ft"),
    }
    opt_gil = tmp_path / "opt" / "gil" / "python3.13"
    opt_ft = tmp_path / "opt" / "ft" / "python3.13t"
    for path, is_ft in ((opt_gil, False), (opt_ft, True)):
        fake_python(path, ft=is_ft)
        text = path.read_text().replace('"config_args": "', f'"config_args": "{flags} ', 1)
        path.write_text(text)
    optimized = tox(
        "config", "-e", "bench-gil,bench-ft", "-k", "env_dir",
        env={"GILBENCH_PYTHON_GIL": str(opt_gil), "GILBENCH_PYTHON_FT": str(opt_ft),
             "GILBENCH_PROFILE": "optimized"},
        workdir=workdir,
    )  # fmt: skip
    assert optimized.returncode == 0, optimized.stdout + optimized.stderr
    assert env_dirs(optimized.stdout) == {
        "bench-gil": str(workdir / "3.13.5-optimized" / "bench-gil"),
        "bench-ft": str(workdir / "3.13.5-optimized" / "bench-ft"),
    }


@pytest.mark.interpreters
@pytest.mark.slow
def test_arms_named_together_are_measured_in_one_interleaved_sweep(
    tmp_path: Path, interpreter_pair: dict[str, Path]
) -> None:
    """``tox -e bench-gil,bench-ft``: the gil env leaves its benchmarks to the ft env,
    which measures both arms interleaved; every file has the invocation's session."""
    import pyperf

    results = tmp_path / "results"
    done = tox(
        "-e", "bench-gil,bench-ft", "--", "--quick", "--filter", "^cpu-control-empty-t1$",
        "--results-dir", str(results),
        env={
            "GILBENCH_PYTHON_GIL": str(interpreter_pair["gil"]),
            "GILBENCH_PYTHON_FT": str(interpreter_pair["ft"]),
        },
        workdir=tmp_path / "tox",
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "benchmarks of arm gil: measured in bench-ft" in output
    assert "--arm=gil=" in output and "--arm=ft=" in output
    sessions = set()
    for arm in ("gil", "ft"):
        (bench,) = pyperf.BenchmarkSuite.load(str(results / f"bench-{arm}.json")).get_benchmarks()
        metadata = bench.get_metadata()
        assert metadata["interleaved"] is True and metadata["arm"] == arm
        assert metadata["interpreter_set"] == "3.13.5-plain"
        sessions.add(metadata["session"])
        races = json.loads((results / f"races-{arm}.json").read_text())
        sessions.add(races["metadata"]["session"])
    assert len(sessions) == 1
