"""Teaching mode: classic threading examples, live on both builds, side by side, explained.

``python -m runners.demo`` (or ``tox -e demo``) runs the examples gilbench's benchmarks
grew from (an unprotected shared counter, the same under a Lock, a job queue with
worker threads, a generator-based event loop and its asyncio twin) on the gil and ft
interpreters of the provisioned pair (ft-gil too when asked) and prints one screen per
example: what it does, what each build gave, and one sentence on why, computed from
the numbers it has just measured.

- ``examples``: the queue and event-loop examples (the increments are the race variants
  of ``concepts.race_variants``), standard library only;
- ``measure``: ``python -m runners.demo.measure``, run on each arm's interpreter;
  measures one example and prints its result as JSON;
- ``explain``: figures, tables and sentences from those results;
- ``driver``: the command line (any Python >= 3.11).

Nothing here is imported by the measurement side except ``examples`` and ``measure``.
"""
