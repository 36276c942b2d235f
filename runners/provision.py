"""Find or build the matched python3.13 / python3.13t pair (placeholder until issue 2 lands).

Interim contract: explicit paths from GILBENCH_PYTHON_GIL / GILBENCH_PYTHON_FT.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: str
    free_threaded: bool
    config_args: str
    source: str


@dataclass(frozen=True)
class Pair:
    gil: Interpreter
    ft: Interpreter


def ensure_pair(version: str = "3.13") -> Pair:
    gil = Path(os.environ["GILBENCH_PYTHON_GIL"])
    ft = Path(os.environ["GILBENCH_PYTHON_FT"])
    return Pair(
        Interpreter(gil, version, False, "", "explicit"),
        Interpreter(ft, version, True, "", "explicit"),
    )
