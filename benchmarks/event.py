"""event: ``threading.Event`` hand-offs — ping-pong latency and one-to-many wake-up.

The seed chapter (concepts/__init__.py) presents ``Event`` as Python's stand-in for an
atomic flag you can wait on.
Waking a thread that waits on one is a round trip through the OS (and, on the default
build, a GIL hand-off), so its latency is what these workloads time.

``ping-pong``: two threads bounce a token through a pair of Events (``set`` / ``wait``
/ ``clear``); an operation is one round trip. ``threads`` = N runs N // 2 independent
pairs, each doing ``ops`` round trips, so pairs share nothing and more pairs show how
independent hand-offs scale; at N = 1 (and for the odd thread out at odd N) a single
thread does set / wait / clear on its own Event: the uncontended cost, with no wake-up.

``broadcast``: one setter wakes N - 1 waiters per round through one Event and waits for
each waiter's acknowledgement before the next round (rounds are synchronised); an
operation is one round, so the run has ``ops`` operations at any N. At N = 1 there are
no waiters: the setter's own set / clear cost, still measured.

Who creates what: a ping-pong pair's two Events and its token box are shared by the
pair only, and created by the pair's pinging thread in its setup step (before the
Barrier, untimed); the solo thread creates its own Event the same way. So no thread
uses an object created by a thread outside its pair (on a free-threaded build an
object is cheap to reference-count only for its creating thread). ``broadcast``'s
Events and box are shared by all threads and created by the preparing (main) thread.
Each thread writes its tally once, after its loop, into a slot of the preparing thread.

Checks: every token must arrive in order (ping-pong) and every waiter must see every
round's number exactly once (broadcast); a lost or repeated wake-up fails the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from benchmarks._registry import Prepared, ThreadSetup, WorkloadError, workload
from benchmarks._setup import pair_setup

OPS = 1_000
"""Round trips / rounds per run. Small: one costs 1-3 µs on a single thread but 25-150 µs
when another thread must be woken (2 cores, either build), and ops is the same at every
thread count, so a run is a few ms at 1 thread and some 50-300 ms at 2 and 4."""


def _units(threads: int) -> int:
    """Independent ping-pong units at ``threads``: pairs, plus one solo thread if odd."""
    return threads // 2 + threads % 2


def _solo(ops: int, tally: list[int]) -> ThreadSetup:
    """One thread sets, waits for and clears its own Event: no other thread involved."""

    def make() -> Callable[[], None]:
        event = threading.Event()  # in the worker thread: its own

        def work() -> None:
            done = 0
            for _ in range(ops):
                event.set()
                if event.wait():
                    done += 1
                event.clear()
            tally[0] = done

        return work

    return ThreadSetup(make)


_PairState = tuple[threading.Event, threading.Event, list[int]]


def _pair(ops: int, tally: list[int]) -> tuple[ThreadSetup, ThreadSetup]:
    """Pinger sends token i through ``ping``; ponger checks it is i and answers on ``pong``.

    The pinger's thread creates both Events and the token box (pair_setup).
    """

    def create() -> _PairState:
        return threading.Event(), threading.Event(), [-1]

    def pinger(state: _PairState) -> Callable[[], None]:
        ping, pong, box = state

        def work() -> None:
            for i in range(ops):
                box[0] = i
                ping.set()
                pong.wait()
                pong.clear()

        return work

    def ponger(state: _PairState) -> Callable[[], None]:
        ping, pong, box = state

        def work() -> None:
            in_order = 0
            for i in range(ops):
                ping.wait()
                ping.clear()
                if box[0] == i:
                    in_order += 1
                pong.set()
            tally[0] = in_order

        return work

    return pair_setup(create, pinger, ponger)


@workload(
    "event",
    "ping-pong",
    ops_per_thread=OPS,
    unit="round trips",
    count_ops=lambda threads, ops: _units(threads) * ops,
)
def ping_pong(threads: int, ops: int) -> Prepared:
    """Pairs of threads bounce a token through two Events (N // 2 independent pairs; 1: solo)."""
    tallies = [[0] for _ in range(_units(threads))]
    workers: list[ThreadSetup] = []
    for tally in tallies[: threads // 2]:
        workers.extend(_pair(ops, tally))
    if threads % 2:
        workers.append(_solo(ops, tallies[-1]))

    def check() -> None:
        seen = [tally[0] for tally in tallies]
        if seen != [ops] * len(tallies):
            raise WorkloadError(f"round trips completed in order {seen}, want {ops} each")

    return Prepared(workers, _units(threads) * ops, check)


@workload(
    "event", "broadcast", ops_per_thread=OPS, unit="rounds", count_ops=lambda threads, ops: ops
)
def broadcast(threads: int, ops: int) -> Prepared:
    """One setter wakes N - 1 waiters per round through one Event, then collects their acks."""
    # Two Events alternate by round parity, so a fast waiter that loops back can never
    # pass the Event of the round it has just seen before the setter clears it.
    go = (threading.Event(), threading.Event())
    acks = [threading.Event() for _ in range(threads - 1)]
    box = [-1]
    seen = [0] * (threads - 1)
    rounds = [0]

    def setter() -> None:
        for r in range(ops):
            box[0] = r
            go[r % 2].set()
            for ack in acks:
                ack.wait()
                ack.clear()
            go[r % 2].clear()
            rounds[0] += 1

    def waiter(index: int) -> Callable[[], None]:
        ack = acks[index]

        def work() -> None:
            in_order = 0
            for r in range(ops):
                go[r % 2].wait()
                if box[0] == r:
                    in_order += 1
                ack.set()
            seen[index] = in_order

        return work

    def check() -> None:
        if rounds[0] != ops or seen != [ops] * (threads - 1):
            raise WorkloadError(
                f"setter ran {rounds[0]} rounds, waiters saw {seen} in order; want {ops}"
            )

    return Prepared([setter] + [waiter(i) for i in range(threads - 1)], ops, check)
