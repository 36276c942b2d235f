"""Find candidate interpreters and verify each one by running it.

Order: explicit paths → ``python3.13`` / ``python3.13t`` on PATH → uv-managed
interpreters (when uv is on PATH) → the build cache. A candidate is accepted only
when running it reports CPython of the requested version and the right build kind
(``Py_GIL_DISABLED``); anything else is rejected with its reason, never fatal, unless
the user named it explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from runners.provision.cache import cached_builds
from runners.provision.model import (
    ARM_KINDS,
    DEFAULT_PROFILE,
    PROFILES,
    BadInput,
    Interpreter,
    Rejected,
    VersionRequest,
    kind_label,
    pair_mismatches,
)

PROBE_TIMEOUT_S = 30.0
UV_TIMEOUT_S = 30.0

# Runs inside the candidate with -I -S: standard library only, prints one JSON line.
PROBE = (
    "import json, platform, sys, sysconfig; print(json.dumps({"
    "'implementation': sys.implementation.name, "
    "'version': platform.python_version(), "
    "'py_gil_disabled': bool(sysconfig.get_config_var('Py_GIL_DISABLED')), "
    "'config_args': sysconfig.get_config_var('CONFIG_ARGS') or '', "
    "'executable': sys.executable}))"
)

Candidate = tuple[Path, str]
"""(path, source) of an interpreter not yet verified."""


def _probe_env() -> dict[str, str]:
    # PYTHON_GIL=0 aborts a default build at start-up; PYTHONHOME/PYTHONPATH could make a
    # candidate look like something else.
    env = dict(os.environ)
    for name in ("PYTHON_GIL", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"):
        env.pop(name, None)
    return env


def probe(path: Path, source: str, kind: str, request: VersionRequest) -> Interpreter | Rejected:
    """Run ``path`` and accept it as the ``kind`` interpreter of ``request``, or say why not."""

    def reject(reason: str) -> Rejected:
        return Rejected(kind, path, source, reason)

    if not path.exists():
        return reject("no such file")
    if path.is_dir():
        return reject("is a directory, not an interpreter")
    if not os.access(path, os.X_OK):
        return reject("is not executable")
    try:
        done = subprocess.run(
            [str(path), "-I", "-S", "-c", PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            env=_probe_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return reject(f"did not answer within {PROBE_TIMEOUT_S:.0f} s")
    except OSError as exc:
        return reject(f"cannot be run: {exc.strerror or exc}")
    if done.returncode != 0:
        first = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "")
        return reject(f"exited with status {done.returncode}" + (f": {first}" if first else ""))
    try:
        info = json.loads(done.stdout.strip().splitlines()[-1])
        implementation = str(info["implementation"])
        version = str(info["version"])
        free_threaded = bool(info["py_gil_disabled"])
        config_args = str(info["config_args"])
    except (ValueError, KeyError, IndexError, TypeError):
        return reject("did not print the probe's answer (not a Python 3 interpreter?)")
    if implementation != "cpython":
        return reject(f"is {implementation}, not CPython")
    if not request.accepts(version):
        return reject(f"is Python {version}, not {request.text}")
    wants_ft = kind == "ft"
    if free_threaded != wants_ft:
        return reject(
            f"is a {kind_label(free_threaded)} build (Py_GIL_DISABLED="
            f"{int(free_threaded)}), so it cannot be {request.executable_name(kind)}, which"
            f" must be a {kind_label(wants_ft)} build"
        )
    return Interpreter(path, version, free_threaded, config_args, source)


def path_candidates(name: str, search_path: str | None = None) -> list[Candidate]:
    """Every ``name`` on PATH, in PATH order (not only the first: it may be a broken shim)."""
    found: list[Candidate] = []
    seen: set[str] = set()
    entries = (os.environ.get("PATH", "") if search_path is None else search_path).split(os.pathsep)
    for entry in entries:
        if not entry:
            continue
        candidate = Path(entry) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            key = os.path.realpath(candidate) + "\0" + name
            if key not in seen:
                seen.add(key)
                found.append((candidate.absolute(), "PATH"))
    return found


def uv_candidates(request: VersionRequest, kind: str) -> list[Candidate]:
    """Interpreters uv has installed (never downloads); empty when uv is not on PATH."""
    uv = shutil.which("uv")
    if uv is None:
        return []
    wanted = request.text + ("t" if kind == "ft" else "")
    paths: list[Path] = []
    listing = _run_quiet([uv, "python", "list", "--only-installed", "--output-format", "json"])
    if listing is not None:
        try:
            entries = json.loads(listing)
        except ValueError:
            entries = []
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not entry.get("path"):
                continue
            variant = str(entry.get("variant") or "default")
            if (variant == "freethreaded") == (kind == "ft") and request.accepts(
                str(entry.get("version", ""))
            ):
                paths.append(Path(entry["path"]))
    if not paths:
        # Older uv has no JSON listing; ``uv python find`` only looks, it never downloads.
        found = _run_quiet([uv, "python", "find", wanted])
        if found and found.strip():
            paths.append(Path(found.strip().splitlines()[-1]))
    return [(path, "uv") for path in paths]


def _run_quiet(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=UV_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


@dataclass
class Discovery:
    """Everything discovery saw: verified candidates per kind, in order, and rejections."""

    request: VersionRequest
    cache_dir: Path
    found: dict[str, list[Interpreter]] = field(default_factory=lambda: {k: [] for k in ARM_KINDS})
    rejected: list[Rejected] = field(default_factory=list)
    explicit: dict[str, str] = field(default_factory=dict)
    """kind -> where the explicit path came from (``--python-ft``, ``GILBENCH_PYTHON_FT``)."""

    def select(self) -> tuple[Interpreter | None, Interpreter | None]:
        """The first matched pair in discovery order, else the first of each kind."""
        for gil in self.found["gil"]:
            for ft in self.found["ft"]:
                if not pair_mismatches(gil, ft):
                    return gil, ft
        firsts = [candidates[0] if candidates else None for candidates in self.found.values()]
        return firsts[0], firsts[1]


def discover(
    request: VersionRequest,
    cache_dir: Path,
    explicit: dict[str, tuple[Path, str]] | None = None,
    *,
    search_path: str | None = None,
    profile: str = DEFAULT_PROFILE,
) -> Discovery:
    """Find and verify candidates for both kinds.

    ``explicit`` maps a kind to (path, where the path came from). An explicit path is
    the only candidate for its kind, and a bad one is an error (the user asked for it).
    Only the cache entries of ``profile`` are candidates; for a profile other than the
    default, a found interpreter must have been built with that profile's flags.
    """
    result = Discovery(request, cache_dir)
    explicit = explicit or {}
    for kind, (path, origin) in explicit.items():
        result.explicit[kind] = origin
        verdict = probe(path, "explicit", kind, request)
        if isinstance(verdict, Rejected):
            raise BadInput(f"{origin}={path} {verdict.reason}")
        result.found[kind].append(verdict)
    pending = [kind for kind in ARM_KINDS if kind not in explicit]
    if not pending:
        return result
    caches = cached_builds(cache_dir, request, profile)
    for kind in pending:
        name = request.executable_name(kind)
        candidates: list[Candidate] = [
            *path_candidates(name, search_path),
            *uv_candidates(request, kind),
            *((build.gil if kind == "gil" else build.ft, "build-cache") for build in caches),
        ]
        for path, source in _unique(candidates):
            verdict = probe(path, source, kind, request)
            wrong_profile = (
                profile != DEFAULT_PROFILE and getattr(verdict, "profile", "") != profile
            )
            if isinstance(verdict, Interpreter) and wrong_profile:
                wanted = " ".join(PROFILES[profile])
                verdict = Rejected(
                    kind, path, source, f"was not built with the {profile} profile ({wanted})"
                )
            if isinstance(verdict, Rejected):
                result.rejected.append(verdict)
            else:
                result.found[kind].append(verdict)
    return result


def _unique(candidates: Iterable[Candidate]) -> list[Candidate]:
    seen: set[Path] = set()
    unique: list[Candidate] = []
    for path, source in candidates:
        if path not in seen:
            seen.add(path)
            unique.append((path, source))
    return unique
