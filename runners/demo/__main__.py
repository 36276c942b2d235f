"""``python -m runners.demo``: see runners.demo.driver."""

from __future__ import annotations

import sys

from runners.demo.driver import main

if __name__ == "__main__":
    sys.exit(main())
