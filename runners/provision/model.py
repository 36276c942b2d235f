"""What provisioning deals in: version requests, verified interpreters, and matched pairs.

A pair is *matched* when both interpreters are the same CPython version built with the
same configure flags, apart from ``--disable-gil`` and the install locations (the rule
is :mod:`concepts.matching`'s). Only a matched pair separates the cost of the
free-threaded build from everything else.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concepts import matching
from concepts.matching import PROFILES, profile_of

DEFAULT_VERSION = "3.13"
FIRST_FREE_THREADED = (3, 13)
"""Free-threaded builds (``--disable-gil``) exist from CPython 3.13 on."""

ARM_KINDS = ("gil", "ft")
"""The two interpreters of a pair: the default build and the free-threaded build."""

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+)((?:a|b|rc)\d+)?)?$")


class ProvisionError(Exception):
    """Provisioning cannot go on; the message is one line meant for the user."""


class BadInput(ProvisionError):
    """What the user gave (a path, a version, a checksum, a flag) is unusable."""


@dataclass(frozen=True)
class VersionRequest:
    """The CPython version asked for: ``3.13`` (any 3.13.x) or an exact ``3.13.5``."""

    text: str
    major: int
    minor: int
    exact: bool

    @property
    def minor_version(self) -> str:
        """``"3.13"`` for both ``3.13`` and ``3.13.5``."""
        return f"{self.major}.{self.minor}"

    def executable_name(self, kind: str) -> str:
        """``python3.13`` for the gil kind, ``python3.13t`` for the ft kind."""
        return f"python{self.minor_version}{'t' if kind == 'ft' else ''}"

    def accepts(self, version: str) -> bool:
        """True when an interpreter reporting ``version`` satisfies this request."""
        if self.exact:
            return version == self.text
        match = _VERSION_RE.match(version)
        if match is None:
            return False
        return (int(match[1]), int(match[2])) == (self.major, self.minor)


def parse_version(text: str) -> VersionRequest:
    """Parse ``3.13`` / ``3.13.5`` / ``3.14.0rc1``; ProvisionError on anything else."""
    text = text.strip()
    match = _VERSION_RE.match(text)
    if not match:
        raise BadInput(
            f"invalid Python version {text!r}: expected MAJOR.MINOR (3.13) or MAJOR.MINOR.PATCH"
            " (3.13.5)"
        )
    major, minor = int(match[1]), int(match[2])
    if (major, minor) < FIRST_FREE_THREADED:
        raise BadInput(
            f"Python {text} has no free-threaded build (those exist from"
            f" {'.'.join(map(str, FIRST_FREE_THREADED))} on)"
        )
    return VersionRequest(text, major, minor, exact=match[3] is not None)


def version_key(version: str) -> tuple[int, int, int, str]:
    """Sort key for version strings (final releases after their pre-releases)."""
    match = _VERSION_RE.match(version)
    if not match:
        return (0, 0, 0, "")
    return (int(match[1]), int(match[2]), int(match[3] or 0), match[4] or "~")


DEFAULT_PROFILE = "plain"
"""The profile provisioning builds unless told otherwise (concepts.matching.PROFILES)."""


def parse_profile(text: str) -> str:
    """A known profile name; BadInput otherwise."""
    name = text.strip().lower()
    if name not in PROFILES:
        raise BadInput(f"unknown build profile {text!r}; known: {', '.join(PROFILES)}")
    return name


def kind_label(free_threaded: bool) -> str:
    """Human name of a build kind."""
    return "free-threaded" if free_threaded else "default (GIL)"


@dataclass(frozen=True)
class Interpreter:
    """A verified interpreter: what running it reported, and where it was found."""

    path: Path
    version: str
    free_threaded: bool
    config_args: str
    """sysconfig CONFIG_ARGS: the configure command line, shell-quoted."""
    source: str
    """Where discovery found it: explicit, PATH, uv or build-cache."""

    @property
    def kind(self) -> str:
        """``ft`` or ``gil``."""
        return "ft" if self.free_threaded else "gil"

    @property
    def build_kind(self) -> str:
        """``free-threaded`` or ``default (GIL)``."""
        return kind_label(self.free_threaded)

    def configure_flags(self) -> list[str]:
        """CONFIG_ARGS split into flags (unsplittable text is kept whole)."""
        try:
            return shlex.split(self.config_args)
        except ValueError:
            return [self.config_args]

    @property
    def profile(self) -> str:
        """The build profile its configure flags amount to (``plain`` / ``optimized``)."""
        return profile_of(self.configure_flags())

    def comparable_flags(self) -> list[str]:
        """Configure flags that must be equal in a matched pair (concepts.matching)."""
        return matching.comparable_flags(self.config_args)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "path": str(self.path),
            "version": self.version,
            "free_threaded": self.free_threaded,
            "build_kind": self.build_kind,
            "config_args": self.config_args,
            "profile": self.profile,
            "source": self.source,
        }


def pair_mismatches(gil: Interpreter, ft: Interpreter) -> list[str]:
    """Why ``gil`` and ``ft`` are not a matched pair (empty list: they are matched)."""
    problems: list[str] = []
    if gil.free_threaded:
        problems.append(f"{gil.path} (gil arm) is a free-threaded build")
    if not ft.free_threaded:
        problems.append(f"{ft.path} (ft arm) is a default (GIL) build")
    problems += matching.pair_mismatches(gil.version, gil.config_args, ft.version, ft.config_args)
    return problems


@dataclass(frozen=True)
class Pair:
    """The two interpreters of a comparison."""

    gil: Interpreter
    ft: Interpreter

    @property
    def mismatches(self) -> list[str]:
        """Why the pair is not matched; record this with results (empty when matched)."""
        return pair_mismatches(self.gil, self.ft)

    @property
    def matched(self) -> bool:
        """Same version and same configure flags apart from --disable-gil."""
        return not self.mismatches

    @property
    def profile(self) -> str:
        """The pair's build profile (the gil build's; a matched pair's builds agree)."""
        return self.gil.profile

    @property
    def label(self) -> str:
        """The interpreter set's name: version and profile, e.g. ``3.13.5-optimized``."""
        return f"{self.gil.version}-{self.profile}"

    def get(self, kind: str) -> Interpreter:
        """The ``gil`` or ``ft`` interpreter."""
        if kind not in ARM_KINDS:
            raise ValueError(f"unknown interpreter kind {kind!r}; expected gil or ft")
        return self.gil if kind == "gil" else self.ft

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, including the mismatch list."""
        return {
            "gil": self.gil.to_dict(),
            "ft": self.ft.to_dict(),
            "matched": self.matched,
            "mismatches": self.mismatches,
            "profile": self.profile,
            "label": self.label,
        }


@dataclass(frozen=True)
class Rejected:
    """A candidate that was tried and refused, with the reason."""

    kind: str
    path: Path
    source: str
    reason: str

    def describe(self) -> str:
        """One line: path (source): reason."""
        return f"{self.path} ({self.source}, as {self.kind}): {self.reason}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready fields."""
        return {
            "kind": self.kind,
            "path": str(self.path),
            "source": self.source,
            "reason": self.reason,
        }
