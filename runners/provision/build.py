"""Build the matched pair: one verified source tree, configured twice with identical flags
except ``--disable-gil``, installed into the cache.

Each arm is configured in its own build directory (out-of-tree) from the same unpacked
tree, installed with ``make install DESTDIR=<staging>`` and renamed into place only once
both arms built; ``provenance.json`` is written last, and discovery ignores a build
without it, so a failed or interrupted build is never picked up.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from runners.provision.cache import (
    PROVENANCE,
    PROVENANCE_FORMAT,
    STAGING_PREFIX,
    CachedBuild,
    build_dirname,
    build_prefix,
    builds_dir,
    executable,
    format_seconds,
    write_json_atomic,
)
from runners.provision.model import ARM_KINDS, DEFAULT_PROFILE, ProvisionError, parse_version
from runners.provision.source import VerifiedSource

HEARTBEAT_S = 60.0
PGO_PROFILE_TASK = "-m test --pgo --timeout=1200 -j2 || true"
"""The PGO profile task of both arms: CPython's own PGO test selection (``--pgo``), run
two tests at a time so that it fits a 2-core machine's patience; recorded in the
provenance. Its purpose is profile data, not a verdict: a failing test (3.13.5's
test_generators fails in the instrumented build here) leaves the other tests' data,
so it must not stop the build (``|| true``; the Makefile runs the task in a shell)."""

Log = Callable[[str], None]


def cpu_count() -> int:
    """CPUs this process may use (for ``make -j``)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _build_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHON_GIL", "PYTHONHOME", "PYTHONPATH", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    env["LC_ALL"] = "C"
    return env


