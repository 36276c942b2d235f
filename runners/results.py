"""Result files: written atomically, and never overwriting an earlier result without keeping it.

A reader (or an interrupted run) only ever sees a complete old file or a complete new
one. An existing result is moved to ``<results>/history/<stem>.<timestamp><suffix>``
before its replacement lands, outside the ``bench-*.json`` glob analysis reads.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from concepts.files import atomic_write

HISTORY_DIR = "history"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, flushed to disk (concepts.files)."""
    atomic_write(path, text, fsync=True)


def keep_previous(path: Path) -> Path | None:
    """Move an existing ``path`` into the history folder; return where it went (None if absent)."""
    if not path.exists():
        return None
    stamp = _dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y%m%dT%H%M%S")
    history = path.parent / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    target = history / f"{path.stem}.{stamp}{path.suffix}"
    counter = 1
    while target.exists():
        target = history / f"{path.stem}.{stamp}-{counter}{path.suffix}"
        counter += 1
    os.replace(path, target)
    return target


def publish(path: Path, text: str) -> Path | None:
    """Keep any previous ``path`` in history, then atomically write ``text`` there.

    Returns where the previous file was kept, or None when there was none.
    """
    kept = keep_previous(path)
    atomic_write_text(path, text)
    return kept


def default_results_dir() -> Path:
    """Where results go by default: ``$GILBENCH_RESULTS_DIR`` (tox sets it for an
    interpreter set other than the default one: ``results/sets/<set>``), else ``results``."""
    return Path(os.environ.get("GILBENCH_RESULTS_DIR") or "results")
