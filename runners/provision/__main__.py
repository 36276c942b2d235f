"""``python -m runners.provision``: see runners.provision.cli."""

from __future__ import annotations

import sys

from runners.provision.cli import main

if __name__ == "__main__":
    sys.exit(main())
