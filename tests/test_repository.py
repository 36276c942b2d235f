"""The repository itself: only the project's folders, no large files (commit data compressed)."""

from __future__ import annotations

import ast
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


ANALYSIS = REPO / "analysis"
MAX_LINES = 600
"""Lines: a longer module in analysis/ is split by topic into a package."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The analysis modules ``path`` imports, anywhere in it (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from analysis import metrics`` imports the module analysis.metrics; ``from
            # analysis.load import Results`` the module analysis.load
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                for a in node.names
            ]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def test_no_module_in_analysis_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in ANALYSIS.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these by topic into a package: {long}"


def test_no_import_circle_in_analysis() -> None:
    paths = {_module_name(p): p for p in ANALYSIS.rglob("*.py")}
    graph = {name: _imports(path, set(paths)) - {name} for name, path in paths.items()}
    # A package's __init__ importing its own submodules is how it re-exports them; a
    # circle is any other path that leads back to where it started.
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            circle = [*path[path.index(name) :], name]
            raise AssertionError(f"import circle: {' -> '.join(circle)}")
        if name in done:
            return
        for other in sorted(graph[name]):
            if other.startswith(name + ".") and paths[name].name == "__init__.py":
                continue
            visit(other, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


GATE = "analysis.regress"
GATE_DOOR = "analysis.regress.history"
"""The one gate module the rest of the analysis reads (the gated metrics' trend)."""
GATE_READERS = {"analysis.publish.quotes": "analysis.regress.trial"}
"""Besides the door: the published pages quote the gate's committed trial log."""


def test_the_analysis_reads_the_gate_only_through_its_history() -> None:
    paths = {_module_name(p): p for p in ANALYSIS.rglob("*.py")}
    crossing = {
        (name, other)
        for name, path in paths.items()
        if not name.startswith(GATE)
        for other in _imports(path, set(paths))
        if other.startswith(GATE) and other not in (GATE_DOOR, GATE_READERS.get(name))
    }
    assert not crossing, f"import {GATE} only through {GATE_DOOR}: {sorted(crossing)}"


PACKAGES = ("analysis", "benchmarks", "concepts", "runners")


def _underscore_imports(path: Path) -> set[str]:
    """The underscore modules (``pkg._name``) ``path`` imports, lazily or not."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {
            name
            for name in names
            if name.split(".")[0] in PACKAGES
            and any(part.startswith("_") and not part.startswith("__") for part in name.split("."))
        }
    return found


def test_no_underscore_module_is_imported_from_outside_its_package() -> None:
    crossing = []
    for path in sorted(REPO.glob("*/**/*.py")):
        if path.parts[len(REPO.parts)] not in (*PACKAGES, "tests", "scripts"):
            continue
        importer = _module_name(path)
        for name in _underscore_imports(path):
            parts = name.split(".")
            private = next(i for i, part in enumerate(parts) if part.startswith("_"))
            if private == len(parts) - 1 and not (REPO / Path(*parts)).with_suffix(".py").exists():
                continue  # a private name, not a module
            home = ".".join(parts[:private])
            if not (importer == home or importer.startswith(home + ".")):
                crossing.append(f"{importer} imports {name}")
    assert not crossing, "import the package's public names instead: " + "; ".join(crossing)
