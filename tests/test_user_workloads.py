"""A user's own workloads: ``thread_loop`` and ``runners.bench --workloads FILE``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks import WorkloadError, registry_snapshot
from runners.bench import find_workload
from runners.harness import time_workload

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
