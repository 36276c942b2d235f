"""The GitHub workflow: valid (GitHub's workflow schema, as vendored by check-jsonschema),
and its steps run here as they run on GitHub.

The workflow's steps are `bash scripts/ci-steps.sh STEP`; the end-to-end test runs the
same script in a copy of this tree (its own git repository, so that the A/B gate has a
base commit), on the provisioned interpreter pair, with a quick sweep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "gilbench.yml"
STEPS = REPO / "scripts" / "ci-steps.sh"


def _schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema's vendored copy of SchemaStore's github-workflow schema."""
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*cmd, str(path)], capture_output=True, text=True, check=False)


def test_workflow_matches_githubs_schema() -> None:
    done = _schema_check(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_is_refused(tmp_path: Path) -> None:
    """The check can fail: a job without runs-on is not a workflow."""
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"))
    assert _schema_check(broken).returncode != 0


def test_the_step_script_parses() -> None:
    assert subprocess.run(["bash", "-n", str(STEPS)], check=False).returncode == 0


def test_every_run_step_is_a_step_of_the_script() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    runs = re.findall(r"^\s+run: (.+)$", text, flags=re.M)
    known = set(re.findall(r"^\s+([a-z-]+)\)", STEPS.read_text(encoding="utf-8"), flags=re.M))
    steps = [r.split("ci-steps.sh ", 1)[1] for r in runs if "ci-steps.sh" in r]
    assert set(steps) == {"sweep", "report", "gate-ab", "gate-baseline"} <= known
    assert all("ci-steps.sh" in r or r.startswith("python3 -m pip install") for r in runs)


def test_unknown_step_is_refused() -> None:
    done = subprocess.run(["bash", str(STEPS), "nonsense"], capture_output=True, text=True)
    assert done.returncode == 64 and "unknown step" in done.stderr


def _copy_tree(target: Path) -> None:
    """This tree's files (tracked and untracked, not ignored) as a fresh one-commit repo."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git = ["git", "-c", "user.name=gilbench", "-c", "user.email=test@gilbench.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "tree under test"], cwd=target, check=True)


LOCK = "locked-increment-lock-fine"
"""The benchmark the end-to-end gate slows down on the head's ft side."""


@pytest.mark.interpreters
@pytest.mark.slow
def test_the_workflow_steps_run_locally(tmp_path: Path) -> None:
    """sweep (quick, one family), report, and the A/B gate against the base commit, as
    on GitHub.

    The suite's one real gate run: 4 rounds instead of 8, with the head's ft Lock
    benchmark made 50% slower (--inject-slowdown). Its metrics, and only they, regress,
    the step fails with the gate's exit 1, and the slowed run is not recorded in the
    history. The unslowed metrics compare the same code on the same pair: none of them
    may regress (the gate's A/A behaviour; its calibration is the committed trial)."""
    tree = tmp_path / "gilbench"
    _copy_tree(tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOX_", "VIRTUAL_ENV"))}
    env |= {
        # the increment family only: every family's quick run is tests/test_families_*.py's
        "GILBENCH_SWEEP_ARGS": "--quick --filter ^increment-",
        "GILBENCH_BASE_REF": "main",
        "GILBENCH_GATE_ARGS": f"--rounds 4 --inject-slowdown {LOCK}:0.5",
        "CI": "true",
    }
    env.pop("PYTHON_GIL", None)
    done = subprocess.run(
        ["bash", "scripts/ci-steps.sh", "sweep", "report", "gate-ab"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=2400,
        stdin=subprocess.DEVNULL,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-4000:]
    results = tree / "results"
    assert (results / "bench-gil.json").is_file() and (results / "bench-ft.json").is_file()
    assert (results / "report" / "README.md").is_file()
    assert "## gilbench regression gate (ab): **REGRESSION**" in done.stdout, output[-4000:]
    assert "| metric | gated |" in done.stdout
    regressed = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("|") and "**REGRESSION**" in line
    ]
    assert regressed and all(LOCK in row for row in regressed), "\n".join(regressed)
    assert list((results / "regress").glob("ab-*/measure-1/bench-ft.base.json"))
    history = (results / "history" / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    sources = [json.loads(line)["source"] for line in history if line.strip()]
    assert sources and "ab" not in sources, "a slowed gate run is never recorded"
