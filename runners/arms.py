"""The comparison arms: defined once in :mod:`concepts.arms`, re-exported here."""

from concepts.arms import ARMS, Arm, arm_env, get_arm

__all__ = ["ARMS", "Arm", "arm_env", "get_arm"]
