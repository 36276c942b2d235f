"""A user's own workloads: ``thread_loop`` and ``runners.bench --workloads FILE``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyperf
import pytest

from analysis.__main__ import main as analysis_main
from benchmarks import WorkloadError, registry_snapshot
from runners.bench import find_workload
from runners.harness import time_workload
from tests.conftest import ArmPython

REPO = Path(__file__).resolve().parent.parent

USER_FILE = textwrap.dedent(
    '''
    """A maintainer's workloads: a shared JSON document, a shared compiled pattern."""
    import json
    import re

    from benchmarks import thread_loop

    DOC = json.dumps({"items": list(range(50))})
    CALLS = []

    @thread_loop(ops=200, shared=lambda: DOC)
    def json_loads(doc):
        """json.loads of one document every thread shares."""
        json.loads(doc)

    @thread_loop(ops=300, shared=lambda: re.compile(r"(\\d+)-(\\w+)"), per_thread=lambda: [])
    def regex_match(pattern, seen):
        """re.match with one compiled pattern every thread shares."""
        seen.append(pattern.match("12-abc").group(2))

    @thread_loop(ops=5)
    def no_state():
        CALLS.append(1)
    '''
)


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_project" / "gilbench_workloads.py"
    path.parent.mkdir()
    path.write_text(USER_FILE)
    return path


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_thread_loop_workloads_run_and_count_their_calls(user_file: Path, threads: int) -> None:
    with registry_snapshot():
        find_workload("user-json-loads", [str(user_file)])  # loads the file once
        for name in ("user-json-loads", "user-regex-match", "user-no-state"):
            workload = find_workload(name)
            assert workload.family == "user" and workload.unit == "calls"
            assert time_workload(workload, threads, workload.ops_per_thread, 2) > 0
        assert find_workload("user-json-loads").description.startswith("json.loads of one")


def test_a_thread_that_stops_early_fails_the_check(user_file: Path) -> None:
    with registry_snapshot():
        workload = find_workload("user-no-state", [str(user_file)])
        prepared = workload.prepare(2, 5)
        worker = prepared.workers[0].make()  # type: ignore[union-attr]
        worker()  # the second thread never runs
        assert prepared.check is not None
        with pytest.raises(WorkloadError, match="calls per thread"):
            prepared.check()


def test_bench_lists_a_users_workloads(user_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runners.bench", "--arm", "gil", "--list", "--threads", "1,2",
         "--workloads", str(user_file), "--filter", "^user-"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()}
    assert {"user-json-loads-t1", "user-regex-match-t2", "user-no-state-t2"} <= names


def _project(root: Path) -> Path:
    """A user's project: a ``benchmarks`` package of its own, a module of its own, and a
    workload file beside them that uses both gilbench's API and that module."""
    (root / "benchmarks").mkdir(parents=True)
    (root / "benchmarks" / "__init__.py").write_text('"""The project\'s own benchmarks."""\n')
    (root / "mylib.py").write_text("def parse(text):\n    return text.split(',')\n")
    workloads = root / "gilbench_workloads.py"
    workloads.write_text(
        "import mylib\nfrom benchmarks import thread_loop\n\n\n"
        "@thread_loop(ops=100, shared=lambda: 'a,b,c')\ndef parse(text):\n"
        "    mylib.parse(text)\n"
    )
    return workloads


def test_a_project_with_a_benchmarks_package_of_its_own(tmp_path: Path) -> None:
    """Run from the project's folder: its own ``benchmarks`` package shadows nothing of
    gilbench's, and the workload file imports the module beside it."""
    workloads = _project(tmp_path / "project")
    done = subprocess.run(
        [sys.executable, "-m", "runners.bench", "--arm", "gil", "--list", "--threads", "1",
         "--workloads", workloads.name, "--filter", "^user-"],
        cwd=workloads.parent, env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "user-parse-t1" in done.stdout


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("import json\nfrom benchmarks import thread_loop\nx = json.loads('{')\n",
         ":3: JSONDecodeError: "),
        ("from benchmarks import thread_loop\n\ndef broken(:\n", ":3: SyntaxError: "),
        ("import no_such_module_of_mine\n", ":1: ModuleNotFoundError: "),
    ],
)  # fmt: skip
def test_a_broken_workload_file_is_one_line_naming_file_and_line(
    tmp_path: Path, source: str, where: str
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "runners.bench", "--arm", "gil", "--list",
         "--workloads", str(broken)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert f"{broken}{where}" in lines[0]


def test_a_users_workloads_run_on_both_arms_and_reach_the_report(
    tmp_path: Path, arm_python: Callable[[str], ArmPython]
) -> None:
    """The project's workload file, measured on both real arms in one interleaved sweep
    from the project's folder, and its ratio in the report."""
    workloads = _project(tmp_path / "project")
    gil, ft = arm_python("gil"), arm_python("ft")
    results = tmp_path / "results"
    done = gil.run(
        "-m", "runners.bench", "--arm", f"gil={gil.python}", "--arm", f"ft={ft.python}",
        "--workloads", workloads.name, "--filter", "^user-parse", "--threads", "1,2",
        "--quick", "--results-dir", str(results), cwd=workloads.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = tmp_path / "report"
    assert analysis_main(["--results", str(results), "--output", str(report), "--no-plots"]) == 0
    ratios = pd.read_csv(report / "ratios.csv")
    measured = ratios[(ratios["family"] == "user") & (ratios["variant"] == "parse")]
    assert set(measured["threads"]) == {1, 2} and measured["ratio"].notna().all()


LEGACY_EXTENSION = """\
#include <Python.h>
/* Single-phase init without Py_mod_gil: 3.13t turns the GIL on to import it. */
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "legacy", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_legacy(void) { return PyModule_Create(&def); }
"""


def _legacy_extension(python: Path, folder: Path) -> Path:
    """``legacy``, a C extension that has not declared free-threading support, built for
    ``python`` into ``folder``."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler to build the extension with")
    paths = subprocess.run(
        [str(python), "-c", "import sysconfig as s; print(s.get_paths()['include']);"
         "print(s.get_config_var('EXT_SUFFIX'))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    source = folder / "legacy.c"
    source.write_text(LEGACY_EXTENSION)
    built = folder / f"legacy{paths[1]}"
    subprocess.run(
        ["cc", "-shared", "-fPIC", f"-I{paths[0]}", str(source), "-o", str(built)], check=True
    )
    return built


def test_an_import_that_turns_the_gil_back_on_is_named(
    tmp_path: Path, arm_python: Callable[[str], ArmPython]
) -> None:
    """A workload file importing an extension without free-threading support: the ft arm
    (PYTHON_GIL=0) still runs it without the GIL, the sweep says, naming the module,
    that its users would get the GIL back, and measures the ft-gil arm too (what they
    get); a file without that import gets no warning and no added arm."""
    ft = arm_python("ft")
    ext = _legacy_extension(ft.python, tmp_path)
    header = f"import sys\nsys.path.insert(0, {str(ext.parent)!r})\n"
    body = "from benchmarks import thread_loop\n\n@thread_loop(ops=50)\ndef spin():\n    pass\n"
    legacy = tmp_path / "with_legacy.py"
    legacy.write_text(header + "import legacy\n" + body)
    clean = tmp_path / "without_it.py"
    clean.write_text(header + body)
    args = ["-m", "runners.bench", "--arm", "ft", "--threads", "1", "--filter", "^user-spin"]
    done = ft.run(*args, "--workloads", str(legacy), "--quick", "--results-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "turns the GIL back on" in line]
    assert len(warned) == 1 and "module 'legacy'" in warned[0], done.stderr
    for arm in ("ft", "ft-gil"):  # the ft-gil arm added: what the users get today
        suite = pyperf.BenchmarkSuite.load(str(tmp_path / f"bench-{arm}.json"))
        (recorded,) = suite.get_benchmarks()
        assert recorded.get_metadata()["gil_reenabled_by"] == "legacy", arm
        assert recorded.get_metadata()["gil_enabled_at_start"] is (arm == "ft-gil"), arm
    report = tmp_path / "report"
    assert analysis_main(["--results", str(tmp_path), "--output", str(report), "--no-plots"]) == 0
    text = (report / "README.md").read_text(encoding="utf-8")
    assert (
        "arm ft: importing the user workloads turns the GIL back on for their users "
        "(module legacy); this arm ran with it kept off" in text
    )
    assert (
        "arm ft-gil: importing the user workloads turns the GIL back on for their users "
        "(module legacy); this arm ran with the GIL on: what those users get today" in text
    )
    refused = ft.run(*args, "--workloads", str(legacy), "--list", "--require-gil-off")
    assert refused.returncode == 3 and "module 'legacy'" in refused.stderr.strip().splitlines()[-1]
    listed = ft.run(*args, "--workloads", str(clean), "--list", "--require-gil-off")
    assert listed.returncode == 0 and "GIL back on" not in listed.stderr, listed.stderr
    plain = tmp_path / "plain"
    done = ft.run(*args, "--workloads", str(clean), "--quick", "--results-dir", str(plain))
    assert done.returncode == 0 and not (plain / "bench-ft-gil.json").exists(), done.stderr
