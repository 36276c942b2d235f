"""Pieces shared by the experiments that write their own JSON file (races, latency).

Both run cells of trials in this process, keep every finished trial when interrupted
(Ctrl-C, SIGTERM, SIGHUP) or when a trial fails, and record when, where and how
completely they ran next to the interpreter's identity.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from concepts.arms import Arm
from concepts.files import publish
from runners.identity import ArmMismatch, check_arm, gil_enabled, usable_cpus

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class Terminated(Exception):
    """SIGTERM / SIGHUP arrived: handled like Ctrl-C (finished trials are written)."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signal.Signals(signum).name)


@dataclass
class Ending:
    """How a run ended: None and None when it completed."""

    interrupted: str | None = None
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.interrupted is None and self.error is None


def run_keeping_trials(body: Callable[[], None]) -> Ending:
    """Run ``body``; an interruption or an unexpected error ends it, and is returned.

    SIGTERM and SIGHUP are handled like Ctrl-C while ``body`` runs (then the previous
    handlers are restored), so that the caller can write the trials that finished.
    """
    handled = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)
    previous_handlers = {sig: signal.signal(sig, _on_signal) for sig in handled}
    ending = Ending()
    try:
        body()
    except KeyboardInterrupt:
        ending.interrupted = "KeyboardInterrupt"
    except Terminated as exc:
        ending.interrupted = str(exc)
    except Exception as exc:
        ending.error = f"{type(exc).__name__}: {exc}"
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    return ending


def run_metadata(started: _dt.datetime, wall_seconds: float, ending: Ending) -> dict[str, Any]:
    """When, where and how completely the run went, and the GIL state at its end (and the
    ``session`` of the tox invocation that ran this arm with others: toxfile.py)."""
    session = (
        {"session": os.environ["GILBENCH_SESSION"]} if os.environ.get("GILBENCH_SESSION") else {}
    )
    return {
        **session,
        "gil_enabled_at_end": gil_enabled(),
        "date": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "hostname": platform.node(),
        "platform": platform.platform(),
        "usable_cpus": usable_cpus(),
        "complete": ending.complete,
        "interrupted": ending.interrupted,
        "error": ending.error,
        "command": sys.argv,
    }


def arm_refused(prog: str, arm: Arm, *, discarded: int | None = None) -> bool:
    """Check the observed GIL state against ``arm``; on a mismatch say why and return True.

    ``discarded``: the finished trials that a mismatch after the trials throws away
    (None: the check before any trial). Either way nothing is written.
    """
    try:
        check_arm(arm, when="at start" if discarded is None else "after the trials")
    except ArmMismatch as exc:
        lost = "" if discarded is None else f"; {discarded} trials discarded"
        print(f"{prog}: refusing arm {arm.name}: {exc}{lost}; nothing written", file=sys.stderr)
        return True
    return False


def publish_document(
    prog: str, path: Path, document: dict[str, Any], trials: int, wall_seconds: float
) -> bool:
    """Write ``document`` to ``path`` (concepts.files.publish); False when it cannot."""
    try:
        kept = publish(path, json.dumps(document, indent=1) + "\n")
    except OSError as exc:
        print(f"{prog}: error: cannot write {path}: {exc}", file=sys.stderr)
        return False
    note = f" (previous file kept as {kept})" if kept else ""
    print(f"{prog}: wrote {trials} trials to {path}{note} in {wall_seconds:.1f}s", file=sys.stderr)
    return True


def ending_status(prog: str, ending: Ending, finished: int) -> int:
    """Say on stderr how an incomplete run ended; return its exit status (0: complete)."""
    if ending.complete:
        return 0
    what = f"interrupted ({ending.interrupted})" if ending.interrupted else f"error: {ending.error}"
    print(
        f"{prog}: {what}; the {finished} finished trials were written, marked incomplete",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED if ending.interrupted else EXIT_ERROR


__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "Ending",
    "Terminated",
    "arm_refused",
    "ending_status",
    "publish_document",
    "run_keeping_trials",
    "run_metadata",
]
