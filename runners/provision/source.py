"""Get one CPython source tarball and verify its SHA-256 before anything is unpacked.

Sources, in order: a tarball the user names; a verified copy already in the cache;
python.org; the distribution's source package through apt, with temporary source lists
and state directories so that the system's apt configuration is never modified.
Only a tarball whose SHA-256 matches the pinned table (or, for a version the table
does not know, the checksum the user gives) is ever returned.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runners.provision.model import BadInput, ProvisionError, VersionRequest, version_key

PINNED_SHA256: dict[str, str] = {
    # Python-3.13.5.tar.xz as published on python.org; identical to Debian's
    # python3.13_3.13.5.orig.tar.xz.
    "3.13.5": "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
}

PYTHON_ORG_URL = "https://www.python.org/ftp/python/{version}/Python-{version}.tar.xz"
DOWNLOAD_TIMEOUT_S = 10.0
APT_TIMEOUT_S = 600.0

DEBIAN_SUITES: dict[str, str] = {"3.13": "trixie"}
"""Debian suite whose ``python<X.Y>`` source package carries each minor version."""
DEFAULT_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

_TARBALL_NAME_RE = re.compile(
    r"^(?:Python-|python\d+\.\d+_)(\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)(?:\.orig)?"
    r"\.(?:tar\.xz|tar\.gz|tgz|tar\.bz2)$"
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class VerifiedSource:
    """A source tarball whose checksum has been checked."""

    path: Path
    version: str
    sha256: str
    origin: str


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def version_from_name(name: str) -> str | None:
    """``3.13.5`` from ``Python-3.13.5.tar.xz`` or ``python3.13_3.13.5.orig.tar.xz``."""
    match = _TARBALL_NAME_RE.match(name)
    return match[1] if match else None


def latest_pinned(request: VersionRequest) -> str | None:
    """The version to build for ``request``: itself when exact, else the newest pinned one."""
    if request.exact:
        return request.text
    pinned = [version for version in PINNED_SHA256 if request.accepts(version)]
    return max(pinned, key=version_key) if pinned else None


def expected_sha256(version: str, user_sha256: str | None) -> str:
    """The checksum a ``version`` tarball must have; ProvisionError when none is known."""
    user = user_sha256.strip().lower() if user_sha256 else None
    if user is not None and not re.fullmatch(r"[0-9a-f]{64}", user):
        raise BadInput(f"--sha256 {user_sha256!r} is not a 64-digit hex SHA-256")
    pinned = PINNED_SHA256.get(version)
    if pinned is not None:
        if user is not None and user != pinned:
            raise ProvisionError(
                f"the given SHA-256 {user} disagrees with the pinned SHA-256 of CPython"
                f" {version} ({pinned}); refusing to build"
            )
        return pinned
    if user is None:
        raise ProvisionError(
            f"CPython {version} has no pinned SHA-256 (pinned: {', '.join(PINNED_SHA256)});"
            " pass --sha256 HEX (or GILBENCH_TARBALL_SHA256) with the published checksum"
        )
    return user


def verify(path: Path, version: str, user_sha256: str | None) -> str:
    """Check ``path`` against the expected checksum; ProvisionError on mismatch."""
    expected = expected_sha256(version, user_sha256)
    actual = sha256_file(path)
    if actual != expected:
        raise ProvisionError(
            f"checksum mismatch for {path}: SHA-256 {actual}, expected {expected} for CPython"
            f" {version}; refusing to build from it"
        )
    return actual


def acquire(
    request: VersionRequest,
    sources_dir: Path,
    log: Log,
    *,
    tarball: Path | None = None,
    user_sha256: str | None = None,
    log_dir: Path | None = None,
) -> VerifiedSource:
    """Return a verified tarball for ``request``, trying each source in turn."""
    if tarball is not None:
        return _user_tarball(request, tarball, user_sha256)
    target = latest_pinned(request)
    notes: list[str] = []
    sources_dir.mkdir(parents=True, exist_ok=True)
    if target is not None:
        cached = sources_dir / f"Python-{target}.tar.xz"
        if cached.is_file():
            try:
                digest = verify(cached, target, user_sha256)
                return VerifiedSource(cached, target, digest, f"cache ({cached})")
            except ProvisionError as exc:
                notes.append(f"cached tarball rejected: {exc}")
                log(notes[-1])
                cached.unlink(missing_ok=True)
        downloaded = _from_python_org(target, sources_dir, user_sha256, log, notes)
        if downloaded is not None:
            return downloaded
    else:
        notes.append(f"python.org skipped: no pinned CPython {request.text}.x version to fetch")
        log(notes[-1])
    fetched = _from_apt(request, target, sources_dir, user_sha256, log, notes, log_dir)
    if fetched is not None:
        return fetched
    raise ProvisionError(
        f"no verified CPython {target or request.text} source could be obtained ("
        + "; ".join(notes)
        + "); download Python-X.Y.Z.tar.xz elsewhere and pass --tarball PATH"
    )


def _user_tarball(
    request: VersionRequest, tarball: Path, user_sha256: str | None
) -> VerifiedSource:
    if not tarball.is_file():
        raise BadInput(f"--tarball {tarball}: no such file")
    version = version_from_name(tarball.name)
    if version is None:
        if not request.exact:
            raise BadInput(
                f"cannot tell the CPython version of {tarball.name} from its name; name it"
                " Python-X.Y.Z.tar.xz or pass --version X.Y.Z"
            )
        version = request.text
    if not request.accepts(version):
        raise BadInput(f"--tarball {tarball} is CPython {version}, not {request.text}")
    digest = verify(tarball, version, user_sha256)
    return VerifiedSource(tarball.absolute(), version, digest, f"tarball {tarball}")


def _keep(path: Path, sources_dir: Path, version: str) -> Path:
    """Move a verified download into the cache under its canonical name."""
    final = sources_dir / f"Python-{version}.tar.xz"
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, final)
    return final


def _from_python_org(
    version: str, sources_dir: Path, user_sha256: str | None, log: Log, notes: list[str]
) -> VerifiedSource | None:
    url = os.environ.get("GILBENCH_PYTHON_ORG_URL", PYTHON_ORG_URL).format(version=version)
    timeout = float(os.environ.get("GILBENCH_DOWNLOAD_TIMEOUT", DOWNLOAD_TIMEOUT_S))
    part = sources_dir / f".Python-{version}.tar.xz.{os.getpid()}.part"
    log(f"source: downloading {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        digest = verify(part, version, user_sha256)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        notes.append(f"python.org unreachable or unusable ({reason})")
        log(f"{notes[-1]}; trying the distribution's source package via apt")
        part.unlink(missing_ok=True)
        return None
    except ProvisionError as exc:
        notes.append(str(exc))
        log(notes[-1])
        part.unlink(missing_ok=True)
        return None
    final = _keep(part, sources_dir, version)
    part.unlink(missing_ok=True)
    return VerifiedSource(final, version, digest, url)


def debian_archive(apt_dir: Path = Path("/etc/apt")) -> tuple[str, Path | None] | None:
    """(URI, keyring) of the Debian main archive in the system's apt sources, if any."""
    entries: list[tuple[list[str], list[str], str | None]] = []  # (types, uris, signed_by)
    parts = apt_dir / "sources.list.d"
    for path in sorted(parts.glob("*.sources")) if parts.is_dir() else []:
        entries.extend(_deb822_entries(path))
    one_line = [apt_dir / "sources.list", *sorted(parts.glob("*.list"))] if parts.is_dir() else []
    for path in one_line or [apt_dir / "sources.list"]:
        entries.extend(_one_line_entries(path))
    for _types, uris, signed_by in entries:
        for uri in uris:
            if uri.rstrip("/").endswith("/debian"):
                keyring = Path(signed_by) if signed_by and signed_by.startswith("/") else None
                if keyring is None and DEFAULT_KEYRING.is_file():
                    keyring = DEFAULT_KEYRING
                return uri.rstrip("/"), keyring
    return None


