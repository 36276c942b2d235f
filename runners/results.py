"""Result files: written atomically, and never overwriting an earlier result without keeping it.

A reader (or an interrupted run) only ever sees a complete old file or a complete new
one. An existing result is moved to ``<results>/history/<stem>.<timestamp><suffix>``
before its replacement lands, outside the ``bench-*.json`` glob analysis reads.
"""

from __future__ import annotations

import os
from pathlib import Path

from concepts.files import HISTORY_DIR, atomic_write, keep_previous, publish

__all__ = ["HISTORY_DIR", "atomic_write_text", "default_results_dir", "keep_previous", "publish"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, flushed to disk (concepts.files)."""
    atomic_write(path, text, fsync=True)


def default_results_dir() -> Path:
    """Where results go by default: ``$GILBENCH_RESULTS_DIR`` (tox sets it for an
    interpreter set other than the default one: ``results/sets/<set>``), else ``results``."""
    return Path(os.environ.get("GILBENCH_RESULTS_DIR") or "results")