def run_stage(
    label: str, cmd: Sequence[str], cwd: Path, log_file: Path, log: Log, started: float
) -> None:
    """Run one build stage into ``log_file``, with a heartbeat; ProvisionError on failure."""
    stage_start = time.monotonic()
    log(f"{label} ... (log {log_file})")
    with open(log_file, "w", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        try:
            process = subprocess.Popen(
                list(cmd), cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=_build_env(),
            )  # fmt: skip
        except OSError as exc:
            raise ProvisionError(f"{label} could not start: {exc}") from exc
        try:
            while True:
                try:
                    code = process.wait(timeout=HEARTBEAT_S)
                    break
                except subprocess.TimeoutExpired:
                    now = time.monotonic()
                    log(
                        f"{label}: still running, {format_seconds(now - stage_start)} in this"
                        f" stage, {format_seconds(now - started)} in all"
                    )
        except BaseException:
            process.kill()
            process.wait()
            raise
    now = time.monotonic()
    if code != 0:
        raise ProvisionError(
            f"{label} failed with exit status {code} after {format_seconds(now - stage_start)};"
            f" last lines of {log_file}: {_tail(log_file)}"
        )
    total = format_seconds(now - started)
    log(f"{label} done in {format_seconds(now - stage_start)} ({total} in all)")


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(unreadable)"
    return " | ".join(line.strip() for line in text[-lines:])


def _unpack(tarball: Path, into: Path) -> Path:
    """Unpack the (already verified) tarball; return its top-level source directory."""
    with tarfile.open(tarball) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:  # pragma: no cover - Python without extraction filters
            archive.extractall(into)
    tops = [entry for entry in into.iterdir() if entry.is_dir()]
    if len(tops) != 1 or not (tops[0] / "configure").is_file():
        raise ProvisionError(f"{tarball} does not look like a CPython source tarball")
    return tops[0]


def _check_patchlevel(src: Path, version: str) -> None:
    """The unpacked tree must really be ``version`` (Include/patchlevel.h)."""
    try:
        text = (src / "Include" / "patchlevel.h").read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ProvisionError(f"cannot read {src}/Include/patchlevel.h: {exc}") from exc
    if f'"{version}"' not in text:
        raise ProvisionError(f"the source tree in {src} is not CPython {version}")


def clean_stale_staging(root: Path, log: Log) -> None:
    """Remove staging directories left by killed builds (call with the lock held)."""
    base = builds_dir(root)
    if not base.is_dir():
        return
    for entry in base.iterdir():
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir():
            log(f"removing an interrupted build's leftovers: {entry}")
            shutil.rmtree(entry, ignore_errors=True)


def build_pair(
    source: VerifiedSource,
    root: Path,
    log: Log,
    *,
    configure_args: Sequence[str] = (),
    jobs: int | None = None,
    log_dir: Path | None = None,
    profile: str = DEFAULT_PROFILE,
) -> CachedBuild:
    """Build and install both arms of ``source`` into the cache (call with the lock held).

    ``configure_args`` already hold the profile's flags. An ``optimized`` (PGO) build
    runs its three stages separately, each with its own log and progress: the
    instrumented build, the profile task (``PGO_PROFILE_TASK``, the same for both arms,
    recorded in the provenance), and the final build.
    """
    started = time.monotonic()
    version = source.version
    request = parse_version(version)
    jobs = jobs or cpu_count()
    stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    log_dir = log_dir or root / "logs" / f"{version}-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    log(
        f"building CPython {version} ({profile}) twice (default, then free-threaded) with"
        f" make -j{jobs};"
    )
    log(f"logs in {log_dir}")
    clean_stale_staging(root, log)
    builds_dir(root).mkdir(parents=True, exist_ok=True)
    dirname = build_dirname(version, profile)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{dirname}-", dir=builds_dir(root)))
    final_dir = builds_dir(root) / dirname
    pgo = "--enable-optimizations" in configure_args
    try:
        log(f"unpacking {source.path}")
        src = _unpack(source.path, staging / "src")
        _check_patchlevel(src, version)
        dest = staging / "dest"
        flags: dict[str, list[str]] = {}
        for kind in ARM_KINDS:
            prefix = build_prefix(root, version, kind, profile)
            flags[kind] = [
                f"--prefix={prefix}",
                *(["--disable-gil"] if kind == "ft" else []),
                *configure_args,
            ]
            work = staging / f"build-{kind}"
            work.mkdir()
            stage = f"[{kind}]"
            run_stage(f"{stage} configure", [str(src / "configure"), *flags[kind]], work,
                      log_dir / f"configure-{kind}.log", log, started)  # fmt: skip
            if pgo:
                run_stage(f"{stage} PGO 1/3 instrumented build",
                          ["make", f"-j{jobs}", "profile-gen-stamp"], work,
                          log_dir / f"make-{kind}-1-instrumented.log", log, started)  # fmt: skip
                run_stage(f"{stage} PGO 2/3 profile run ({PGO_PROFILE_TASK})",
                          ["make", f"-j{jobs}", "profile-run-stamp",
                           f"PROFILE_TASK={PGO_PROFILE_TASK}"], work,
                          log_dir / f"make-{kind}-2-profile.log", log, started)  # fmt: skip
                run_stage(f"{stage} PGO 3/3 final build", ["make", f"-j{jobs}"], work,
                          log_dir / f"make-{kind}-3-final.log", log, started)  # fmt: skip
            else:
                run_stage(f"{stage} make", ["make", f"-j{jobs}"], work,
                          log_dir / f"make-{kind}.log", log, started)  # fmt: skip
            run_stage(f"{stage} install", ["make", "install", f"DESTDIR={dest}"], work,
                      log_dir / f"install-{kind}.log", log, started)  # fmt: skip
        # Both arms built: move them into place, then publish the provenance file last.
        if final_dir.exists():
            shutil.rmtree(final_dir)  # an incomplete earlier attempt (no provenance)
        final_dir.mkdir(parents=True)
        for kind in ARM_KINDS:
            os.rename(Path(f"{dest}{build_prefix(root, version, kind, profile)}"), final_dir / kind)
        provenance = {
            "format": PROVENANCE_FORMAT,
            "version": version,
            "source": {"origin": source.origin, "sha256": source.sha256, "file": str(source.path)},
            "configure_args": flags,
            "profile": profile,
            "profile_task": PGO_PROFILE_TASK if pgo else None,
            "arms": {kind: str(executable(final_dir / kind, request, kind)) for kind in ARM_KINDS},
            "logs": str(log_dir),
            "built_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.monotonic() - started, 1),
            "jobs": jobs,
            "host": {"machine": platform.machine(), "system": platform.platform()},
            "builder": sys.executable,
        }
        for kind in ARM_KINDS:
            if not executable(final_dir / kind, request, kind).is_file():
                raise ProvisionError(
                    f"the {kind} build installed no {request.executable_name(kind)}"
                )
        write_json_atomic(final_dir / PROVENANCE, provenance)
    except BaseException:
        # Leave nothing discovery could pick up; logs stay for the post-mortem.
        if final_dir.exists() and not (final_dir / PROVENANCE).exists():
            shutil.rmtree(final_dir, ignore_errors=True)
        log(f"build failed or interrupted; logs kept in {log_dir}")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"built CPython {version} pair in {format_seconds(time.monotonic() - started)}")
    return CachedBuild(
        version,
        executable(final_dir / "gil", request, "gil"),
        executable(final_dir / "ft", request, "ft"),
        provenance,
    )
