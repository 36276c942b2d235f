"""Inline tox plugin (tox >= 4.26 loads ``toxfile.py`` by itself): run each ``bench-*`` arm
on the right interpreter of the matched pair, provisioning the pair on first use, and
measure the arms of one invocation in one interleaved sweep.

``bench-gil`` gets the default build (python3.13), ``bench-ft`` and ``bench-ft-gil`` the
free-threaded build (python3.13t), found or built by ``runners.provision.ensure_pair``
(so GILBENCH_PYTHON_GIL / GILBENCH_PYTHON_FT / GILBENCH_PYTHON_VERSION apply). The
interpreter is looked up lazily, when tox first needs the environment's
``base_python``: ``tox -e tests``, ``lint`` or ``analysis`` never provision anything.

Interleaving: ``tox -e bench-gil,bench-ft`` must not measure one arm a quarter of an
hour after the other (the machine's own speed drifts by more than the GIL changes).
Every bench env of one invocation gets the same ``GILBENCH_SESSION``. The benchmarks of
all of them run once, in the last one: by then every named arm's environment exists
(the plugin sets up any that does not yet), and ``GILBENCH_INTERLEAVE`` hands
runners.arm_job every arm's interpreter; the earlier envs run only their race trials
(``GILBENCH_BENCH_IN`` names the env that measures them). A lone arm runs alone as
before. ``tox -p`` runs environments at the same time, which no measurement survives:
the arms are then not interleaved, and a warning says so.

Interpreter sets: the pair the arms run on is chosen by the provisioning settings
(``GILBENCH_PROFILE=optimized``, ``GILBENCH_PYTHON_VERSION=3.14``, explicit paths...), and
named ``<version>-<profile>`` (e.g. ``3.13.5-optimized``). The default set (plain
profile, default version) lives in ``.tox/<env>`` and writes ``results/``; any other set
gets environments of its own (``.tox/<set>/<env>``) and writes ``results/sets/<set>/``,
so that sets never overwrite each other's environments or results.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from tox.config.loader.memory import MemoryLoader
from tox.plugin import impl
from tox.report import HandledError

from concepts.arms import ARMS
from concepts.files import RESULTS_DIR_VAR
from runners.provision import Pair, ProvisionError, ensure_pair
from runners.provision.model import DEFAULT_PROFILE, DEFAULT_VERSION

ARM_ENVS: dict[str, str] = {
    f"{job}-{name}": "ft" if arm.free_threaded_build else "gil"
    for job in ("bench", "perf", "calibrate")
    for name, arm in ARMS.items()
}
"""tox environment name -> which interpreter of the pair it runs on (the benchmark arms,
the pytest-benchmark fast tier's arms and the A/A calibration's)."""

_lock = threading.Lock()  # tox -p resolves environments from several threads
_pair: Pair | None = None
_state: Any = None  # tox's State, kept from tox_add_env_config for the run-time hooks
SESSION = uuid.uuid4().hex[:12]
"""The session id of this tox invocation: the same in every bench env it runs."""


def the_pair() -> Pair:
    """The interpreter pair of this tox run, provisioned once."""
    global _pair
    with _lock:
        if _pair is None:
            _pair = ensure_pair()
            for line in _describe(_pair):
                print(f"gilbench: {line}", file=sys.stderr, flush=True)
        return _pair


def interpreter_for(kind: str) -> Path:
    """Path of the ``gil`` or ``ft`` interpreter of the pair, provisioned once per tox run."""
    return the_pair().get(kind).path


def default_set() -> bool:
    """Whether the provisioning settings ask for the default interpreter set."""
    profile = os.environ.get("GILBENCH_PROFILE", "").strip().lower()
    version = os.environ.get("GILBENCH_PYTHON_VERSION", "").strip()
    return profile in ("", DEFAULT_PROFILE) and version in ("", DEFAULT_VERSION)


def set_results_dir(label: str) -> str:
    """Where a non-default interpreter set's results go (relative to the project)."""
    return f"results/sets/{label}"


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
    """A configuration source answering ``base_python`` (and, for a non-default interpreter
    set, ``env_dir``) for one arm, lazily."""

    def __init__(self, kind: str) -> None:
        super().__init__(base_python=None, env_dir=None)
        self.kind = kind

    def load_raw(self, key: str, conf: Any, env_name: str | None) -> Any:
        """Called by tox only when it needs the value: provision then, not before."""
        if key == "env_dir" and not default_set():
            work_dir = Path(str(conf.core["work_dir"]))
            return str(work_dir / self._pair(env_name).label / str(env_name))
        if key != "base_python":
            raise KeyError(key)
        return [str(self._pair(env_name).get(self.kind).path)]

    def _pair(self, env_name: str | None) -> Pair:
        try:
            return the_pair()
        except ProvisionError as exc:
            raise HandledError(f"{env_name}: no {self.kind} interpreter: {exc}") from None


@impl
def tox_add_env_config(env_conf: Any, state: Any) -> None:
    """Put the arm's interpreter in front of every other source of ``base_python``."""
    global _state
    _state = state
    kind = ARM_ENVS.get(env_conf.name)
    if kind is not None:
        env_conf.loaders.insert(0, ArmBasePython(kind))


def selected_bench_envs(state: Any) -> list[str]:
    """The ``bench-<arm>`` environments this invocation runs, in tox's order."""
    return [
        name
        for name in state.envs.iter(only_active=True)
        if name.startswith("bench-") and name in ARM_ENVS
    ]


def _parallel(state: Any) -> bool:
    value = getattr(state.conf.options, "parallel", 0)
    return value not in (0, None, "0")


@impl
def tox_before_run_commands(tox_env: Any) -> None:
    """Give an arm env its interpreter set, and a bench env its session and its part in
    the invocation's interleaved sweep."""
    if tox_env.name not in ARM_ENVS or _state is None:
        return
    extra = {"GILBENCH_SET": the_pair().label}
    if not default_set():
        extra[RESULTS_DIR_VAR] = set_results_dir(the_pair().label)
    if not tox_env.name.startswith("bench-"):
        tox_env.conf["set_env"].update(extra)
        return
    extra["GILBENCH_SESSION"] = SESSION
    selected = selected_bench_envs(_state)
    if len(selected) > 1 and _parallel(_state):
        print(
            "gilbench: WARNING: tox -p runs the arms at the same time; they are measured "
            "separately, not interleaved, and disturb each other",
            file=sys.stderr,
        )
    elif len(selected) > 1 and tox_env.name in selected:
        last = selected[-1]
        if tox_env.name != last:
            extra["GILBENCH_BENCH_IN"] = last
        else:
            arms = []
            for name in selected:
                env = tox_env if name == tox_env.name else _state.envs[name]
                env.setup()  # idempotent: an env that tox already set up is left alone
                arms.append(f"{name.removeprefix('bench-')}={env.env_python()}")
            extra["GILBENCH_INTERLEAVE"] = ",".join(arms)
    tox_env.conf["set_env"].update(extra)
