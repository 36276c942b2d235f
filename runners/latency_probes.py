"""The hand-off latency probes: how long a woken thread takes to see what another sent.

Every probe is a pair of threads, a sender and a receiver, and a primitive between them.
For each hand-off the sender stamps ``time.perf_counter()`` just before it signals (the
stamp travels with the item, or in a slot the receiver reads), the receiver reads the
clock right after it wakes, and the difference is one latency sample. The sender then
waits for an acknowledgement before its next hand-off, so every hand-off finds the
receiver waiting (or about to wait) instead of a backlog of queued items: what is
measured is the wake-up, not queueing. Acknowledgements are not sampled.

- ``event-ping-pong``: the token goes through one ``threading.Event`` (``set`` / ``wait``
  / ``clear``), the acknowledgement through a second one; the stamp is in a slot.
- ``condition-handoff``: a producer notifies a consumer on one ``threading.Condition``:
  it sets a turn flag and the stamp under the Condition's lock, then ``notify()``; the
  consumer waits for its turn, reads the clock, and hands the turn back the same way.
- ``queue-handoff``, ``simple-queue-handoff``: the producer puts its stamp into a
  ``queue.Queue`` / ``queue.SimpleQueue``; the consumer gets it and reads the clock;
  the acknowledgement comes back through a second queue of the same kind.

At ``threads`` = N (even) N // 2 independent pairs run at once, each with its own
primitives, and their samples are pooled. Each pair's primitives are created by its
sender thread, each receiver's sample list by the receiver, in their setup steps before
the Barrier (on a free-threaded build an object is cheap to reference-count only for
the thread that created it). The first ``warmup`` hand-offs of each pair are not sampled.

Standard library only: this module runs inside the measured interpreters.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import Slots, ThreadSetup, pair_setup

Work = Callable[[], None]


@dataclass(frozen=True)
class Trial:
    """One trial's threads (setups) and, after they ran, the pooled samples."""

    workers: list[ThreadSetup]
    samples: Callable[[], list[float]]


@dataclass(frozen=True)
class Probe:
    """A hand-off probe: its name, what it is, and how to build one trial."""

    name: str
    description: str
    sender: Callable[[Any, int], Work]
    """``sender(state, count)``: the timed work of a pair's sender (count hand-offs)."""
    receiver: Callable[[Any, int, int, list[float]], Work]
    """``receiver(state, count, warmup, out)``: the receiver's work; appends samples."""
    create: Callable[[], Any]
    """Makes a pair's shared state (run in the sender's thread)."""

    def trial(self, pairs: int, samples: int, warmup: int) -> Trial:
        """``pairs`` pairs, each sampling ``samples`` hand-offs after ``warmup`` unsampled."""
        count = samples + warmup
        outs: Slots[list[float]] = Slots(pairs)

        def receive(index: int) -> Callable[[Any], Work]:
            return lambda state: self.receiver(state, count, warmup, outs.put(index, []))

        workers: list[ThreadSetup] = []
        for index in range(pairs):
            workers += pair_setup(
                self.create, lambda state: self.sender(state, count), receive(index)
            )
        return Trial(workers, lambda: [s for out in outs.filled() for s in out])


# -- event ping-pong -----------------------------------------------------------------------


def _event_state() -> tuple[threading.Event, threading.Event, list[float]]:
    return threading.Event(), threading.Event(), [0.0]


def _event_sender(state: Any, count: int) -> Work:
    ping, pong, slot = state
    clock = time.perf_counter

    def work() -> None:
        for _ in range(count):
            slot[0] = clock()
            ping.set()
            pong.wait()
            pong.clear()

    return work


def _event_receiver(state: Any, count: int, warmup: int, out: list[float]) -> Work:
    ping, pong, slot = state
    clock = time.perf_counter

    def work() -> None:
        keep = out.append
        for i in range(count):
            ping.wait()
            woke = clock()
            ping.clear()
            if i >= warmup:
                keep(woke - slot[0])
            pong.set()

    return work


# -- condition hand-off --------------------------------------------------------------------


def _condition_state() -> tuple[threading.Condition, list[float]]:
    # box = [whose turn (0: producer, 1: consumer), the producer's stamp]
    return threading.Condition(), [0.0, 0.0]


def _condition_sender(state: Any, count: int) -> Work:
    cond, box = state
    clock = time.perf_counter

    def work() -> None:
        for _ in range(count):
            with cond:
                while box[0] != 0:
                    cond.wait()
                box[1] = clock()
                box[0] = 1
                cond.notify()

    return work


def _condition_receiver(state: Any, count: int, warmup: int, out: list[float]) -> Work:
    cond, box = state
    clock = time.perf_counter

    def work() -> None:
        keep = out.append
        for i in range(count):
            with cond:
                while box[0] != 1:
                    cond.wait()
                woke = clock()
                if i >= warmup:
                    keep(woke - box[1])
                box[0] = 0
                cond.notify()

    return work


# -- queue hand-off ------------------------------------------------------------------------


def _queue_state(make: Callable[[], Any]) -> Callable[[], tuple[Any, Any]]:
    return lambda: (make(), make())


def _queue_sender(state: Any, count: int) -> Work:
    items, acks = state
    clock = time.perf_counter

    def work() -> None:
        put, ack = items.put, acks.get
        for _ in range(count):
            put(clock())
            ack()

    return work


def _queue_receiver(state: Any, count: int, warmup: int, out: list[float]) -> Work:
    items, acks = state
    clock = time.perf_counter

    def work() -> None:
        get, ack, keep = items.get, acks.put, out.append
        for i in range(count):
            stamp = get()
            woke = clock()
            if i >= warmup:
                keep(woke - stamp)
            ack(None)

    return work


PROBES: dict[str, Probe] = {
    probe.name: probe
    for probe in (
        Probe(
            "event-ping-pong",
            "threading.Event set -> the waiting thread wakes (ack on a second Event)",
            _event_sender,
            _event_receiver,
            _event_state,
        ),
        Probe(
            "condition-handoff",
            "threading.Condition notify from a producer -> the waiting consumer wakes",
            _condition_sender,
            _condition_receiver,
            _condition_state,
        ),
        Probe(
            "queue-handoff",
            "queue.Queue put from a producer -> the consumer's get returns",
            _queue_sender,
            _queue_receiver,
            _queue_state(queue.Queue),
        ),
        Probe(
            "simple-queue-handoff",
            "queue.SimpleQueue put from a producer -> the consumer's get returns",
            _queue_sender,
            _queue_receiver,
            _queue_state(queue.SimpleQueue),
        ),
    )
}
"""Every probe, by name, in run order."""


__all__ = ["PROBES", "Probe", "Trial"]
