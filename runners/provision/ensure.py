"""ensure_pair(): discover the matched pair, or build it, and say what happened on stderr.

Settings come from arguments first, then environment variables:

- ``GILBENCH_PYTHON_VERSION``  version to provision (default 3.13; 3.14 → python3.14/3.14t)
- ``GILBENCH_PYTHON_GIL`` / ``GILBENCH_PYTHON_FT``  explicit interpreter paths
- ``GILBENCH_KEEP_FOUND=1``  keep a found pair even when it is not matched
- ``GILBENCH_TARBALL`` / ``GILBENCH_TARBALL_SHA256``  source tarball for a build
- ``GILBENCH_CACHE_DIR``  cache directory (default ``${XDG_CACHE_HOME:-~/.cache}/gilbench``)
- ``GILBENCH_CONFIGURE_ARGS``  extra configure flags, given to both builds
- ``GILBENCH_PROFILE``  build profile: ``plain`` (default) or ``optimized`` (PGO + LTO)
"""

from __future__ import annotations

import datetime as _dt
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runners.provision import source as _source
from runners.provision.build import build_pair
from runners.provision.cache import cache_root, cached_builds, provision_lock
from runners.provision.discover import Discovery, discover, probe
from runners.provision.model import (
    ARM_KINDS,
    DEFAULT_PROFILE,
    DEFAULT_VERSION,
    PROFILES,
    BadInput,
    Interpreter,
    Pair,
    ProvisionError,
    Rejected,
    VersionRequest,
    parse_profile,
    parse_version,
)

Log = Callable[[str], None]

ENV_VAR = {"gil": "GILBENCH_PYTHON_GIL", "ft": "GILBENCH_PYTHON_FT"}
OPTION = {"gil": "--python-gil", "ft": "--python-ft"}
_TRUE = {"1", "true", "yes", "on"}


