"""Writing files atomically: a reader sees the old file or the new one, never half of one.

The one helper for every file gilbench writes (results, reports, plots, baselines):
the content goes to a temporary name in the target folder, which is then renamed over
the target. Files get the permissions a plain ``open(path, "w")`` would give (not
mkstemp's 0600). ``publish`` also never overwrites an earlier result without keeping it:
the old file moves to ``history/<stem>.<timestamp><suffix>`` beside it first. Standard
library only, so the measurement side and the analysis share it.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: Path, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    For writers that want a file name (``savefig``, ``dump``). On an exception the
    temporary file is removed and ``path`` is left as it was. ``fsync``: flush the new
    file to disk before the rename (result files that must survive a crash).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if fsync:
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str, *, fsync: bool = False) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; return ``path``."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path


HISTORY_DIR = "history"


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
    atomic_write(path, text, fsync=True)
    return kept
