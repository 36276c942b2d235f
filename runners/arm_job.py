"""One arm's whole job, as each bench-* tox environment runs it.

Prints and verifies the interpreter's identity and observed GIL state (refusing an arm
whose state is not the expected one), then runs the benchmarks and the race trials.
"""

from __future__ import annotations

import argparse
import sys

from runners.arms import ARMS, get_arm
from runners.identity import ArmMismatch, check_arm, interpreter_metadata


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m runners.arm_job``."""
    parser = argparse.ArgumentParser(prog="python -m runners.arm_job", description=__doc__)
    parser.add_argument("--arm", required=True, choices=sorted(ARMS))
    args, _rest = parser.parse_known_args(argv)
    arm = get_arm(args.arm)
    identity = interpreter_metadata(arm)
    print(f"gilbench arm {arm.name}: {arm.description}")
    for key in ("python_executable", "python_version", "py_gil_disabled", "gil_enabled_at_start"):
        print(f"  {key}: {identity[key]}")
    try:
        check_arm(arm)
    except ArmMismatch as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"  GIL state as expected for arm {arm.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
