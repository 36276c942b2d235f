"""Writing files atomically: a reader sees the old file or the new one, never half of one.

The one helper for every file gilbench writes (results, reports, plots, baselines):
the content goes to a temporary name in the target folder, which is then renamed over
the target. Files get the permissions a plain ``open(path, "w")`` would give (not
mkstemp's 0600). ``publish`` also never overwrites an earlier result without keeping it:
the old file moves to ``history/<stem>.<timestamp><suffix>`` beside it first. Standard
library only, so the measurement side and the analysis share it.

A write that fails (a full disk, a folder without write permission) raises
``WriteError``: an ``OSError`` whose message is one line naming the path, with no
temporary file left behind and the previous file untouched. Every command's ``main``
is wrapped in ``exits_on_write_error``, which prints that line and exits
``EXIT_WRITE_FAILED`` (74, ``EX_IOERR`` of sysexits.h): what a command finished before
stays where it was written.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec

EXIT_WRITE_FAILED = 74
"""Exit status of a command that could not write a file (sysexits.h EX_IOERR)."""

_P = ParamSpec("_P")


class WriteError(OSError):
    """A file could not be written; ``str()`` is one line naming the path and the cause."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(cause.errno, f"cannot write {path}: {cause.strerror or cause}")
        self.path = path

    def __str__(self) -> str:
        return str(self.strerror)


def exits_on_write_error(prog: str) -> Callable[[Callable[_P, int]], Callable[_P, int]]:
    """Decorate a command's ``main``: a ``WriteError`` becomes one line on stderr and
    ``EXIT_WRITE_FAILED`` instead of a traceback."""

    def decorate(main: Callable[_P, int]) -> Callable[_P, int]:
        @functools.wraps(main)
        def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except WriteError as exc:
                print(f"{prog}: error: {exc} (what finished before it is kept)", file=sys.stderr)
                return EXIT_WRITE_FAILED

        return wrapped

    return decorate


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if fsync:
            with tmp.open("rb") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except WriteError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteError(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str, *, fsync: bool = False) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; return ``path``."""
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path


RESULTS_DIR_VAR = "GILBENCH_RESULTS_DIR"
"""Where results go when set (tox sets it for an interpreter set other than the default
one: ``results/sets/<set>``)."""


def default_results_dir() -> Path:
    """Where results go by default: ``$GILBENCH_RESULTS_DIR``, else ``results``."""
    return Path(os.environ.get(RESULTS_DIR_VAR) or "results")


HISTORY_DIR = "history"


def keep_previous(path: Path) -> Path | None:
    """Move an existing ``path`` into the history folder; return where it went (None if absent)."""
    if not path.exists():
        return None
    stamp = _dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y%m%dT%H%M%S")
    history = path.parent / HISTORY_DIR
    target = history / f"{path.stem}.{stamp}{path.suffix}"
    counter = 1
    while target.exists():
        target = history / f"{path.stem}.{stamp}-{counter}{path.suffix}"
        counter += 1
    try:
        history.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    except OSError as exc:
        raise WriteError(target, exc) from exc
    return target


def publish(path: Path, text: str) -> Path | None:
    """Keep any previous ``path`` in history, then atomically write ``text`` there.

    Returns where the previous file was kept, or None when there was none.
    """
    kept = keep_previous(path)
    atomic_write(path, text, fsync=True)
    return kept
