"""``python -m analysis.publish``: every published figure and quoted number, from docs/data/.

    python -m analysis.publish            # regenerate the figures and quoted numbers
    python -m analysis.publish --check    # regenerate nothing; compare the quoted numbers

The figures that README.md and docs/*.md show are build products of committed data:

- ``docs/scaling.png`` and ``docs/data/precision-2core/default-run-ratios.csv``: the
  report (``python -m analysis``) of the default run in docs/data/precision-2core/default-run/;
- ``docs/precision-2core.png``: precision against minutes, from designs.csv (the design
  study, ``analysis.design_study``);
- ``docs/scaling-16core.png``: the 16-core sweep's speedups, from
  docs/data/scaling-16core-benchmarks.csv;
- ``docs/sets-2core.png``: the interpreter sets, from docs/data/sets-2core/interpreter-sets.csv.

The quoted numbers come from the same data, from the gate's newest committed trial
(results/baselines/trials/) and from the shared-object sweep (docs/data/shared-object-2core/,
whose report's "Patterns that do not scale" table docs/shared-object-2core.md quotes whole).

A number that the documentation quotes from that data is written between two markers
that Markdown does not render, ``<!--q:KEY-->6 of 45<!--/q-->``: KEY names what the
data gives (see ``quote``), and publishing rewrites the text between the markers from
the data. ``--check`` only compares, and exits 1 naming every quoted number that is not
what the data gives (a number edited by hand, or data changed without publishing).

Exit status: 0 written or all equal, 1 a quoted number differs (``--check``), 2 bad input.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.publish.figures import FIGURES, core16_summary, publish_figures
from analysis.publish.quotes import QUOTES, quote
from analysis.publish.sources import (
    DATA,
    DOCS,
    PRECISION,
    ROOT,
    PublishError,
    Sources,
)
from concepts.files import atomic_write, exits_on_write_error

PROG = "python -m analysis.publish"
PAGES = (ROOT / "README.md", *sorted(DOCS.glob("*.md")))
"""The pages whose quoted numbers are checked."""

QUOTED = re.compile(r"<!--q:(?P<key>[\w.:-]+)-->(?P<text>.*?)<!--/q-->", re.DOTALL)


@dataclass(frozen=True)
class Difference:
    """A quoted number that is not what the data gives."""

    page: Path
    line: int
    key: str
    written: str
    expected: str

    def text(self) -> str:
        where = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return (
            f"{where}:{self.line}: {self.key}: written {self.written!r},"
            f" data gives {self.expected!r}"
        )


def requote(src: Sources, page: Path, text: str) -> tuple[str, list[Difference]]:
    """``text`` with every quoted number rewritten from the data, and what differed."""
    differences: list[Difference] = []

    def replace(match: re.Match[str]) -> str:
        key, written = match["key"].strip(), match["text"]
        expected = quote(src, key)
        if written.strip() != expected.strip():
            line = text.count("\n", 0, match.start()) + 1
            differences.append(Difference(page, line, key, written, expected))
        block = "\n" if "\n" in expected else ""
        return f"<!--q:{key}-->{block}{expected}{block}<!--/q-->"

    return QUOTED.sub(replace, text), differences


# ------------------------------------------------------------------ command line


def run(check: bool, report_dir: Path) -> list[Difference]:
    """Publish (or with ``check`` only compare); return the quoted numbers that differed."""
    src = Sources(report_dir, make_plots=not check)
    if not check:
        for path in publish_figures(src):
            print(f"wrote {path.relative_to(ROOT)}", flush=True)
    differences: list[Difference] = []
    for page in PAGES:
        text = page.read_text()
        new, found = requote(src, page, text)
        differences += found
        if not check and new != text:
            atomic_write(page, new)
            print(f"rewrote {len(found)} quoted number(s) in {page.relative_to(ROOT)}")
    return differences


@exits_on_write_error(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.publish``."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare every quoted number with the data; write nothing; exit 1 on a difference",
    )
    options = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="gilbench-publish-") as tmp:
            differences = run(options.check, Path(tmp))
    except PublishError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if options.check:
        for difference in differences:
            print(f"{PROG}: differs: {difference.text()}", file=sys.stderr)
        if differences:
            print(
                f"{PROG}: {len(differences)} quoted number(s) differ: run {PROG}", file=sys.stderr
            )
            return 1
        print(f"{PROG}: every quoted number is what the data gives")
    return 0


__all__ = [
    "DATA",
    "DOCS",
    "FIGURES",
    "PAGES",
    "PRECISION",
    "QUOTED",
    "QUOTES",
    "ROOT",
    "Difference",
    "PublishError",
    "Sources",
    "core16_summary",
    "main",
    "publish_figures",
    "quote",
    "requote",
    "run",
]
