"""``python -m runners.bench``: see runners.bench.cli."""

import sys
from pathlib import Path

# `python -m` puts the working directory first on sys.path: run from a project with a
# `benchmarks` package of its own, that one would shadow gilbench's. gilbench's tree goes
# first instead (the working directory stays on the path, after it).
TREE = str(Path(__file__).resolve().parents[2])
if sys.path[0] != TREE:
    sys.path.insert(0, TREE)

from runners.bench.cli import main  # noqa: E402

sys.exit(main())
