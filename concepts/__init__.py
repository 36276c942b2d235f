"""Definitions shared by the measurement side and the analysis: standard library only.

Every concept that more than one layer uses (the estimator and its intervals, the arms,
the family order, the workloads' roles) is defined here once; ``benchmarks``,
``runners`` and ``analysis`` import it and never redefine it.

Where the workloads come from: gilbench grew from one tutorial chapter, **"Parallel
concepts"** (a general introduction to parallel programming, its examples in Python),
referred to in the docstrings as *the seed chapter*. Its sections, in order: thread
safety (threads adding to one ``x[0]`` with ``+=`` can lose updates),
mutex (``Lock``, then ``RLock`` for a thread that re-enters its own lock), semaphore
("never more than k at a time"), atomics (not in Python; ``Event`` as the waitable flag),
queue (a producer handing work to a pool of workers), barrier, local and shared memory
(``threading.local``, context variables), and the event loop (one built from generators,
then asyncio). Each family of benchmarks measures one of those sections on both builds.
"""
