"""The repository itself: only the project's folders, no large files (commit data compressed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOP_LEVEL = {
    ".ci", ".github", ".gitignore", "README.md", "pyproject.toml", "tox.ini", "toxfile.py",
    "analysis", "benchmarks", "concepts", "docs", "results", "runners", "scripts", "tests",
}  # fmt: skip
"""What may sit at the top of the tree: the layout README.md describes."""
LIMIT = 1_000_000
"""Bytes: a larger file is committed compressed (pyperf reads .json.gz itself)."""


def _tracked() -> list[str]:
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"not a git checkout: {exc}")
    return [name for name in done.stdout.decode().split("\0") if name]


def test_tracked_files_lie_in_the_project_folders() -> None:
    stray = sorted({name.split("/")[0] for name in _tracked()} - TOP_LEVEL)
    assert not stray, f"tracked files outside the project's folders: {stray}"


def test_no_tracked_file_is_over_1_mb() -> None:
    large = [
        (name, (REPO / name).stat().st_size)
        for name in _tracked()
        if (REPO / name).is_file() and (REPO / name).stat().st_size > LIMIT
    ]
    assert not large, f"files over {LIMIT} bytes (commit them compressed): {large}"
