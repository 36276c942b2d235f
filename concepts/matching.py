"""When two interpreter builds match: the one rule for provisioning, the report and the gate.

Standard library only.

A **matched pair** (a default build and a free-threaded build compared with each other)
is the same CPython version configured with the same flags, apart from
``--disable-gil`` and the options that only say where the interpreter is installed
(``--prefix``, ``--libdir``...; a pair lives in two places). The install prefix is
written as ``$prefix`` inside the flags that remain, so ``LDFLAGS=-Wl,-rpath=<prefix>/lib``
matches too; the order of the flags does not matter.

The **build profile** names what a build's configure flags make it: ``optimized``
(PGO and LTO: ``--enable-optimizations --with-lto``, what python.org, distributions and
the published free-threading figures use) or ``plain``. The regression gate's baseline
check compares a run with a baseline measured on another machine by profile only (paths
and toolchain options differ between machines without making a different kind of build).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

GIL_FLAG = "--disable-gil"

INSTALL_LOCATION_FLAGS: tuple[str, ...] = (
    "--prefix",
    "--exec-prefix",
    "--bindir",
    "--sbindir",
    "--libdir",
    "--libexecdir",
    "--includedir",
    "--datarootdir",
    "--datadir",
    "--mandir",
    "--docdir",
    "--sysconfdir",
    "--localstatedir",
)
"""Configure options that only say where an interpreter is installed."""

PERFORMANCE_FLAGS: tuple[str, ...] = (
    GIL_FLAG,
    "--enable-optimizations",
    "--with-lto",
    "--with-pydebug",
    "--enable-experimental-jit",
    "--with-tail-call-interp",
    "--enable-shared",
    "--with-assertions",
    "--with-trace-refs",
    "--with-address-sanitizer",
    "--with-thread-sanitizer",
    "--with-memory-sanitizer",
    "--without-pymalloc",
    "--without-mimalloc",
    "--enable-bolt",
    "--without-computed-gotos",
)
"""Configure options that change how fast the interpreter is (``--with-lto=full`` counts
as ``--with-lto``)."""


def split_flags(config_args: str | None) -> list[str]:
    """sysconfig CONFIG_ARGS split into flags (unsplittable text is split on spaces)."""
    if not config_args:
        return []
    try:
        return shlex.split(config_args)
    except ValueError:
        return config_args.split()


def _option(flag: str) -> str:
    return flag.split("=", 1)[0]


def comparable_flags(config_args: str | None) -> list[str]:
    """The flags that must be equal in a matched pair, sorted (see the module docstring)."""
    flags = split_flags(config_args)
    prefix = next((f.split("=", 1)[1] for f in flags if _option(f) == "--prefix"), "")
    kept = [
        flag.replace(prefix, "$prefix") if prefix else flag
        for flag in flags
        if flag != GIL_FLAG and _option(flag) not in INSTALL_LOCATION_FLAGS
    ]
    return sorted(kept)


def performance_flags(config_args: str | None) -> list[str]:
    """The performance-relevant options of a build (``--disable-gil`` included), sorted."""
    return sorted({_option(f) for f in split_flags(config_args) if _option(f) in PERFORMANCE_FLAGS})


PROFILES: dict[str, tuple[str, ...]] = {
    "plain": (),
    "optimized": ("--enable-optimizations", "--with-lto"),
}
"""Build profiles: the configure flags a profile adds to both builds of a pair. Every
published free-threading figure (and every interpreter users install from a
distribution, uv or setup-python) comes from ``optimized`` builds."""


def profile_of(flags: Sequence[str]) -> str:
    """The profile configure flags amount to: ``optimized`` when they hold PGO and LTO
    (``--enable-optimizations`` and ``--with-lto``, any LTO flavour), else ``plain``."""
    pgo = "--enable-optimizations" in flags
    lto = any(flag == "--with-lto" or flag.startswith("--with-lto=") for flag in flags)
    return "optimized" if pgo and lto else "plain"


def build_profile(config_args: str | None) -> str:
    """:func:`profile_of` a CONFIG_ARGS string; ``?`` when it is not known."""
    if config_args is None:
        return "?"
    return profile_of(split_flags(config_args))


def pair_mismatches(
    gil_version: str | None,
    gil_config: str | None,
    ft_version: str | None,
    ft_config: str | None,
    *,
    names: Sequence[str] = ("gil", "ft"),
) -> list[str]:
    """Why two builds are not a matched pair (empty: matched). Unknown fields are not compared.

    ``names`` label the two sides in the messages (default ``gil`` and ``ft``).
    """
    a, b = names
    problems: list[str] = []
    if gil_version and ft_version and gil_version != ft_version:
        problems.append(f"versions differ: {a} {gil_version}, {b} {ft_version}")
    if gil_config is not None and ft_config is not None:
        gil_flags, ft_flags = comparable_flags(gil_config), comparable_flags(ft_config)
        if gil_flags != ft_flags:
            only_a = [flag for flag in gil_flags if flag not in ft_flags]
            only_b = [flag for flag in ft_flags if flag not in gil_flags]
            problems.append(
                f"configure flags differ beyond {GIL_FLAG} and install locations "
                f"(only {a}: {shlex.join(only_a) or '-'}; only {b}: {shlex.join(only_b) or '-'})"
            )
    return problems
