"""Command line of ``python -m runners.provision``: find or build the pair, or just check.

Exit status: 0 a verified matched pair (or an unmatched one kept with --keep-found);
1 an interpreter is missing or provisioning failed; 2 bad input; 3 (--check only) a
pair was found but it is not matched.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from runners.provision.discover import Discovery
from runners.provision.ensure import (
    ENV_VAR,
    Settings,
    discover_pair,
    ensure_pair,
    mismatch_warning,
    missing_guidance,
)
from runners.provision.model import (
    ARM_KINDS,
    PROFILES,
    BadInput,
    Interpreter,
    Pair,
    ProvisionError,
)

EXIT_OK, EXIT_MISSING, EXIT_BAD_INPUT, EXIT_MISMATCH = 0, 1, 2, 3

EPILOG = """\
environment variables (options win over them):
  GILBENCH_PYTHON_VERSION   version to provision (default 3.13)
  GILBENCH_PYTHON_GIL       path of the default-build interpreter (python3.13)
  GILBENCH_PYTHON_FT        path of the free-threaded interpreter (python3.13t)
  GILBENCH_KEEP_FOUND=1     same as --keep-found
  GILBENCH_TARBALL, GILBENCH_TARBALL_SHA256   same as --tarball, --sha256
  GILBENCH_CACHE_DIR        cache (default ${XDG_CACHE_HOME:-~/.cache}/gilbench)
  GILBENCH_CONFIGURE_ARGS   extra configure flags for both builds
  GILBENCH_PROFILE          same as --profile

