"""runners.provision without real interpreters: discovery, verification, checksums, the
paired build (with a fake CPython tarball whose configure builds nothing), the lock,
and the command line's output and exit codes.

Fake interpreters are shell scripts that print the probe's JSON answer, so every
verification path (wrong build kind, wrong version, broken shim) runs in milliseconds.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from runners.provision import (
    BadInput,
    Interpreter,
    Pair,
    ProvisionError,
    Rejected,
    cli,
    ensure_pair,
    model,
    pair_mismatches,
    parse_version,
)
from runners.provision import build as build_mod
from runners.provision import cache as cache_mod
from runners.provision import discover as discover_mod
from runners.provision import source as source_mod
from runners.provision.ensure import Settings, discover_pair

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "provision"
GIL_FLAGS = "'--prefix=/opt/py/gil' '--enable-shared'"
FT_FLAGS = "'--prefix=/opt/py/ft' '--enable-shared' '--disable-gil'"


def fake_python(
    path: Path,
    *,
    version: str = "3.13.5",
    ft: bool = False,
    config_args: str | None = None,
    implementation: str = "cpython",
) -> Path:
    """A shell script answering the provisioning probe like the described interpreter."""
    answer = {
        "implementation": implementation,
        "version": version,
        "py_gil_disabled": ft,
        "config_args": (FT_FLAGS if ft else GIL_FLAGS) if config_args is None else config_args,
        "executable": str(path),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n/bin/cat <<'JSON'\n{json.dumps(answer)}\nJSON\n")
    path.chmod(0o755)
    return path


def shell_script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def fake_tarball(directory: Path, version: str = "3.13.99", name: str | None = None) -> Path:
    """A tiny "CPython" source tarball whose configure is tests/data/provision/fake_configure.sh."""
    path = directory / (name or f"Python-{version}.tar.xz")
    top = f"Python-{version}"
    members = {
        "configure": ((DATA / "fake_configure.sh").read_bytes(), 0o755),
        "VERSION": (version.encode(), 0o644),
        "Include/patchlevel.h": (f'#define PY_VERSION "{version}"\n'.encode(), 0o644),
    }
    with tarfile.open(path, "w:xz") as archive:
        for member, (data, mode) in members.items():
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return path


def write_cache_entry(root: Path, version: str = "3.13.5", *, provenance: bool = True) -> Path:
    """A cache entry (fake interpreters) exactly where a paired build would put it."""
    base = root / "cpython" / version
    minor = ".".join(version.split(".")[:2])
    for kind in ("gil", "ft"):
        prefix = base / kind
        fake_python(
            prefix / "bin" / f"python{minor}{'t' if kind == 'ft' else ''}",
            version=version,
            ft=kind == "ft",
            config_args=f"'--prefix={prefix}'" + (" '--disable-gil'" if kind == "ft" else ""),
        )
    if provenance:
        (base / "provenance.json").write_text(json.dumps({"format": 1, "version": version}))
    return base


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GILBENCH_* settings from the caller, an empty cache, no uv; returns the cache."""
    for name in list(os.environ):
        if name.startswith("GILBENCH_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("PYTHON_GIL", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("GILBENCH_CACHE_DIR", str(cache))
    monkeypatch.setattr(discover_mod, "uv_candidates", lambda request, kind: [])
    return cache


@pytest.fixture
def bindir(tmp_path: Path) -> Path:
    """An empty directory used as the whole PATH searched by discovery."""
    path = tmp_path / "bin"
    path.mkdir()
    return path


class Messages:
    """A thread-safe log collector for ``log=``."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self._lock:
            self.lines.append(message)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


# --- versions ------------------------------------------------------------------------


def test_version_request_names_and_matching() -> None:
    request = parse_version("3.14")
    assert request.executable_name("gil") == "python3.14"
    assert request.executable_name("ft") == "python3.14t"
    assert request.accepts("3.14.0") and request.accepts("3.14.0rc2")
    assert not request.accepts("3.13.5")
    exact = parse_version("3.13.5")
    assert exact.exact and exact.accepts("3.13.5") and not exact.accepts("3.13.4")


@pytest.mark.parametrize("text", ["", "3", "three", "3.13.x", "3.13-dev", "2.7", "3.12"])
def test_bad_version_strings_are_rejected(text: str) -> None:
    with pytest.raises(BadInput):
        parse_version(text)


# --- verification of candidates ----------------------------------------------------------


def test_python313t_that_is_a_default_build_is_rejected(tmp_path: Path) -> None:
    fake = fake_python(tmp_path / "python3.13t", ft=False)
    verdict = discover_mod.probe(fake, "PATH", "ft", parse_version("3.13"))
    assert isinstance(verdict, Rejected)
    assert "default (GIL) build" in verdict.reason
    assert "cannot be python3.13t" in verdict.reason


def test_python313_that_is_free_threaded_is_rejected(tmp_path: Path) -> None:
    fake = fake_python(tmp_path / "python3.13", ft=True)
    verdict = discover_mod.probe(fake, "PATH", "gil", parse_version("3.13"))
    assert isinstance(verdict, Rejected)
    assert "free-threaded build" in verdict.reason and "cannot be python3.13" in verdict.reason


def test_shim_that_exits_non_zero_is_rejected_with_its_message(tmp_path: Path) -> None:
    shim = shell_script(
        tmp_path / "python3.13", "echo 'pyenv: python3.13: command not found' >&2; exit 127"
    )
    verdict = discover_mod.probe(shim, "PATH", "gil", parse_version("3.13"))
    assert isinstance(verdict, Rejected)
    assert verdict.reason == "exited with status 127: pyenv: python3.13: command not found"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo hello", "did not print the probe's answer"),
        (None, "is Python 3.12.1, not 3.13"),
        ("pypy", "is pypy, not CPython"),
    ],
)
def test_other_bad_candidates_are_rejected(tmp_path: Path, body: str | None, expected: str) -> None:
    path = tmp_path / "python3.13"
    if body == "pypy":
        fake_python(path, implementation="pypy")
    elif body is None:
        fake_python(path, version="3.12.1")
    else:
        shell_script(path, body)
    verdict = discover_mod.probe(path, "PATH", "gil", parse_version("3.13"))
    assert isinstance(verdict, Rejected) and expected in verdict.reason


def test_hanging_candidate_is_rejected_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover_mod, "PROBE_TIMEOUT_S", 0.5)
    path = shell_script(tmp_path / "python3.13", "exec sleep 30")
    verdict = discover_mod.probe(path, "PATH", "gil", parse_version("3.13"))
    assert isinstance(verdict, Rejected) and "did not answer" in verdict.reason


def test_accepted_candidate_reports_what_it_is(tmp_path: Path) -> None:
    fake = fake_python(tmp_path / "python3.13t", ft=True)
    verdict = discover_mod.probe(fake, "uv", "ft", parse_version("3.13"))
    assert verdict == Interpreter(fake, "3.13.5", True, FT_FLAGS, "uv")


# --- matched pairs -----------------------------------------------------------------------


def _interp(version: str, flags: str, ft: bool = False) -> Interpreter:
    return Interpreter(Path("/x"), version, ft, flags, "PATH")


def test_pair_differing_only_in_prefix_and_disable_gil_is_matched() -> None:
    gil = _interp("3.13.5", "'--prefix=/a/gil' '--libdir=/a/gil/lib' '--enable-shared'")
    ft = _interp(
        "3.13.5", "'--prefix=/a/ft' '--libdir=/a/ft/lib' '--enable-shared' '--disable-gil'", True
    )
    assert pair_mismatches(gil, ft) == []
    assert Pair(gil, ft).matched


def test_pair_mismatches_name_version_and_flags() -> None:
    gil = _interp("3.13.0", "'--prefix=/a' '--enable-shared'")
    ft = _interp("3.13.5", "'--prefix=/b' '--disable-gil' '--enable-optimizations'", True)
    problems = Pair(gil, ft).mismatches
    assert problems[0] == "versions differ: gil 3.13.0, ft 3.13.5"
    assert "only gil: --enable-shared" in problems[1]
    assert "only ft: --enable-optimizations" in problems[1]


# --- discovery ---------------------------------------------------------------------------


def test_discovery_skips_a_broken_shim_and_takes_the_next_on_path(
    env: Path, tmp_path: Path
) -> None:
    shims = tmp_path / "shims"
    shell_script(shims / "python3.13", "echo 'pyenv: python3.13: command not found' >&2; exit 127")
    real = tmp_path / "real"
    gil = fake_python(real / "python3.13")
    ft = fake_python(real / "python3.13t", ft=True)
    pair = ensure_pair(build=False, search_path=f"{shims}{os.pathsep}{real}")
    assert (pair.gil.path, pair.ft.path) == (gil, ft)
    assert pair.gil.source == pair.ft.source == "PATH"


def test_explicit_paths_come_first(env: Path, bindir: Path, tmp_path: Path) -> None:
    fake_python(bindir / "python3.13")
    fake_python(bindir / "python3.13t", ft=True)
    mine = fake_python(tmp_path / "mine" / "gil-python")
    pair = ensure_pair(gil_path=mine, build=False, keep_found=True, search_path=str(bindir))
    assert pair.gil.path == mine and pair.gil.source == "explicit"
    assert pair.ft.source == "PATH"


def test_explicit_paths_from_environment_variables(
    env: Path, bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gil = fake_python(tmp_path / "a" / "python3.13")
    ft = fake_python(tmp_path / "b" / "python3.13t", ft=True)
    monkeypatch.setenv("GILBENCH_PYTHON_GIL", str(gil))
    monkeypatch.setenv("GILBENCH_PYTHON_FT", str(ft))
    pair = ensure_pair(build=False, search_path=str(bindir))
    assert (pair.gil.path, pair.ft.path) == (gil, ft) and pair.matched


def test_explicit_path_that_is_the_wrong_build_is_an_error(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GILBENCH_PYTHON_FT", str(fake_python(tmp_path / "python3.13t")))
    with pytest.raises(BadInput, match=r"GILBENCH_PYTHON_FT=.*default \(GIL\) build"):
        ensure_pair(build=False)


def test_explicit_path_that_does_not_exist_is_an_error(env: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"--python-gil=.*no such file"):
        ensure_pair(gil_path=tmp_path / "nope", build=False)


def test_build_cache_is_discovered_only_with_its_provenance(env: Path, bindir: Path) -> None:
    write_cache_entry(env, "3.13.5", provenance=False)
    with pytest.raises(ProvisionError, match=r"no verified python3\.13 and python3\.13t"):
        ensure_pair(build=False, search_path=str(bindir))
    (env / "cpython" / "3.13.5" / "provenance.json").write_text(
        json.dumps({"format": 1, "version": "3.13.5"})
    )
    pair = ensure_pair(build=False, search_path=str(bindir))
    assert pair.gil.source == pair.ft.source == "build-cache" and pair.matched


def test_staging_directories_are_invisible_to_discovery(env: Path, bindir: Path) -> None:
    staged = write_cache_entry(env, "3.13.5")
    staged.rename(env / "cpython" / ".staging-3.13.5-abc")
    assert cache_mod.cached_builds(env, parse_version("3.13")) == []


def test_a_matched_pair_is_preferred_over_an_earlier_unmatched_candidate(
    env: Path, bindir: Path
) -> None:
    fake_python(bindir / "python3.13", config_args="'--prefix=/usr' '--with-lto'")
    write_cache_entry(env, "3.13.5")
    pair = ensure_pair(build=False, search_path=str(bindir))
    assert pair.matched and pair.gil.source == "build-cache"


def test_unmatched_pair_is_kept_only_when_asked(env: Path, bindir: Path) -> None:
    fake_python(bindir / "python3.13", version="3.13.0")
    fake_python(bindir / "python3.13t", ft=True)
    with pytest.raises(ProvisionError, match="building is disabled"):
        ensure_pair(build=False, search_path=str(bindir))
    messages = Messages()
    pair = ensure_pair(build=False, keep_found=True, log=messages, search_path=str(bindir))
    assert pair.mismatches == ["versions differ: gil 3.13.0, ft 3.13.5"]
    assert "WARNING: the interpreter pair is NOT matched" in messages.text()


def test_version_is_configurable(env: Path, bindir: Path) -> None:
    fake_python(bindir / "python3.14", version="3.14.0", config_args="")
    fake_python(bindir / "python3.14t", version="3.14.0", ft=True, config_args="'--disable-gil'")
    fake_python(bindir / "python3.13t", ft=True)
    pair = ensure_pair("3.14", build=False, search_path=str(bindir))
    assert pair.gil.path.name == "python3.14" and pair.ft.path.name == "python3.14t"
    assert pair.gil.version == pair.ft.version == "3.14.0"


def test_uv_managed_interpreters_are_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = [
        {"path": str(tmp_path / "uv" / "python3.13"), "version": "3.13.5", "variant": "default"},
        {
            "path": str(tmp_path / "uv" / "python3.13t"),
            "version": "3.13.5",
            "variant": "freethreaded",
        },
        {"path": str(tmp_path / "uv" / "python3.12"), "version": "3.12.9", "variant": "default"},
    ]
    shell_script(tmp_path / "bin" / "uv", f"/bin/cat <<'JSON'\n{json.dumps(listing)}\nJSON")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    request = parse_version("3.13")
    assert discover_mod.uv_candidates(request, "gil") == [(tmp_path / "uv" / "python3.13", "uv")]
    assert discover_mod.uv_candidates(request, "ft") == [(tmp_path / "uv" / "python3.13t", "uv")]


# --- sources and checksums -----------------------------------------------------------------


def test_tarball_names_give_versions() -> None:
    assert source_mod.version_from_name("Python-3.13.5.tar.xz") == "3.13.5"
    assert source_mod.version_from_name("python3.13_3.13.5.orig.tar.xz") == "3.13.5"
    assert source_mod.version_from_name("Python-3.14.0rc1.tgz") == "3.14.0rc1"
    assert source_mod.version_from_name("cpython-main.zip") is None


def test_checksum_mismatch_refuses_to_build(env: Path, bindir: Path, tmp_path: Path) -> None:
    # Named like the pinned 3.13.5 tarball, but its bytes are not the pinned ones.
    tarball = fake_tarball(tmp_path, version="3.13.5")
    messages = Messages()
    with pytest.raises(ProvisionError, match=r"checksum mismatch .* refusing to build"):
        ensure_pair(tarball=tarball, log=messages, search_path=str(bindir))
    # Nothing was unpacked or configured: no staging, no build, no configure log.
    assert not list((env / "cpython").glob(".staging-*"))
    assert cache_mod.cached_builds(env, parse_version("3.13")) == []
    assert not list(env.glob("logs/*/configure-*.log"))
    assert "configure" not in messages.text()


def test_unpinned_version_needs_a_checksum(env: Path, bindir: Path, tmp_path: Path) -> None:
    tarball = fake_tarball(tmp_path, version="3.13.99")
    with pytest.raises(ProvisionError, match=r"no pinned SHA-256.*--sha256"):
        ensure_pair(tarball=tarball, search_path=str(bindir))


def test_given_checksum_cannot_override_the_pinned_one(tmp_path: Path) -> None:
    tarball = fake_tarball(tmp_path, version="3.13.5")
    with pytest.raises(ProvisionError, match="disagrees with the pinned SHA-256"):
        source_mod.verify(tarball, "3.13.5", source_mod.sha256_file(tarball))
    with pytest.raises(BadInput, match="not a 64-digit hex"):
        source_mod.verify(tarball, "3.13.99", "abc")


def test_tarball_of_another_version_is_refused(env: Path, tmp_path: Path) -> None:
    tarball = fake_tarball(tmp_path, version="3.14.0")
    with pytest.raises(BadInput, match=r"is CPython 3\.14\.0, not 3\.13"):
        source_mod.acquire(parse_version("3.13"), env / "sources", Messages(), tarball=tarball)


def test_unreachable_sources_fall_through_with_notes(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 9 (discard) on localhost refuses at once; apt-get is made unavailable.
    monkeypatch.setenv("GILBENCH_PYTHON_ORG_URL", "http://127.0.0.1:9/Python-{version}.tar.xz")
    monkeypatch.setattr(source_mod.shutil, "which", lambda name: None)
    messages = Messages()
    with pytest.raises(ProvisionError) as failure:
        source_mod.acquire(parse_version("3.13"), env / "sources", messages)
    text = str(failure.value)
    assert "python.org unreachable" in text and "apt skipped: apt-get not found" in text
    assert "--tarball" in text
    assert len(messages.lines) == 3  # the attempt, then one line per failed source


def test_debian_archive_is_read_from_the_system_sources(tmp_path: Path) -> None:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    (apt / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: trixie-security\n"
        "Components: main\nSigned-By: /k/sec.gpg\n\n"
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian/\nSuites: trixie\n"
        "Components: main\nSigned-By: /k/debian.gpg\n"
    )
    assert source_mod.debian_archive(apt) == ("http://mirror.example/debian", Path("/k/debian.gpg"))
    (apt / "sources.list.d" / "debian.sources").unlink()
    (apt / "sources.list").write_text(
        "deb [signed-by=/k/x.gpg] http://m.example/debian bookworm main\n"
    )
    assert source_mod.debian_archive(apt) == ("http://m.example/debian", Path("/k/x.gpg"))


# --- the paired build (fake CPython: configure and make build nothing) ------------------------


def test_paired_build_installs_both_arms_and_is_then_discovered(
    env: Path, bindir: Path, tmp_path: Path
) -> None:
    tarball = fake_tarball(tmp_path)
    digest = source_mod.sha256_file(tarball)
    messages = Messages()
    pair = ensure_pair(tarball=tarball, sha256=digest, log=messages, search_path=str(bindir))
    assert pair.matched and pair.gil.source == pair.ft.source == "build-cache"
    assert pair.gil.path == env / "cpython" / "3.13.99" / "gil" / "bin" / "python3.13"
    assert pair.ft.path == env / "cpython" / "3.13.99" / "ft" / "bin" / "python3.13t"
    # Identical configure flags except --disable-gil (and each arm's own prefix).
    assert pair.gil.configure_flags() == [f"--prefix={pair.gil.path.parent.parent}"]
    assert pair.ft.configure_flags() == [f"--prefix={pair.ft.path.parent.parent}", "--disable-gil"]
    provenance = json.loads((env / "cpython" / "3.13.99" / "provenance.json").read_text())
    assert provenance["source"]["sha256"] == digest and provenance["version"] == "3.13.99"
    logs = Path(provenance["logs"])
    for kind in ("gil", "ft"):
        for stage in ("configure", "make", "install"):
            assert (logs / f"{stage}-{kind}.log").is_file()
            assert f"[{kind}] {stage} done in" in messages.text()
    assert not list((env / "cpython").glob(".staging-*"))
    # A second provisioning finds the build in the cache and builds nothing.
    again = Messages()
    assert ensure_pair(log=again, search_path=str(bindir)) == pair
    assert again.lines == []


def test_failed_build_leaves_nothing_discovery_would_pick_up(
    env: Path, bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CONFIGURE_FAIL", "1")
    tarball = fake_tarball(tmp_path)
    messages = Messages()
    with pytest.raises(ProvisionError, match=r"\[ft\] configure failed with exit status 1"):
        ensure_pair(
            tarball=tarball, sha256=source_mod.sha256_file(tarball), log=messages,
            search_path=str(bindir),
        )  # fmt: skip
    assert cache_mod.cached_builds(env, parse_version("3.13")) == []
    assert not (env / "cpython" / "3.13.99").exists()
    assert not list((env / "cpython").glob(".staging-*"))
    assert "simulated failure" in next(env.glob("logs/*/configure-ft.log")).read_text()
    assert "logs kept in" in messages.text()


def test_leftovers_of_a_killed_build_are_removed_by_the_next(
    env: Path, bindir: Path, tmp_path: Path
) -> None:
    leftover = write_cache_entry(env, "3.13.99")
    leftover.rename(env / "cpython" / ".staging-3.13.99-killed")
    tarball = fake_tarball(tmp_path)
    ensure_pair(tarball=tarball, sha256=source_mod.sha256_file(tarball), log=Messages(),
                search_path=str(bindir))  # fmt: skip
    assert not (env / "cpython" / ".staging-3.13.99-killed").exists()


def test_long_stages_report_a_heartbeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_mod, "HEARTBEAT_S", 0.2)
    messages = Messages()
    build_mod.run_stage(
        "[gil] make", ["sleep", "0.7"], tmp_path, tmp_path / "make.log", messages, time.monotonic()
    )
    assert "[gil] make: still running" in messages.text()
    assert "[gil] make done in 0:01" in messages.text()


# --- the lock ----------------------------------------------------------------------------------


def test_lock_makes_a_second_process_wait(env: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from pathlib import Path; "
            "from runners.provision.cache import provision_lock\n"
            f"with provision_lock(Path({str(env)!r}), print):\n"
            "    print('locked', flush=True); time.sleep(1.5)\n"
        )],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    messages = Messages()
    start = time.monotonic()
    with cache_mod.provision_lock(env, messages):
        waited = time.monotonic() - start
    holder.wait()
    assert waited > 1.0  # the holder keeps the lock for 1.5 s after saying "locked"
    assert f"pid {holder.pid}" in messages.lines[0] and "waiting for another" in messages.lines[0]


def test_second_provisioning_waits_then_reuses_the_first_ones_build(
    env: Path, bindir: Path
) -> None:
    messages = Messages()
    results: list[Pair | BaseException] = []

    def second() -> None:
        try:
            # It would fail if it tried to build: this tarball does not exist.
            results.append(ensure_pair(tarball="/nonexistent.tar.xz", log=messages,
                                       search_path=str(bindir)))  # fmt: skip
        except BaseException as exc:
            results.append(exc)

    with cache_mod.provision_lock(env, Messages()):
        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 20
        while "waiting for another provisioning" not in messages.text():
            assert time.monotonic() < deadline, messages.text()
            time.sleep(0.05)
        write_cache_entry(env, "3.13.5")  # what the first provisioning builds
    thread.join(20)
    assert len(results) == 1 and isinstance(results[0], Pair), results
    assert results[0].matched and results[0].gil.source == "build-cache"
    assert "reusing the pair built meanwhile" in messages.text()


# --- command line ------------------------------------------------------------------------------


def run_cli(
    *args: str, extra_env: dict[str, str] | None = None, path: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GILBENCH_")}
    env.update(PATH=str(path), **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "runners.provision", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_check_with_a_complete_pair_prints_each_arm_and_exits_zero(
    tmp_path: Path, bindir: Path
) -> None:
    gil = fake_python(bindir / "python3.13")
    ft = fake_python(bindir / "python3.13t", ft=True)
    done = run_cli("--check", "--cache-dir", str(tmp_path / "c"), path=bindir)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for text in (str(gil), str(ft), "version 3.13.5", "default (GIL) build", "free-threaded build",
                 "found via PATH", GIL_FLAGS, FT_FLAGS, "pair: matched"):  # fmt: skip
        assert text in out
    assert done.stderr == ""
    assert not (tmp_path / "c").exists()  # --check never builds (nor creates the cache)


def test_check_with_a_missing_arm_exits_non_zero_with_guidance(
    tmp_path: Path, bindir: Path
) -> None:
    fake_python(bindir / "python3.13")
    shell_script(
        bindir / "python3.13t", "echo 'pyenv: python3.13t: command not found' >&2; exit 127"
    )
    done = run_cli("--check", "--cache-dir", str(tmp_path / "c"), path=bindir)
    assert done.returncode == 1
    assert "python3.13t   MISSING" in done.stdout
    assert "exited with status 127: pyenv: python3.13t: command not found" in done.stdout
    assert "error: no verified python3.13t found" in done.stderr
    assert "python -m runners.provision" in done.stderr
    assert "GILBENCH_PYTHON_FT=/path/to/python3.13t" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "c").exists()


def test_check_reports_an_unmatched_pair_as_a_warning(tmp_path: Path, bindir: Path) -> None:
    fake_python(bindir / "python3.13", version="3.13.0")
    fake_python(bindir / "python3.13t", ft=True)
    done = run_cli("--check", "--cache-dir", str(tmp_path), path=bindir)
    assert done.returncode == 3
    assert "pair: NOT MATCHED" in done.stdout
    assert "WARNING" in done.stderr and "versions differ: gil 3.13.0, ft 3.13.5" in done.stderr
    kept = run_cli("--check", "--keep-found", "--json", "--cache-dir", str(tmp_path), path=bindir)
    assert kept.returncode == 0
    report = json.loads(kept.stdout)
    assert report["status"] == "mismatched" and report["matched"] is False
    assert report["mismatches"] == ["versions differ: gil 3.13.0, ft 3.13.5"]


def test_check_json_lists_rejected_candidates(tmp_path: Path, bindir: Path) -> None:
    fake_python(bindir / "python3.13t", ft=False)
    done = run_cli("--check", "--json", "--cache-dir", str(tmp_path), path=bindir)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["status"] == "missing" and report["gil"] is None and report["ft"] is None
    [rejected] = report["rejected"]
    assert rejected["kind"] == "ft" and "default (GIL) build" in rejected["reason"]
    assert any("python -m runners.provision" in line for line in report["how_to_fix"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--check", "--python-gil", "/does/not/exist"],
            "error: --python-gil=/does/not/exist: no such file",
        ),
        (["--check", "--version", "3.x"], "error: invalid Python version '3.x'"),
        (["--version", "3.12"], "error: Python 3.12 has no free-threaded build"),
        (
            ["--tarball", "/does/not/exist.tar.xz"],
            "error: --tarball /does/not/exist.tar.xz: no such file",
        ),
        (["--sha256", "xyz", "--tarball", __file__], "cannot tell the CPython version"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, bindir: Path, args: list[str], message: str
) -> None:
    done = run_cli(*args, "--cache-dir", str(tmp_path), path=bindir)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1]
    assert "Traceback" not in done.stderr


def test_main_in_process_prints_a_path(
    env: Path, bindir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gil = fake_python(bindir / "python3.13")
    fake_python(bindir / "python3.13t", ft=True)
    monkeypatch.setenv("PATH", str(bindir))
    assert cli.main(["--print-path", "gil"]) == 0
    assert capsys.readouterr().out.strip() == str(gil)


# --- build profiles ----------------------------------------------------------------------


def test_profiles_name_their_flags_and_are_recognised_from_a_builds_flags() -> None:
    assert model.PROFILES["optimized"] == ("--enable-optimizations", "--with-lto")
    assert model.profile_of(["--prefix=/x", "--enable-optimizations", "--with-lto"]) == "optimized"
    assert model.profile_of(["--enable-optimizations", "--with-lto=thin"]) == "optimized"
    assert model.profile_of(["--enable-optimizations"]) == "plain"  # PGO without LTO
    assert model.profile_of([]) == "plain"
    with pytest.raises(model.BadInput, match="unknown build profile 'fast'"):
        model.parse_profile("fast")


def test_an_optimized_pair_builds_into_its_own_cache_with_the_pgo_stages(
    env: Path, bindir: Path, tmp_path: Path
) -> None:
    tarball = fake_tarball(tmp_path)
    digest = source_mod.sha256_file(tarball)
    plain = ensure_pair(tarball=tarball, sha256=digest, log=Messages(), search_path=str(bindir))
    messages = Messages()
    optimized = ensure_pair(
        tarball=tarball, sha256=digest, log=messages, search_path=str(bindir), profile="optimized"
    )
    base = env / "cpython" / "3.13.99-optimized"
    assert optimized.gil.path == base / "gil" / "bin" / "python3.13"
    assert optimized.profile == "optimized" and optimized.label == "3.13.99-optimized"
    assert plain.profile == "plain" and plain.label == "3.13.99-plain"
    # Identical flags apart from --disable-gil and the prefix; the plain pair's minus the
    # optimization flags.
    gil_flags = optimized.gil.configure_flags()
    assert gil_flags == [f"--prefix={base / 'gil'}", "--enable-optimizations", "--with-lto"]
    assert optimized.ft.configure_flags() == [
        f"--prefix={base / 'ft'}",
        "--disable-gil",
        "--enable-optimizations",
        "--with-lto",
    ]
    assert optimized.matched
    provenance = json.loads((base / "provenance.json").read_text())
    assert provenance["profile"] == "optimized"
    assert provenance["profile_task"] == build_mod.PGO_PROFILE_TASK
    logs = Path(provenance["logs"])
    for kind in ("gil", "ft"):
        for stage in ("1-instrumented", "2-profile", "3-final"):
            assert (logs / f"make-{kind}-{stage}.log").is_file()
        profile_log = (logs / f"make-{kind}-2-profile.log").read_text()
        assert f"PROFILE_TASK={build_mod.PGO_PROFILE_TASK}" in profile_log  # the command
        assert "profile task: -m test --pgo" in profile_log  # what make's shell ran
        assert f"[{kind}] PGO 2/3 profile run" in messages.text()
    # The two caches never mix: each profile finds its own pair.
    assert ensure_pair(search_path=str(bindir), log=Messages()) == plain
    assert ensure_pair(search_path=str(bindir), log=Messages(), profile="optimized") == optimized


def test_the_profile_comes_from_the_environment_and_filters_found_interpreters(
    env: Path, bindir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_python(bindir / "python3.13")
    fake_python(bindir / "python3.13t", ft=True)
    monkeypatch.setenv("GILBENCH_PROFILE", "optimized")
    found = discover_pair(Settings.resolve(), search_path=str(bindir))
    assert found.select() == (None, None)
    assert any("not built with the optimized profile" in r.reason for r in found.rejected)
    monkeypatch.setenv("GILBENCH_PROFILE", "plain")
    gil, ft = discover_pair(Settings.resolve(), search_path=str(bindir)).select()
    assert gil is not None and ft is not None
    monkeypatch.setenv("GILBENCH_PROFILE", "turbo")
    with pytest.raises(model.BadInput, match="unknown build profile"):
        Settings.resolve()
