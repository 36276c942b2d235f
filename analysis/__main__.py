"""``python -m analysis``: load results, write the report (README.md, CSVs, plots).

Exit status: 0 when the report was written (possibly saying what is missing), 1 with
``--strict`` when an input file had to be skipped or something is missing, 2 when
there is nothing to analyse (no such directory, no result file, no loadable file) or
the report cannot be written. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.load import LoadError, load_results
from analysis.regress.history import history_path
from analysis.report import build_report
from concepts.files import exits_on_write_error

DEFAULT_RESULTS = Path("results")
DEFAULT_OUTPUT = Path("results/report")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis",
        description=(
            "Analyse gilbench results: read results/bench-<arm>.json (pyperf) and "
            "results/races-<arm>.json, compute time per op, speedup, ft/gil ratios with "
            "t intervals over processes, lock cost, race-loss rates, crossover, single-thread "
            "overhead, achieved parallelism, fairness, hand-off latency, peak memory and "
            "ownership cost, and write README.md, CSV tables and five plots (PNG + SVG)."
        ),
        epilog=(
            "Examples: python -m analysis  |  python -m analysis --results other-machine/ "
            "--output /tmp/report  |  python -m analysis results/bench-gil.json "
            "results/bench-ft.json timeit.json. Input files are never modified; "
            "results/history/ and results/report/ are not read. Exit status: 0 report "
            "written (it says what is missing), 1 with --strict when a file was skipped or "
            "something is missing, 2 nothing to analyse or the report cannot be written."
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="result files or directories (same as --results; default: results/)",
    )
    p.add_argument(
        "--results",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a results directory (its bench-*.json and races-*.json) or a result file; "
        "repeat to put machines or versions side by side",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help=f"where the report goes (default: {DEFAULT_OUTPUT})",
    )
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument(
        "--record-history",
        action="store_true",
        help="append the gated ratios of every interleaved session to "
        "<results>/history/metrics.jsonl, once per session (tox -e analysis does); the "
        "trend section reads that file",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when an input file was skipped or a result is missing",
    )
    return p


@exits_on_write_error("analysis")
def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sources: list[Path] = [*args.results, *args.paths] or [DEFAULT_RESULTS]
    try:
        results = load_results(sources)
    except LoadError as exc:
        print(f"analysis: error: {exc}", file=sys.stderr)
        return 2
    if not results.files:
        where = ", ".join(map(str, sources))
        if results.problems:
            print(f"analysis: error: nothing loadable: {results.problems[0]}", file=sys.stderr)
            for problem in results.problems[1:]:
                print(f"analysis: error: {problem}", file=sys.stderr)
        else:
            print(
                f"analysis: error: no bench-*.json or races-*.json in {where} "
                "(run the benchmarks first: tox -e bench-gil,bench-ft)",
                file=sys.stderr,
            )
        return 2
    for problem in results.problems:
        print(f"analysis: warning: skipped: {problem}", file=sys.stderr)
    output = args.output
    if output.exists() and not output.is_dir():
        print(f"analysis: error: --output {output} exists and is not a directory", file=sys.stderr)
        return 2
    try:
        outcome = build_report(
            results,
            output,
            make_plots=not args.no_plots,
            history_file=history_path(sources[0]) if sources[0].is_dir() else None,
            record_history=args.record_history,
        )
    except OSError as exc:
        print(f"analysis: error: cannot write the report to {output}: {exc}", file=sys.stderr)
        return 2
    for warning in outcome.warnings:
        print(f"analysis: warning: {warning}", file=sys.stderr)
    for missing in outcome.missing:
        print(f"analysis: missing: {missing}", file=sys.stderr)
    for note in outcome.notes:
        print(f"analysis: note: {note}", file=sys.stderr)
    for artefact in outcome.artefacts:
        print(f"analysis: measurement artefact: {artefact.line()}", file=sys.stderr)
    print(
        f"analysis: wrote {output / 'README.md'} ({len(outcome.plots) // 2} plots, "
        f"{len(results.files)} input files)"
    )
    if args.strict and (results.problems or outcome.missing):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
