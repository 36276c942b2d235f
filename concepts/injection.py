"""The names of the known-slowdown feature (runners.inject), shared with the analysis.

The gate's calibration trial (analysis.regress) and ``runners.calibrate --inject`` set
the variable for the sweeps they start; the measurement workers read it; result files
mark every slowed run with the metadata key. Standard library only.
"""

from __future__ import annotations

ENV_VAR = "GILBENCH_INJECT_SLOWDOWN"
"""``NAME[@ARM_OR_SIDE]:FRACTION[:SCOPE]`` entries, comma-separated (runners.inject)."""
SIDE_VAR = "GILBENCH_SIDE"
"""The sweep side a worker measures (set by runners.bench for every pyperf master)."""
METADATA_KEY = "injected_slowdown"
"""The run metadata that marks a slowed run with the spec that slowed it."""
