"""Inline tox plugin (tox >= 4.26 loads ``toxfile.py`` by itself): run each ``bench-*`` arm
on the right interpreter of the matched pair, provisioning the pair on first use.

``bench-gil`` gets the default build (python3.13), ``bench-ft`` and ``bench-ft-gil`` the
free-threaded build (python3.13t), found or built by ``runners.provision.ensure_pair``
(so GILBENCH_PYTHON_GIL / GILBENCH_PYTHON_FT / GILBENCH_PYTHON_VERSION apply). The
interpreter is looked up lazily, when tox first needs the environment's
``base_python``: ``tox -e tests``, ``lint`` or ``analysis`` never provision anything.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from tox.config.loader.memory import MemoryLoader
from tox.plugin import impl
from tox.report import HandledError

from runners.arms import ARMS
from runners.provision import Pair, ProvisionError, ensure_pair

ARM_ENVS: dict[str, str] = {
    f"{job}-{name}": "ft" if arm.free_threaded_build else "gil"
    for job in ("bench", "perf")
    for name, arm in ARMS.items()
}
"""tox environment name -> which interpreter of the pair it runs on (the benchmark arms
and the pytest-benchmark fast tier's arms)."""

_lock = threading.Lock()  # tox -p resolves environments from several threads
_pair: Pair | None = None


def interpreter_for(kind: str) -> Path:
    """Path of the ``gil`` or ``ft`` interpreter of the pair, provisioned once per tox run."""
    global _pair
    with _lock:
        if _pair is None:
            _pair = ensure_pair()
            for line in _describe(_pair):
                print(f"gilbench: {line}", file=sys.stderr, flush=True)
        return _pair.get(kind).path


def _describe(pair: Pair) -> list[str]:
    lines = [
        f"{interp.kind} interpreter {interp.path} ({interp.version}, {interp.build_kind},"
        f" found via {interp.source})"
        for interp in (pair.gil, pair.ft)
    ]
    if not pair.matched:
        lines.append("WARNING: the pair is not matched: " + "; ".join(pair.mismatches))
    return lines


class ArmBasePython(MemoryLoader):
    """A configuration source answering ``base_python`` for one arm, lazily."""

    def __init__(self, kind: str) -> None:
        super().__init__(base_python=None)
        self.kind = kind

    def load_raw(self, key: str, conf: Any, env_name: str | None) -> Any:
        """Called by tox only when it needs the value: provision then, not before."""
        if key != "base_python":
            raise KeyError(key)
        try:
            return [str(interpreter_for(self.kind))]
        except ProvisionError as exc:
            raise HandledError(f"{env_name}: no {self.kind} interpreter: {exc}") from None


@impl
def tox_add_env_config(env_conf: Any, state: Any) -> None:
    """Put the arm's interpreter in front of every other source of ``base_python``."""
    kind = ARM_ENVS.get(env_conf.name)
    if kind is not None:
        env_conf.loaders.insert(0, ArmBasePython(kind))
