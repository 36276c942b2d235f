"""Measuring for the gate: the runners' own command line (``python -m runners.bench``),
run as a subprocess, one interleaved sweep with a side per (arm, revision or pair).

Analysis imports no runner code: it composes the command line a user could type, and
reads the pyperf files it writes. Two revisions of this repository are compared through
a ``git worktree`` of the base revision, which the sweep's ``--source`` option runs the
base sides' workers from.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from analysis.regress.metrics import GATE_ARMS
from concepts.injection import ENV_VAR

REPO = Path(__file__).resolve().parents[2]
TOX_PYTHON = {arm: REPO / ".tox" / f"bench-{arm}" / "bin" / "python" for arm in GATE_ARMS}
"""The arm environments ``tox -e bench-gil,bench-ft --notest`` creates (the default pair)."""
GATE_ROUNDS = 16
"""Interleaved rounds of one gate measurement (each round: one process per side). 16, not
8: in the committed trials (results/baselines/README.md) 8 rounds passed A/A 8 of 10,
16 rounds 10 of 10 with narrower intervals; two pooled 8-round sweeps did not narrow
them, because the level moves between sweeps."""


def sweep_args(rounds: int = GATE_ROUNDS) -> tuple[str, ...]:
    """runners.bench options of one gate measurement of ``rounds`` rounds (see SWEEP_ARGS)."""
    return ("--rounds", str(rounds), "--max-rounds", str(rounds), "-p", "1", "--target-ci", "0")


SWEEP_ARGS = sweep_args()
"""One gate measurement: 16 interleaved rounds of one process per side, each process of
the main job's shape for its kind of row (runners.bench: a 1-thread row 1 warmup + 40
values of >= 4 ms, summarised by its fastest value, which needs many short values to
find an undisturbed stretch on these 2-core machines). No second stage: a gate run
takes a predictable time."""


class MeasureError(RuntimeError):
    """A measurement could not be made or failed; ``str()`` is one line."""


@dataclass
class GateSweep:
    """One interleaved sweep: its sides (cells) on interpreters, optional other trees."""

    sides: dict[str, tuple[str, str]]
    """cell (``ft.head``) -> (arm, interpreter)."""
    trees: dict[str, Path] = field(default_factory=dict)
    """cell -> the gilbench tree its workers run (default: this one)."""
    inject: str = ""
    """A calibration slowdown spec (runners.inject) for the sweep's workers."""
    args: Sequence[str] = SWEEP_ARGS

    def command(self, benchmarks: Iterable[str], results: Path) -> list[str]:
        """The runners.bench command line measuring ``benchmarks`` into ``results``."""
        names = sorted(set(benchmarks))
        cmd = [sys.executable, "-m", "runners.bench", "--results-dir", str(results)]
        for cell, (arm, python) in self.sides.items():
            cmd += ["--arm", f"{arm}@{cell}={python}"]
            if cell in self.trees:
                cmd += ["--source", f"{cell}={self.trees[cell]}"]
        threads = sorted({name.rsplit("-t", 1)[1] for name in names}, key=int)
        cmd += ["--threads", ",".join(threads)]
        cmd += ["--filter", "^(" + "|".join(re.escape(n) for n in names) + ")$"]
        return [*cmd, *self.args]

    def run(self, benchmarks: Iterable[str], results: Path, log: Path | None = None) -> None:
        """Run the sweep (progress to stderr, or to ``log``); MeasureError if it fails."""
        cmd = self.command(benchmarks, results)
        env = dict(os.environ)
        env.pop(ENV_VAR, None)
        if self.inject:
            env[ENV_VAR] = self.inject
        print(f"measuring: {shlex.join(cmd[1:])}", file=sys.stderr, flush=True)
        results.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") if log else open(os.devnull, "wb") as sink:
            done = subprocess.run(
                cmd,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink if log else sys.stderr,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            where = f" (log: {log})" if log else ""
            raise MeasureError(f"runners.bench exited {done.returncode}{where}")


def parse_pair(text: str, option: str) -> dict[str, str]:
    """``gil=PATH,ft=PATH`` -> {arm: path}; ValueError (one line) if malformed."""
    pair: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        arm, sep, path = item.partition("=")
        if not sep or arm not in GATE_ARMS or not path:
            raise ValueError(
                f"{option}: {item!r} is not ARM=PATH with ARM one of {', '.join(GATE_ARMS)}"
            )
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            raise ValueError(f"{option}: no such interpreter {path}")
        pair[arm] = path
    if set(pair) != set(GATE_ARMS):
        raise ValueError(f"{option}: give both arms ({', '.join(f'{a}=PATH' for a in GATE_ARMS)})")
    return pair


def default_pair() -> dict[str, str]:
    """The tox arm environments' interpreters; ValueError saying how to make them."""
    missing = [str(p) for p in TOX_PYTHON.values() if not p.is_file()]
    if missing:
        raise ValueError(
            f"no interpreter at {missing[0]}: run `tox -e bench-gil,bench-ft --notest` "
            "first, or give the interpreters (--head-python gil=PATH,ft=PATH)"
        )
    return {arm: str(path) for arm, path in TOX_PYTHON.items()}


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ValueError(f"git {' '.join(args)}: {lines[-1] if lines else 'failed'}")
    return done.stdout.strip()


def commit_of(ref: str = "HEAD") -> str:
    """The commit ``ref`` names (ValueError if it names none)."""
    return _git("rev-parse", "--verify", f"{ref}^{{commit}}")


def default_base() -> str:
    """The merge base of HEAD with the default branch (origin's HEAD, else main/master)."""
    for candidate in ("origin/HEAD", "origin/main", "main", "origin/master", "master"):
        try:
            commit_of(candidate)
        except ValueError:
            continue
        return _git("merge-base", "HEAD", candidate)
    raise ValueError("no default branch (origin/HEAD, main or master) to take the base from")


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """A detached git worktree of ``ref``, removed afterwards."""
    commit = commit_of(ref)
    with tempfile.TemporaryDirectory(prefix="gilbench-base-") as parent:
        path = Path(parent) / "tree"
        _git("worktree", "add", "--detach", "--quiet", str(path), commit)
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)],
                cwd=REPO,
                capture_output=True,
                check=False,
            )


def describe(pythons: Mapping[str, str]) -> str:
    """``gil=PATH, ft=PATH`` for the report."""
    return ", ".join(f"{arm}={path}" for arm, path in pythons.items())