def stderr_log(message: str) -> None:
    """Default progress output: one prefixed line on stderr."""
    print(f"[gilbench provision] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Settings:
    """Everything that steers discovery and building, resolved from arguments and env."""

    request: VersionRequest
    cache_dir: Path
    explicit: dict[str, tuple[Path, str]]
    keep_found: bool
    tarball: Path | None
    sha256: str | None
    configure_args: tuple[str, ...]
    """The profile's flags, then the user's."""
    profile: str = DEFAULT_PROFILE

    @classmethod
    def resolve(
        cls,
        version: str | None = None,
        *,
        gil_path: str | os.PathLike[str] | None = None,
        ft_path: str | os.PathLike[str] | None = None,
        keep_found: bool | None = None,
        tarball: str | os.PathLike[str] | None = None,
        sha256: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        configure_args: Sequence[str] | None = None,
        profile: str | None = None,
    ) -> Settings:
        """Arguments win over environment variables; ProvisionError on bad input."""
        env = os.environ
        profile = parse_profile(profile or env.get("GILBENCH_PROFILE") or DEFAULT_PROFILE)
        request = parse_version(version or env.get("GILBENCH_PYTHON_VERSION") or DEFAULT_VERSION)
        explicit: dict[str, tuple[Path, str]] = {}
        for kind, given in (("gil", gil_path), ("ft", ft_path)):
            if given:
                explicit[kind] = (Path(given).expanduser(), OPTION[kind])
            elif env.get(ENV_VAR[kind]):
                explicit[kind] = (Path(env[ENV_VAR[kind]]).expanduser(), ENV_VAR[kind])
        for path, origin in explicit.values():
            if not path.exists():
                raise BadInput(f"{origin}={path}: no such file")
        if keep_found is None:
            keep_found = env.get("GILBENCH_KEEP_FOUND", "").strip().lower() in _TRUE
        tarball = tarball or env.get("GILBENCH_TARBALL") or None
        if configure_args is None:
            try:
                configure_args = shlex.split(env.get("GILBENCH_CONFIGURE_ARGS", ""))
            except ValueError as exc:
                raise BadInput(f"GILBENCH_CONFIGURE_ARGS cannot be parsed: {exc}") from None
        bad = [arg for arg in configure_args if arg.startswith(("--prefix", "--disable-gil"))]
        if bad:
            raise BadInput(f"configure flag {bad[0]} is set by provisioning itself")
        profile_flags = PROFILES[profile]
        configure_args = [*profile_flags, *(a for a in configure_args if a not in profile_flags)]
        return cls(
            request=request,
            cache_dir=cache_root(cache_dir),
            explicit=explicit,
            keep_found=keep_found,
            tarball=Path(tarball).expanduser() if tarball else None,
            sha256=sha256 or env.get("GILBENCH_TARBALL_SHA256") or None,
            configure_args=tuple(configure_args),
            profile=profile,
        )


def discover_pair(settings: Settings, *, search_path: str | None = None) -> Discovery:
    """Run discovery only (never builds)."""
    return discover(
        settings.request,
        settings.cache_dir,
        settings.explicit,
        search_path=search_path,
        profile=settings.profile,
    )


def mismatch_warning(pair: Pair) -> str:
    """The loud multi-line warning for a pair kept although it is not matched."""
    lines = [
        "WARNING: the interpreter pair is NOT matched; ft-vs-gil differences include"
        " more than the free-threaded build:",
        *(f"  - {problem}" for problem in pair.mismatches),
        f"  gil: {pair.gil.path} ({pair.gil.version}, {pair.gil.source})",
        f"  ft:  {pair.ft.path} ({pair.ft.version}, {pair.ft.source})",
        "  (kept because of --keep-found / GILBENCH_KEEP_FOUND; results record the mismatch)",
    ]
    return "\n".join(lines)


def missing_guidance(settings: Settings, kinds: Sequence[str]) -> list[str]:
    """How to get each missing interpreter."""
    request = settings.request
    names = " and ".join(request.executable_name(kind) for kind in kinds)
    version = "" if request.text == DEFAULT_VERSION else f" --version {request.text}"
    if settings.profile != DEFAULT_PROFILE:
        version += f" --profile {settings.profile}"
    lines = [
        f"to get {names}:",
        f"  - build the matched pair into {settings.cache_dir}:"
        f" python -m runners.provision{version} ("
        + (
            "about 10 minutes on 2 cores; tox -e bench-gil,bench-ft does this by itself)"
            if settings.profile == DEFAULT_PROFILE
            else "PGO + LTO: several times longer than a plain build)"
        ),
    ]
    for kind in kinds:
        lines.append(
            f"  - or point gilbench at an existing one: {ENV_VAR[kind]}=/path/to/"
            f"{request.executable_name(kind)} (or {OPTION[kind]} PATH)"
        )
    lines.append(
        f"  - or put {names} on PATH"
        + (" (e.g. uv python install " + request.text + "t)" if "ft" in kinds else "")
    )
    return lines


def ensure_pair(
    version: str | None = None,
    *,
    gil_path: str | os.PathLike[str] | None = None,
    ft_path: str | os.PathLike[str] | None = None,
    keep_found: bool | None = None,
    build: bool = True,
    tarball: str | os.PathLike[str] | None = None,
    sha256: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    configure_args: Sequence[str] | None = None,
    log: Log | None = None,
    search_path: str | None = None,
    profile: str | None = None,
) -> Pair:
    """Return the verified interpreter pair for ``version``, building it when needed.

    Discovery order: explicit paths (arguments, then GILBENCH_PYTHON_GIL/_FT) → PATH →
    uv → build cache. Without a verified matched pair, the pair is built from one
    checksum-verified source (progress on stderr), unless ``keep_found`` keeps a found
    but unmatched pair (with a loud warning; ``pair.mismatches`` lists why) or
    ``build`` is False. Raises ProvisionError with a one-line message on failure.
    """
    log = log or stderr_log
    settings = Settings.resolve(
        version,
        gil_path=gil_path,
        ft_path=ft_path,
        keep_found=keep_found,
        tarball=tarball,
        sha256=sha256,
        cache_dir=cache_dir,
        configure_args=configure_args,
        profile=profile,
    )
    found = discover_pair(settings, search_path=search_path)
    gil, ft = found.select()
    if gil is not None and ft is not None:
        pair = Pair(gil, ft)
        if pair.matched:
            return pair
        if settings.keep_found:
            log(mismatch_warning(pair))
            return pair
        if found.explicit:
            named = ", ".join(sorted(found.explicit.values()))
            raise ProvisionError(
                f"the pair given by {named} is not matched ({'; '.join(pair.mismatches)});"
                " pass --keep-found (GILBENCH_KEEP_FOUND=1) to use it anyway, or unset it to"
                " let gilbench build a matched pair"
            )
        log(f"found {gil.path} and {ft.path}, but they are not a matched pair:")
        for problem in pair.mismatches:
            log(f"  - {problem}")
        log("building a matched pair instead (--keep-found keeps what was found)")
    else:
        missing = [
            kind for kind, interp in zip(ARM_KINDS, (gil, ft), strict=True) if interp is None
        ]
        if found.explicit:
            named = ", ".join(sorted(found.explicit.values()))
            other = " and ".join(ENV_VAR[kind] for kind in missing)
            raise ProvisionError(
                f"{named} is set, but no verified {settings.request.executable_name(missing[0])}"
                f" was found to pair with it; set {other} too, or unset {named} to let"
                " gilbench build a matched pair"
            )
        names = " and ".join(settings.request.executable_name(kind) for kind in missing)
        if not build:
            raise ProvisionError(f"no verified {names} found; " + " ".join(
                line.strip() for line in missing_guidance(settings, missing)))  # fmt: skip
        log(f"no verified {names} found; building the matched pair")
    for rejected in found.rejected:
        log(f"  (rejected {rejected.describe()})")
    if not build:
        raise ProvisionError("no matched pair found and building is disabled")
    return build_into_cache(settings, log)


def build_into_cache(settings: Settings, log: Log) -> Pair:
    """Under the cache lock: reuse a pair another process just built, or build one."""
    with provision_lock(settings.cache_dir, log):
        # Another provisioning (tox -p, a second terminal) may have finished meanwhile.
        pair = _cached_pair(settings)
        if pair is not None:
            log(f"reusing the pair built meanwhile: {pair.gil.path}, {pair.ft.path}")
            return pair
        stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        log_dir = settings.cache_dir / "logs" / f"{settings.request.text}-{stamp}"
        log_dir.mkdir(parents=True, exist_ok=True)
        verified = _source.acquire(
            settings.request,
            settings.cache_dir / "sources",
            log,
            tarball=settings.tarball,
            user_sha256=settings.sha256,
            log_dir=log_dir,
        )
        log(f"source: {verified.origin}, SHA-256 {verified.sha256} verified")
        built = build_pair(
            verified,
            settings.cache_dir,
            log,
            configure_args=settings.configure_args,
            log_dir=log_dir,
            profile=settings.profile,
        )
        interpreters = []
        for kind, path in (("gil", built.gil), ("ft", built.ft)):
            verdict = probe(path, "build-cache", kind, settings.request)
            if isinstance(verdict, Rejected):
                raise ProvisionError(f"the freshly built {verdict.describe()}")
            interpreters.append(verdict)
        pair = Pair(interpreters[0], interpreters[1])
        if not pair.matched:
            raise ProvisionError(f"the freshly built pair is not matched: {pair.mismatches}")
        return pair


def _cached_pair(settings: Settings) -> Pair | None:
    for build in cached_builds(settings.cache_dir, settings.request, settings.profile):
        gil = probe(build.gil, "build-cache", "gil", settings.request)
        ft = probe(build.ft, "build-cache", "ft", settings.request)
        if isinstance(gil, Interpreter) and isinstance(ft, Interpreter):
            pair = Pair(gil, ft)
            if pair.matched:
                return pair
    return None
