"""The simplest workload: a plain function that every thread calls in a loop.

    from benchmarks import thread_loop

    DOC = json.dumps({"items": list(range(100))})

    @thread_loop(ops=2_000, shared=lambda: DOC)
    def json_loads(doc):
        json.loads(doc)

registers the workload ``user-json-loads``: in every timed run each of the N threads
calls ``json_loads(doc)`` ``ops`` times, and one operation is one call (as in CPython's
Tools/ftscalingbench, but measured on both builds, interleaved, with gilbench's
statistics). Optional state: ``shared`` is called once per run by the preparing (main)
thread and its result is passed to every thread (an object all threads share);
``per_thread`` is called by each thread itself, before the timed region, and its result
goes to that thread only. The function gets ``(shared, own)``, either one alone, or
nothing, depending on which of them is given. For anything more (a result check, a
fixed duration, helper threads) use ``@workload`` and ``Prepared`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload

USER_FAMILY = "user"
"""The family of a ``thread_loop`` workload unless it names its own."""

F = TypeVar("F", bound=Callable[..., Any])


def thread_loop(
    *,
    ops: int = 1_000,
    shared: Callable[[], Any] | None = None,
    per_thread: Callable[[], Any] | None = None,
    family: str = USER_FAMILY,
    variant: str | None = None,
) -> Callable[[F], F]:
    """Register the decorated function as workload ``family-variant`` (variant: the
    function's name, ``_`` as ``-``): each thread calls it ``ops`` times per run."""
    if ops < 1:
        raise ValueError(f"thread_loop: ops must be >= 1, got {ops}")

    def register(function: F) -> F:
        name = variant or function.__name__.replace("_", "-")

        def prepare(threads: int, count: int) -> Prepared:
            state = shared() if shared is not None else None
            done = [0] * threads

            def make(index: int) -> Callable[[], Callable[[], None]]:
                def setup() -> Callable[[], None]:
                    own = per_thread() if per_thread is not None else None
                    args = tuple(
                        value
                        for value, given in ((state, shared), (own, per_thread))
                        if given is not None
                    )

                    def work() -> None:
                        call = function
                        for _ in range(count):
                            call(*args)
                        done[index] = count

                    return work

                return setup

            def check() -> None:
                if done != [count] * threads:
                    raise WorkloadError(f"{family}-{name}: calls per thread {done}, want {count}")

            return Prepared([ThreadSetup(make(i)) for i in range(threads)], threads * count, check)

        first_line = (function.__doc__ or "").strip().splitlines()
        prepare.__doc__ = first_line[0] if first_line else f"{function.__name__}, called in a loop"
        workload(family, name, ops_per_thread=ops, unit="calls")(prepare)
        return function

    return register
