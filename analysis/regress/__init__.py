"""gilbench's regression gate: ``python -m analysis.regress`` (``tox -e regress``).

- ``ab``: measure two sides in one interleaved sweep (two interpreter pairs, or two
  revisions of this repository) and judge the head against the base. Needs no file from
  another machine. The pull-request gate.
- ``check``: measure this revision and judge it against the committed baseline of this
  machine class (results/baselines/). The scheduled job's check.
- ``baseline``: make that baseline from N measurements.
- ``trial``: repeat the gate (A/A and known ft slowdowns) and log every verdict.

Modules: metrics (what is gated, the interval), judge (verdicts, exit codes), measure
(the runners' command line as a subprocess, git worktrees), gate (measure, judge,
re-measure), baseline, history (the trend), trial, report (Markdown).
Analysis imports no runner or benchmark code: measuring is a subprocess.
"""