def _deb822_entries(path: Path) -> list[tuple[list[str], list[str], str | None]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    entries = []
    for paragraph in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        last = None
        for line in paragraph.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and last is not None:
                fields[last] += "\n" + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                last = key.strip().lower()
                fields[last] = value.strip()
        if fields.get("enabled", "yes").lower() == "no" or "uris" not in fields:
            continue
        entries.append(
            (fields.get("types", "").split(), fields["uris"].split(), fields.get("signed-by"))
        )
    return entries


def _one_line_entries(path: Path) -> list[tuple[list[str], list[str], str | None]]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^(deb(?:-src)?)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+", line)
        if not match:
            continue
        options = dict(item.split("=", 1) for item in (match[2] or "").split() if "=" in item)
        entries.append(([match[1]], [match[3]], options.get("signed-by")))
    return entries


def _from_apt(
    request: VersionRequest,
    target: str | None,
    sources_dir: Path,
    user_sha256: str | None,
    log: Log,
    notes: list[str],
    log_dir: Path | None,
) -> VerifiedSource | None:
    apt_get = shutil.which("apt-get")
    suite = os.environ.get("GILBENCH_APT_SUITE") or DEBIAN_SUITES.get(request.minor_version)
    archive = debian_archive() if apt_get else None
    if apt_get is None or suite is None or archive is None:
        why = (
            "apt-get not found"
            if apt_get is None
            else f"no Debian suite known for Python {request.minor_version}"
            " (set GILBENCH_APT_SUITE)"
            if suite is None
            else "no Debian archive in the system's apt sources"
        )
        notes.append(f"apt skipped: {why}")
        log(notes[-1])
        return None
    uri, keyring = archive
    package = f"python{request.minor_version}"
    log(f"source: fetching Debian's {package} source package ({uri} {suite}) via apt")
    with tempfile.TemporaryDirectory(prefix=".apt-", dir=sources_dir) as tmp:
        work = Path(tmp)
        for sub in ("lists/partial", "cache/archives/partial", "parts", "download"):
            (work / sub).mkdir(parents=True)
        entry = f"Types: deb-src\nURIs: {uri}\nSuites: {suite}\nComponents: main\n"
        if keyring is not None:
            entry += f"Signed-By: {keyring}\n"
        (work / "parts" / "gilbench-src.sources").write_text(entry, encoding="utf-8")
        options = [
            "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", f"Dir::Etc::SourceParts={work / 'parts'}",
            "-o", f"Dir::State::Lists={work / 'lists'}",
            "-o", f"Dir::Cache={work / 'cache'}",
        ]  # fmt: skip
        if os.geteuid() == 0:
            # The temporary directories are not readable by apt's _apt sandbox user.
            options += ["-o", "APT::Sandbox::User=root"]
        apt_log = (log_dir or sources_dir) / "apt.log"
        apt_log.parent.mkdir(parents=True, exist_ok=True)
        steps = [
            ([apt_get, *options, "update"], work),
            ([apt_get, *options, "source", "--download-only", package], work / "download"),
        ]
        with open(apt_log, "a", encoding="utf-8") as out:
            for cmd, cwd in steps:
                out.write(f"$ {' '.join(cmd)}\n")
                out.flush()
                try:
                    done = subprocess.run(
                        cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, timeout=APT_TIMEOUT_S, check=False,
                    )  # fmt: skip
                except (OSError, subprocess.TimeoutExpired) as exc:
                    notes.append(f"apt failed: {exc} (log {apt_log})")
                    log(notes[-1])
                    return None
                if done.returncode != 0:
                    notes.append(f"apt-get {cmd[len(options) + 1]} failed (log {apt_log})")
                    log(notes[-1])
                    return None
        origs = sorted((work / "download").glob(f"{package}_*.orig.tar.*"))
        version = version_from_name(origs[0].name) if origs else None
        if version is None:
            notes.append(f"apt gave no usable {package} upstream tarball (log {apt_log})")
            log(notes[-1])
            return None
        if not request.accepts(version) or (target is not None and version != target):
            notes.append(f"apt offers CPython {version}, not {target or request.text}")
            log(notes[-1])
            return None
        try:
            digest = verify(origs[0], version, user_sha256)
        except ProvisionError as exc:
            notes.append(str(exc))
            log(notes[-1])
            return None
        final = _keep(origs[0], sources_dir, version)
    return VerifiedSource(final, version, digest, f"Debian {package} source package ({suite})")
