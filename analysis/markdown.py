"""Markdown for every report gilbench writes (the analysis report, the interpreter sets, the gate):
numbers formatted for a reader, and tables with their cells escaped. A leaf: it imports
nothing of gilbench."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

# --------------------------------------------------------------------------- formatting


def num(value: object) -> float:
    """``value`` as a float; NaN for None, NA and anything not numeric."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _finite(value: object) -> bool:
    return math.isfinite(num(value))


def fmt_ratio(point: object, lo: object = None, hi: object = None) -> str:
    """``1.50× [1.39–1.62]``, or ``–`` when not measured."""
    if not _finite(point):
        return "–"
    text = f"{num(point):.2f}×"
    if _finite(lo) and _finite(hi):
        text += f" [{num(lo):.2f}–{num(hi):.2f}]"
    return text


def fmt_pct(value: object, digits: int = 1) -> str:
    return f"{100 * num(value):.{digits}f}%" if _finite(value) else "–"


def fmt_ns(value: object) -> str:
    return f"{num(value):.1f}" if _finite(value) else "–"


def md_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower() or "group"


def _count(value: object, singular: str, plural: str | None = None) -> str:
    """``1 family``, ``3 families``."""
    n = int(num(value)) if _finite(value) else 0
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _fmt_s(value: object) -> str:
    """Seconds as µs or ns text."""
    if not _finite(value):
        return "–"
    seconds = num(value)
    return f"{seconds * 1e6:.1f} µs" if seconds >= 1e-6 else f"{seconds * 1e9:.0f} ns"
