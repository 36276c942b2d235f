"""Find or build the matched pair of interpreters gilbench compares (python3.13 / python3.13t).

Public surface::

    from runners.provision import ensure_pair
    pair = ensure_pair()            # discovers, or builds into the cache, the matched pair
    pair.gil.path, pair.ft.path     # python3.13, python3.13t
    pair.mismatches                 # [] for a matched pair; record it with results

Command line: ``python -m runners.provision [--check] [--json] ...`` (see ``--help``).
Standard library only, so that it runs on whatever Python starts tox or pytest.
"""

from __future__ import annotations

from runners.provision.cache import cache_root
from runners.provision.ensure import Settings, discover_pair, ensure_pair
from runners.provision.model import (
    BadInput,
    Interpreter,
    Pair,
    ProvisionError,
    Rejected,
    VersionRequest,
    pair_mismatches,
    parse_version,
)
from runners.provision.source import PINNED_SHA256

__all__ = [
    "PINNED_SHA256",
    "BadInput",
    "Interpreter",
    "Pair",
    "ProvisionError",
    "Rejected",
    "Settings",
    "VersionRequest",
    "cache_root",
    "discover_pair",
    "ensure_pair",
    "pair_mismatches",
    "parse_version",
]
