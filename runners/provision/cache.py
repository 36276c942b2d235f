"""The per-user build cache: where paired builds live, how they are recognised, and its lock.

Layout under ``$GILBENCH_CACHE_DIR`` or ``${XDG_CACHE_HOME:-~/.cache}/gilbench``::

    cpython/<version>/gil/          default build (prefix of python<X.Y>), plain profile
    cpython/<version>/ft/           free-threaded build (python<X.Y>t), plain profile
    cpython/<version>/provenance.json   written last: only then is the pair discoverable
    cpython/<version>-<profile>/    a pair of another build profile (e.g. 3.13.5-optimized):
                                    never mixed with the plain pair
    cpython/.staging-*/             builds in progress (ignored by discovery)
    cpython/.provision.lock         serialises concurrent provisionings
    sources/Python-<version>.tar.xz checksum-verified source tarballs
    logs/<version>-<timestamp>/     configure / make / install logs of each build
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runners.provision.model import DEFAULT_PROFILE, VersionRequest, version_key

PROVENANCE = "provenance.json"
PROVENANCE_FORMAT = 1
LOCK_NAME = ".provision.lock"
STAGING_PREFIX = ".staging-"


def cache_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The gilbench cache directory (explicit > GILBENCH_CACHE_DIR > XDG_CACHE_HOME > ~/.cache)."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    if env := os.environ.get("GILBENCH_CACHE_DIR"):
        return Path(env).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative XDG_CACHE_HOME.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "gilbench"


def builds_dir(root: Path) -> Path:
    """Where the paired builds live."""
    return root / "cpython"


def build_dirname(version: str, profile: str = DEFAULT_PROFILE) -> str:
    """The cache directory name of a pair: ``3.13.5`` (plain) or ``3.13.5-optimized``."""
    return version if profile == DEFAULT_PROFILE else f"{version}-{profile}"


def build_prefix(root: Path, version: str, kind: str, profile: str = DEFAULT_PROFILE) -> Path:
    """Install prefix of one arm of the paired build of ``version`` in ``profile``."""
    return builds_dir(root) / build_dirname(version, profile) / kind


def executable(prefix: Path, request: VersionRequest, kind: str) -> Path:
    """The interpreter inside an install prefix."""
    return prefix / "bin" / request.executable_name(kind)


@dataclass(frozen=True)
class CachedBuild:
    """A complete paired build found in the cache."""

    version: str
    gil: Path
    ft: Path
    provenance: dict[str, Any]


def cached_builds(
    root: Path, request: VersionRequest, profile: str = DEFAULT_PROFILE
) -> list[CachedBuild]:
    """Complete builds of ``profile`` satisfying ``request``, newest version first.

    A build counts only when its provenance file (written last) is present and names
    both interpreters: a build that failed or was interrupted is invisible here.
    """
    found: list[CachedBuild] = []
    base = builds_dir(root)
    if not base.is_dir():
        return found
    for entry in base.iterdir():
        version, _, suffix = entry.name.partition("-")
        if entry.name.startswith(".") or not request.accepts(version):
            continue
        if (suffix or DEFAULT_PROFILE) != profile:
            continue
        try:
            provenance = json.loads((entry / PROVENANCE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            not isinstance(provenance, dict)
            or provenance.get("format") != PROVENANCE_FORMAT
            or provenance.get("version") != version
            or provenance.get("profile", DEFAULT_PROFILE) != profile
        ):
            continue
        gil = executable(entry / "gil", request, "gil")
        ft = executable(entry / "ft", request, "ft")
        if gil.is_file() and ft.is_file():
            found.append(CachedBuild(version, gil, ft, provenance))
    found.sort(key=lambda build: version_key(build.version), reverse=True)
    return found


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def provision_lock(root: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold the cache's exclusive lock; say so when another provisioning holds it.

    flock locks belong to an open file description, so this excludes other processes
    (``tox -p``, a second terminal) and other threads of this process alike.
    """
    path = builds_dir(root) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            log(f"waiting for another provisioning to finish ({holder}; lock {path})")
            start = time.monotonic()
            fcntl.flock(handle, fcntl.LOCK_EX)
            log(f"lock acquired after {format_seconds(time.monotonic() - start)}")
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def format_seconds(seconds: float) -> str:
    """``1:05`` style minutes:seconds (hours when needed)."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
