"""gilbench analysis: load result files, compute the metrics, draw the plots, write the report.

Runs on a GIL interpreter with pandas, matplotlib and pyperf (dependency group
``analysis``) and reads only JSON: it never imports ``benchmarks`` or ``runners``, so
results from other machines, versions or plain ``pyperf timeit -o`` files work too.

- :mod:`analysis.load`: ``load_bench``, ``load_races``, ``load_results`` (tidy frames);
- :mod:`analysis.metrics`: time per op, speedup against each workload's ideal,
  ``ratio_ci``, lock cost, loss rates, crossover, single-thread overhead, parallelism,
  fairness, latency, memory and ownership cost (the estimator, its intervals and the
  workload traits are :mod:`concepts`');
- :mod:`analysis.plots`: the five plots (PNG and SVG);
- :mod:`analysis.report`: ``results/report/README.md`` and the CSV tables.

``python -m analysis --help`` for the command line.
"""

from __future__ import annotations

from analysis.load import LoadError, Results, load_bench, load_races, load_results
from analysis.metrics import ratio_ci

__all__ = ["LoadError", "Results", "load_bench", "load_races", "load_results", "ratio_ci"]