discovery order: explicit paths, python3.13/python3.13t on PATH, uv-managed
interpreters, the build cache; without a verified matched pair, the pair is built
from one checksum-verified CPython tarball (--tarball, python.org, or Debian's
source package via apt) into the cache.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate for --help tests)."""
    parser = argparse.ArgumentParser(
        prog="python -m runners.provision",
        description="Find or build the matched python3.13 / python3.13t pair gilbench compares.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", help="CPython version: 3.13 (default), 3.14, 3.13.5, ...")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="build profile: plain (default; about 10 minutes for a pair on 2 cores) or"
        " optimized (--enable-optimizations --with-lto, as published figures and installed"
        " interpreters use), each in a cache of its own",
    )
    parser.add_argument("--python-gil", metavar="PATH", help="use this default-build interpreter")
    parser.add_argument("--python-ft", metavar="PATH", help="use this free-threaded interpreter")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only report what discovery finds (never builds); non-zero when an arm is missing",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--print-path",
        choices=ARM_KINDS,
        metavar="{gil,ft}",
        help="print only the path of that interpreter",
    )
    parser.add_argument(
        "--keep-found",
        action="store_true",
        default=None,
        help="keep a found pair that is not matched (warns; the mismatch is recorded)",
    )
    parser.add_argument("--tarball", metavar="PATH", help="build from this CPython source tarball")
    parser.add_argument(
        "--sha256", metavar="HEX", help="checksum for a version not in the pinned table"
    )
    parser.add_argument("--cache-dir", metavar="DIR", help="cache directory")
    parser.add_argument(
        "--configure-arg",
        action="append",
        metavar="FLAG",
        help="extra configure flag for both builds, repeatable: --configure-arg=--with-lto",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.resolve(
            args.version,
            gil_path=args.python_gil,
            ft_path=args.python_ft,
            keep_found=args.keep_found,
            tarball=args.tarball,
            sha256=args.sha256,
            cache_dir=args.cache_dir,
            configure_args=args.configure_arg,
            profile=args.profile,
        )
        if args.check:
            return _check(settings, args)
        pair = ensure_pair(
            settings.request.text,
            gil_path=args.python_gil,
            ft_path=args.python_ft,
            keep_found=settings.keep_found,
            tarball=args.tarball,
            sha256=args.sha256,
            cache_dir=settings.cache_dir,
            configure_args=settings.configure_args,
            profile=settings.profile,
        )
    except ProvisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, BadInput) else EXIT_MISSING
    except KeyboardInterrupt:
        print("error: interrupted (nothing half-built is left in the cache)", file=sys.stderr)
        return 130
    if args.print_path:
        print(pair.get(args.print_path).path)
    elif args.json:
        print(json.dumps(_report(settings, pair.gil, pair.ft, None, "ok"), indent=2))
    else:
        print("\n".join(_text(settings, pair.gil, pair.ft, None)))
    return EXIT_OK


def _check(settings: Settings, args: argparse.Namespace) -> int:
    found = discover_pair(settings)
    gil, ft = found.select()
    missing = [kind for kind, interp in zip(ARM_KINDS, (gil, ft), strict=True) if interp is None]
    pair = Pair(gil, ft) if gil is not None and ft is not None else None
    if missing:
        status, code = "missing", EXIT_MISSING
    elif pair is not None and not pair.matched:
        status = "mismatched"
        code = EXIT_OK if settings.keep_found else EXIT_MISMATCH
    else:
        status, code = "ok", EXIT_OK
    if args.print_path:
        interp = gil if args.print_path == "gil" else ft
        if interp is not None:
            print(interp.path)
    elif args.json:
        report = _report(settings, gil, ft, found, status)
        if missing:
            report["how_to_fix"] = missing_guidance(settings, missing)
        print(json.dumps(report, indent=2))
    else:
        print("\n".join(_text(settings, gil, ft, found)))
    if missing:
        names = " and ".join(settings.request.executable_name(kind) for kind in missing)
        print(f"error: no verified {names} found", file=sys.stderr)
        for line in missing_guidance(settings, missing):
            print(line, file=sys.stderr)
    elif pair is not None and not pair.matched:
        print(mismatch_warning(pair), file=sys.stderr)
        if not settings.keep_found:
            print(
                "python -m runners.provision would build a matched pair instead;"
                " --keep-found accepts this one",
                file=sys.stderr,
            )
    return code


def _report(
    settings: Settings,
    gil: Interpreter | None,
    ft: Interpreter | None,
    found: Discovery | None,
    status: str,
) -> dict[str, Any]:
    pair = Pair(gil, ft) if gil is not None and ft is not None else None
    return {
        "status": status,
        "version_request": settings.request.text,
        "profile_request": settings.profile,
        "set": pair.label if pair else None,
        "cache_dir": str(settings.cache_dir),
        "gil": gil.to_dict() if gil else None,
        "ft": ft.to_dict() if ft else None,
        "matched": pair.matched if pair else False,
        "mismatches": pair.mismatches if pair else [],
        "rejected": [r.to_dict() for r in found.rejected] if found else [],
    }


def _text(
    settings: Settings, gil: Interpreter | None, ft: Interpreter | None, found: Discovery | None
) -> list[str]:
    request = settings.request
    lines = [
        f"gilbench interpreters for Python {request.text}, {settings.profile} profile"
        f" (cache {settings.cache_dir})"
    ]
    for kind, interp in (("gil", gil), ("ft", ft)):
        name = request.executable_name(kind)
        if interp is None:
            lines.append(f"  {kind:<4}{name:<14}MISSING (set {ENV_VAR[kind]} or see below)")
            continue
        lines += [
            f"  {kind:<4}{name:<14}{interp.path}",
            f"  {'':<18}version {interp.version}, {interp.build_kind} build,"
            f" found via {interp.source}",
            f"  {'':<18}configure flags: {interp.config_args or '(none recorded)'}",
        ]
    if gil is not None and ft is not None:
        pair = Pair(gil, ft)
        if pair.matched:
            lines.append(
                "  pair: matched (same version, same configure flags apart from"
                f" --disable-gil and --prefix); interpreter set {pair.label}"
            )
        else:
            lines.append("  pair: NOT MATCHED")
            lines += [f"    - {problem}" for problem in pair.mismatches]
    if found is not None and found.rejected:
        lines.append("  rejected candidates:")
        lines += [f"    {rejected.describe()}" for rejected in found.rejected]
    return lines
