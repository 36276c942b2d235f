"""How and where gilbench measures: interpreter provisioning, pyperf orchestration, output files.

Everything under ``runners`` runs inside the measurement processes (or provisions them),
so it imports the standard library and pyperf only.
"""
