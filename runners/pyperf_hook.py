"""gilbench's pyperf hook: what each worker process really got, as run metadata.

pyperf (>= 2.8) runs the hooks named with ``--hook NAME`` (entry point group
``pyperf.hook``; this one is ``gilbench``, declared in pyproject.toml) around every
benchmark call of a worker and calls ``teardown(metadata)`` at the end, where a hook
adds its fields to the run's metadata. This hook adds, from the harness's records of
the timed runs (runners.harness):

- ``cpu_per_wall``: process CPU time over the wall time of the timed regions (achieved
  parallelism: a no-sharing run at 2 threads on 2 free cores reaches about 2);
- ``threads_total``: threads alive during the timed region (workers and helpers, the
  idle main thread not counted), and ``oversubscribed``: more of them than usable CPUs;
- with 2+ threads, ``thread_finish_spread`` ((last finish - first finish) / span) and
  ``fairness_jain`` (Jain's index of per-thread throughput);
- ``gil_enabled_at_end``: the GIL state observed after the timed regions (and
  ``arm_mismatch`` with the cause when it is not the arm's);
- ``usable_cpus``: the CPUs this process may run on after pyperf pinned it.

pyperf's own metadata (``mem_max_rss``, ``cpu_affinity``, ``python_version``, ...) is
never overwritten: gilbench's keys are its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from concepts.arms import Arm
from runners import harness
from runners.identity import ArmMismatch, check_arm, cpu_affinity, gil_enabled

HOOK_NAME = "gilbench"
"""The name pyperf knows this hook by (``--hook gilbench``)."""


@dataclass
class _Context:
    """Set by the benchmark worker before pyperf runs it (runners.bench.worker)."""

    arm: Arm | None = None


CONTEXT = _Context()


class GilbenchHook:
    """The pyperf hook: a context manager around each benchmark call, plus ``teardown``."""

    def __init__(self) -> None:
        # pyperf makes a new hook for each batch of values (warmups, then values): each
        # batch's metadata describes its own runs only.
        harness.RECORDS.clear()

    def __enter__(self) -> GilbenchHook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def teardown(self, metadata: dict[str, Any]) -> None:
        """Add what the timed runs got to the run's ``metadata`` (pyperf's keys untouched)."""
        observed: dict[str, Any] = dict(harness.summarize_records(harness.RECORDS))
        cpus = len(cpu_affinity())
        observed["usable_cpus"] = cpus
        if "threads_total" in observed:
            observed["oversubscribed"] = observed["threads_total"] > cpus
        arm = CONTEXT.arm
        if arm is not None:
            _record_gil_at_end(observed, metadata, arm)
        for key, value in observed.items():
            if key in metadata and key not in OWN_KEYS:
                raise RuntimeError(f"gilbench hook would overwrite pyperf's {key!r}")
            metadata[key] = value


OWN_KEYS = frozenset(
    {
        "cpu_per_wall",
        "threads_total",
        "timed_runs",
        "thread_finish_spread",
        "fairness_jain",
        "usable_cpus",
        "oversubscribed",
        "gil_enabled_at_end",
        "arm_mismatch",
    }
)
"""Every key this hook writes (it may rewrite its own from an earlier batch)."""


def _record_gil_at_end(observed: dict[str, Any], metadata: dict[str, Any], arm: Arm) -> None:
    """Store the GIL state observed now; a wrong state seen earlier is never overwritten."""
    previous = metadata.get("gil_enabled_at_end")
    if previous is not None and previous != arm.expect_gil_enabled:
        observed["gil_enabled_at_end"] = previous
        return
    observed["gil_enabled_at_end"] = gil_enabled()
    try:
        check_arm(arm, when="after the timed region")
    except ArmMismatch as exc:
        observed["arm_mismatch"] = str(exc)
