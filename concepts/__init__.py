"""Definitions shared by the measurement side and the analysis: standard library only.

Every concept that more than one layer uses (the estimator and its intervals, the arms,
the family order, the workloads' roles) is defined here once; ``benchmarks``,
``runners`` and ``analysis`` import it and never redefine it.
"""
