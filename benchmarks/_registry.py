"""The benchmark registry: each family module registers its workloads with ``@workload``.

A workload is a (family, variant) pair plus a ``prepare`` function. For one timed run
the harness calls ``prepare(threads, ops_per_thread)``, which builds fresh shared state
and returns one callable per thread; the harness starts those threads, releases them
together through a Barrier, and times from the first release to the last finish.
Everything ``prepare`` does (allocating state, creating executors, warming pools) is
outside the timed region.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from concepts.families import family_sort_key  # the one family order


class WorkloadError(AssertionError):
    """A workload produced a wrong result: the benchmark fails instead of giving a number."""


@dataclass(frozen=True)
class ThreadSetup:
    """A worker whose state is created by its own thread, before the Barrier (untimed).

    ``make()`` runs in the worker thread itself and returns the callable that thread then
    runs inside the timed region. On a free-threaded build an object's reference count is
    cheap only for the thread that created it (biased reference counting), so per-thread
    state built by the preparing (main) thread would make a no-sharing control pay for
    sharing; everything a thread uses alone is created here.
    """

    make: Callable[[], Callable[..., object]]


Worker = Callable[..., object] | ThreadSetup
"""What ``Prepared.workers`` holds: the timed callable itself (it uses state that the
preparing thread created and shares on purpose), or a ThreadSetup."""


class Stop:
    """The flag of a fixed-duration run: the harness sets ``stop.now`` when time is up.

    Workers poll ``stop.now`` between small batches of operations (a plain attribute
    read, so polling costs next to nothing) and return how many operations they did.
    """

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = False


@dataclass
class Prepared:
    """The state of one timed run, as returned by a workload's ``prepare``."""

    workers: Sequence[Worker]
    """One entry per thread, run concurrently inside the timed region. In a fixed-work
    workload the timed callable takes no argument; in a fixed-duration workload
    (``Workload.duration``) it is called as ``work(stop)`` and returns its operation
    count."""
    total_ops: int
    """Operations the run performs, summed over threads (pyperf's ``inner_loops``)."""
    check: Callable[[], None] | None = None
    """Called after the timed region; raises WorkloadError when the result is wrong."""
    cleanup: Callable[[], None] | None = None
    """Called after ``check`` (untimed), e.g. to shut an executor down."""


Prepare = Callable[[int, int], Prepared]


@dataclass(frozen=True)
class Workload:
    """A registered benchmark workload."""

    family: str
    variant: str
    description: str
    prepare: Prepare
    ops_per_thread: int
    """Operations per thread in one timed run: sized so that a run takes milliseconds,
    long enough that thread start-up and barrier release are a small share."""
    unit: str = "ops"
    """What one operation is (increments, acquisitions, items, switches...)."""
    thread_counts: tuple[int, ...] | None = None
    """Fixed thread counts for workloads that only make sense at some (e.g. ping-pong: 2)."""
    skip_reason: Callable[[], str | None] = field(default=lambda: None)
    """Returns why this workload cannot run on this interpreter, or None when it can."""
    count_ops: Callable[[int, int], int] = field(default=lambda threads, ops: threads * ops)
    """Operations in one run for (threads, ops_per_thread); must equal Prepared.total_ops."""
    duration: float | None = None
    """Seconds of one fixed-duration run (threads run until a Stop flag and count their
    own operations); None for fixed-work workloads, where every thread does
    ``ops_per_thread`` operations and the run ends with the last one."""

    @property
    def mode(self) -> str:
        """``duration`` (fixed-duration runs) or ``work`` (fixed work per thread)."""
        return "work" if self.duration is None else "duration"

    @property
    def name(self) -> str:
        return f"{self.family}-{self.variant}"


_REGISTRY: dict[str, Workload] = {}


def workload(
    family: str,
    variant: str,
    *,
    ops_per_thread: int,
    unit: str = "ops",
    thread_counts: tuple[int, ...] | None = None,
    skip_reason: Callable[[], str | None] | None = None,
    count_ops: Callable[[int, int], int] | None = None,
    duration: float | None = None,
) -> Callable[[Prepare], Prepare]:
    """Register the decorated ``prepare`` function as workload ``family-variant``.

    The first line of the function's docstring is the workload's description.
    ``count_ops`` is needed only when a run's operation count is not threads * ops
    (pyperf must know it, as ``inner_loops``, before the first run). ``duration`` makes
    it a fixed-duration workload (see ``Workload.duration``); its ``total_ops`` is unknown
    in advance and not checked.
    """

    def register(prepare: Prepare) -> Prepare:
        doc = (prepare.__doc__ or "").strip().splitlines()
        if not doc:
            raise ValueError(f"{family}-{variant}: a workload needs a docstring")
        entry = Workload(
            family=family,
            variant=variant,
            description=doc[0],
            prepare=prepare,
            ops_per_thread=ops_per_thread,
            unit=unit,
            thread_counts=thread_counts,
            skip_reason=skip_reason or (lambda: None),
            count_ops=count_ops or (lambda threads, ops: threads * ops),
            duration=duration,
        )
        if entry.name in _REGISTRY:
            raise ValueError(f"duplicate workload {entry.name}")
        _REGISTRY[entry.name] = entry
        return prepare

    return register


@contextlib.contextmanager
def registry_snapshot() -> Iterator[None]:
    """Within the block, workloads may be registered (a test's, a file's); afterwards the
    registry is what it was before."""
    saved = dict(_REGISTRY)
    try:
        yield
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(saved)


def _import_family_modules() -> None:
    """Import every public module of this package; each registers its workloads."""
    import importlib
    import pkgutil

    package = importlib.import_module("benchmarks")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"benchmarks.{module.name}")


def all_workloads() -> list[Workload]:
    """Every registered workload, in family order then registration order."""
    _import_family_modules()
    return sorted(_REGISTRY.values(), key=lambda w: family_sort_key(w.family))
