"""From measured results to screens: the figures, the side-by-side table, and the why.

Each ``explain_*`` function takes ``{arm name: document printed by runners.demo.measure}``
(in column order) and returns a :class:`Screen`. Every number and every sentence is
computed from those documents: a sentence says what was observed, including when a
build did not behave as the usual explanation says (for example the GIL build losing updates at
a tiny switch interval). A fact that must hold on every build (a locked count is exact,
every job is done once, both loops compute the same results) is checked here and, when
it does not hold, reported in ``Screen.failures`` as well as in the sentence.
"""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

SAME = 0.15
"""Two times within this fraction of each other are "about the same"."""

WIDTH = 88
"""Screen width the text is wrapped to."""

ARM_WORDS: dict[str, str] = {
    "gil": "the GIL build",
    "ft": "the free-threaded build",
    "ft-gil": "the free-threaded build with PYTHON_GIL=1",
}
"""How an arm is called in a sentence."""

OPERATION: dict[str, str] = {
    "inline": "x[0] += 1",
    "call": "x[0] = x[0] + one()",
    "global": "counter += 1",
    "attribute": "obj.value += 1",
    "dict-item": 'd["k"] += 1',
}
"""The unprotected increment of each race variant, as code."""

Docs = dict[str, dict[str, Any]]


@dataclass
class Screen:
    """One example's screen."""

    name: str
    title: str
    what: list[str]
    """What the example does: a paragraph (two lines on the screen)."""
    rows: list[tuple[str, list[str]]]
    """(label, one value per arm) rows of the side-by-side table."""
    why: str
    """One sentence on why, from the numbers."""
    notes: list[str] = field(default_factory=list)
    """Lines under the table (e.g. every repetition's count)."""
    failures: list[str] = field(default_factory=list)
    """Facts that must hold on every build and did not: the demo exits non-zero."""
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per arm, the computed figures (written to --json)."""

    def to_dict(self) -> dict[str, Any]:
        """The screen as recorded in the --json file."""
        return {
            "name": self.name,
            "title": self.title,
            "what": self.what,
            "table": [{"row": label, "values": values} for label, values in self.rows],
            "notes": self.notes,
            "why": self.why,
            "failures": self.failures,
            "figures": self.figures,
        }


# -- formatting ----------------------------------------------------------------------


def count(value: int) -> str:
    """80000 -> '80,000'."""
    return f"{value:,}"


def duration(seconds: float) -> str:
    """Seconds in a readable unit, three significant digits: '9.3 ms', '0.412 µs'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def times(ratio: float) -> str:
    """1.234 -> '1.23×'."""
    return f"{ratio:.2f}×"


def compared(a: float, b: float, other: str) -> str:
    """'1.40× slower than OTHER', 'about as fast as OTHER' or '2.00× faster than OTHER'."""
    if b <= 0 or a <= 0:
        return f"not comparable with {other}"
    if a > b * (1 + SAME):
        return f"{times(a / b)} slower than {other}"
    if b > a * (1 + SAME):
        return f"{times(b / a)} faster than {other}"
    return f"about as fast as {other}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def best(values: Sequence[float]) -> float:
    """The fastest run: other load on a shared machine only ever adds time."""
    return min(values) if values else 0.0


def words(arm: str) -> str:
    return ARM_WORDS.get(arm, f"the {arm} arm")


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def interval_text(docs: Docs) -> str:
    """The switch interval the examples ran with (one value: the driver sets it for all)."""
    values = sorted({doc["switch_interval"] for doc in docs.values()})
    return " / ".join(duration(value) for value in values)


def gil_on(doc: dict[str, Any]) -> bool:
    """Observed GIL state of the measuring process (checked against the arm already)."""
    return bool(doc["interpreter"]["gil_enabled_at_start"])


def cpus(doc: dict[str, Any]) -> int:
    affinity = str(doc["interpreter"].get("cpu_affinity", ""))
    return len([cpu for cpu in affinity.split(",") if cpu]) or int(
        doc["interpreter"].get("cpu_count") or 1
    )


# -- 1. the unprotected increment ----------------------------------------------------


def explain_increment(docs: Docs) -> Screen:
    """Screen of the unprotected increment: the count of every run, per build."""
    first = next(iter(docs.values()))["result"]
    threads, increments, expected = first["threads"], first["increments"], first["expected"]
    op = OPERATION.get(first["variant"], first["operation"])
    interval = interval_text(docs)
    figures: dict[str, dict[str, Any]] = {}
    for arm, doc in docs.items():
        counts = [run["count"] for run in doc["result"]["runs"]]
        lost = [expected - value for value in counts]
        figures[arm] = {
            "gil_enabled": gil_on(doc),
            "counts": counts,
            "runs": len(counts),
            "exact_runs": sum(1 for value in lost if value == 0),
            "lost_runs": sum(1 for value in lost if value > 0),
            "median_count": median(counts),
            "min_count": min(counts),
            "max_count": max(counts),
            "median_lost": median(lost),
            "median_lost_fraction": median(lost) / expected,
            "max_lost_fraction": max(lost) / expected,
            "median_seconds": median([run["seconds"] for run in doc["result"]["runs"]]),
            "median_parallelism": median([run["parallelism"] for run in doc["result"]["runs"]]),
        }
    runs = figures[next(iter(figures))]["runs"]
    rows = [
        ("exact runs", [f"{f['exact_runs']} of {f['runs']}" for f in figures.values()]),
        ("count, median", [count(round(f["median_count"])) for f in figures.values()]),
        (
            "count, lowest..highest",
            [f"{count(f['min_count'])}..{count(f['max_count'])}" for f in figures.values()],
        ),
        (
            "lost, median",
            [
                f"{count(round(f['median_lost']))} ({f['median_lost_fraction']:.1%})"
                for f in figures.values()
            ],
        ),
        ("lost, worst run", [f"{f['max_lost_fraction']:.1%}" for f in figures.values()]),
        ("time per run, median", [duration(f["median_seconds"]) for f in figures.values()]),
    ]
    notes = []
    for arm, f in figures.items():
        counts = f["counts"]
        listed = (
            f"{count(counts[0])} in all {len(counts)} runs"
            if len(set(counts)) == 1
            else " ".join(count(value) for value in counts)
        )
        notes += textwrap.wrap(
            listed, WIDTH - 2, initial_indent=f"{arm + ':':<8}", subsequent_indent=" " * 8
        )

    clauses = []
    for arm, f in figures.items():
        k, lost_share = f["lost_runs"], f"{f['median_lost_fraction']:.0%}"
        if f["gil_enabled"] and k == 0:
            clauses.append(
                f"{words(arm)} lets one thread run Python code at a time and switched threads"
                f" every {interval}, never in the middle of an update, so no update was lost"
                f" in {runs} runs"
            )
        elif f["gil_enabled"]:
            clauses.append(
                f"{words(arm)} lets one thread run at a time, but switching every {interval} it"
                f" sometimes switched between a thread's read and its write, and the other"
                f" thread's updates were overwritten: {k} of {runs} runs lost updates"
                f" (median {lost_share}, worst {f['max_lost_fraction']:.1%})"
            )
        elif k > 0:
            clauses.append(
                f"{words(arm)} has no GIL, so threads on different cores read the same old"
                f" value and wrote back the same new one: {k} of {runs} runs lost updates,"
                f" a median of {lost_share} of them"
            )
        else:
            clauses.append(
                f"{words(arm)} has no GIL but lost nothing in {runs} runs this time: its"
                f" threads hardly ran at the same moment (CPU time"
                f" {f['median_parallelism']:.1f}× the wall time), as on a busy machine;"
                " the code is still unsafe"
            )
    hid = any(f["gil_enabled"] and not f["lost_runs"] for f in figures.values()) and any(
        not f["gil_enabled"] and f["lost_runs"] for f in figures.values()
    )
    if hid:
        ending = ": the code was wrong all along, the GIL only hid it."
    elif any(f["lost_runs"] for f in figures.values()):
        ending = ": only a lock (next example) makes it right on every build."
    else:
        ending = "."
    why = f"`{op}` is three steps (read, add 1, write back); " + "; ".join(clauses) + ending
    return Screen(
        name="increment",
        title=f"Unprotected increment: `{op}` from {threads} threads",
        what=[
            f"{threads} threads, released together, each run `{op}` {count(increments)} times"
            f" on one shared counter, with no lock. The right answer is {count(expected)};"
            f" {runs} runs per build."
        ],
        rows=rows,
        notes=notes,
        why=why,
        figures=figures,
    )


# -- 2. the same with a Lock ---------------------------------------------------------


def explain_lock(docs: Docs) -> Screen:
    """Screen of the locked increment: exact everywhere, and what it costs."""
    first = next(iter(docs.values()))["result"]
    threads, increments, expected = first["threads"], first["increments"], first["expected"]
    figures: dict[str, dict[str, Any]] = {}
    for arm, doc in docs.items():
        result = doc["result"]
        all_runs = result["runs"] + result["single_thread_runs"]
        many = best([run["seconds"] for run in result["runs"]])
        one = best([run["seconds"] for run in result["single_thread_runs"]])
        figures[arm] = {
            "runs": len(all_runs),
            "exact_runs": sum(1 for run in all_runs if run["count"] == expected),
            "counts": [run["count"] for run in result["runs"]],
            "single_thread_counts": [run["count"] for run in result["single_thread_runs"]],
            "best_seconds": many,
            "seconds_per_increment": many / expected,
            "single_thread_best_seconds": one,
            "single_thread_seconds_per_increment": one / expected,
            "threads_vs_one": many / one if one > 0 else 0.0,
        }
    rows = [
        ("exact runs", [f"{f['exact_runs']} of {f['runs']}" for f in figures.values()]),
        (
            f"{threads} threads: best time",
            [duration(f["best_seconds"]) for f in figures.values()],
        ),
        ("  per increment", [duration(f["seconds_per_increment"]) for f in figures.values()]),
        (
            "1 thread alone: best time",
            [duration(f["single_thread_best_seconds"]) for f in figures.values()],
        ),
        (
            "  per increment",
            [duration(f["single_thread_seconds_per_increment"]) for f in figures.values()],
        ),
        (f"{threads} threads / 1 thread", [times(f["threads_vs_one"]) for f in figures.values()]),
    ]
    failures = [
        f"{words(arm)}: {f['runs'] - f['exact_runs']} of {f['runs']} locked runs did not end"
        f" at {count(expected)}"
        for arm, f in figures.items()
        if f["exact_runs"] != f["runs"]
    ]
    if failures:
        why = (
            "`with lock:` must make every count exact, but "
            + "; ".join(failures)
            + ": that is a bug in the interpreter or in this demo, please report it."
        )
    else:
        not_faster = all(f["threads_vs_one"] >= 1 / (1 + SAME) for f in figures.values())
        clauses = [
            f"{words(arm)} took {duration(f['seconds_per_increment'])} per increment with"
            f" {threads} threads and {duration(f['single_thread_seconds_per_increment'])} with"
            " one thread alone ("
            + compared(f["best_seconds"], f["single_thread_best_seconds"], "one thread")
            + ")"
            for arm, f in figures.items()
        ]
        why = (
            "`with lock:` lets one thread at a time do the read, add and write, so every"
            f" run on every build ended at exactly {count(expected)}; "
            + ("but the threads take turns, so it is not faster: " if not_faster else "")
            + "; ".join(clauses)
        )
        if "gil" in figures and "ft" in figures:
            why += f"; with {threads} threads {words('ft')} was " + compared(
                figures["ft"]["seconds_per_increment"],
                figures["gil"]["seconds_per_increment"],
                words("gil"),
            )
        why += "."
    return Screen(
        name="lock",
        title=f"The same with a Lock: `with lock: x[0] += 1` from {threads} threads",
        what=[
            f"The same {threads} x {count(increments)} increments, each inside `with lock:`"
            f" (one threading.Lock for all threads); then, for comparison, one thread alone"
            f" does all {count(expected)} locked increments. {len(first['runs'])} runs of each"
            " per build."
        ],
        rows=rows,
        why=why,
        failures=failures,
        figures=figures,
    )


# -- 3. the job queue ----------------------------------------------------------------


def explain_queue(docs: Docs) -> Screen:
    """Screen of the job queue: every job once, clean shutdown, time at 1 and N workers."""
    first = next(iter(docs.values()))["result"]
    jobs, workers = first["jobs"], first["workers"]
    most = max(workers)
    figures: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for arm, doc in docs.items():
        runs = doc["result"]["runs"]
        bests = {
            str(n): best([run["seconds"] for run in runs if run["workers"] == n]) for n in workers
        }
        bad_jobs = [run for run in runs if not run["all_once"] or run["wrong_results"]]
        unclean = [run for run in runs if run["stopped_on_shutdown"] != run["workers"]]
        figures[arm] = {
            "gil_enabled": gil_on(doc),
            "cpus": cpus(doc),
            "runs": len(runs),
            "runs_every_job_once": len(runs) - len(bad_jobs),
            "runs_every_worker_stopped": len(runs) - len(unclean),
            "best_seconds_by_workers": bests,
            "speedup": bests["1"] / bests[str(most)] if bests[str(most)] > 0 else 0.0,
            "parallelism_by_workers": {
                str(n): median([run["parallelism"] for run in runs if run["workers"] == n])
                for n in workers
            },
        }
        for run in bad_jobs:
            failures.append(
                f"{words(arm)}, {run['workers']} workers: {run['missing']} jobs missing,"
                f" {run['duplicates']} done twice, {run['wrong_results']} wrong results"
            )
        for run in unclean:
            failures.append(
                f"{words(arm)}, {run['workers']} workers: only {run['stopped_on_shutdown']}"
                " workers ended on queue.ShutDown"
            )
    rows = [
        (
            "runs with every job once",
            [f"{f['runs_every_job_once']} of {f['runs']}" for f in figures.values()],
        ),
        (
            "runs all workers ended",
            [f"{f['runs_every_worker_stopped']} of {f['runs']}" for f in figures.values()],
        ),
    ]
    for n in workers:
        rows.append(
            (
                f"{n} worker{'s' if n > 1 else ''}: best time",
                [duration(f["best_seconds_by_workers"][str(n)]) for f in figures.values()],
            )
        )
    if most > 1:
        rows.append(
            (f"speedup 1 -> {most} workers", [times(f["speedup"]) for f in figures.values()])
        )
    if failures:
        why = (
            "`q.get()` must hand each job to exactly one worker and `q.shutdown()` must end"
            " every worker, but " + "; ".join(failures) + ": a bug, please report it."
        )
    else:
        why = (
            "`q.get()` hands each job to exactly one worker, and `q.shutdown()` lets the"
            " workers empty the queue and then stop on `queue.ShutDown`, so on every build"
            f" each of the {jobs} jobs was done exactly once and every worker ended"
        )
        clauses = [_speedup_clause(arm, f, most) for arm, f in figures.items()] if most > 1 else []
        why += ("; " + "; ".join(clauses) if clauses else "") + "."
    return Screen(
        name="queue",
        title=f"Job queue: worker threads, queue.Queue and q.shutdown() ({jobs} jobs)",
        what=[
            f"{jobs} jobs (each adds up {count(first['job_size'])} squares in pure Python) go"
            " into one queue.Queue; worker threads take jobs until `q.shutdown()` says there"
            " are no more. Run with "
            + " and with ".join(f"{n} worker{'s' if n > 1 else ''}" for n in workers)
            + f", {len(next(iter(docs.values()))['result']['runs']) // len(workers)} times each."
        ],
        rows=rows,
        why=why,
        failures=failures,
        figures=figures,
    )


def _speedup_clause(arm: str, f: dict[str, Any], workers: int) -> str:
    """What the speedup from 1 to ``workers`` workers was on one arm, and why."""
    speedup = times(f["speedup"])
    cpu = f["parallelism_by_workers"]  # CPUs' worth of time the runs really got
    if f["gil_enabled"]:
        if f["speedup"] < 1 / (1 + SAME):
            return (
                f"on {words(arm)} {workers} workers were slower than one ({speedup}): the GIL"
                " lets only one of them compute at a time, and passing it around costs time"
            )
        if f["speedup"] < 1 + SAME:
            return (
                f"on {words(arm)} {workers} workers were no faster than one ({speedup}):"
                " the GIL lets only one of them compute at a time"
            )
        return (
            f"on {words(arm)} {workers} workers ran {speedup} as fast as one, although the GIL"
            " lets only one of them compute at a time: the 1-worker runs got"
            f" {cpu['1']:.1f} CPUs' worth of time and the {workers}-worker runs"
            f" {cpu[str(workers)]:.1f} (other load on the machine)"
        )
    if f["speedup"] >= 1 + SAME:
        return (
            f"on {words(arm)} {workers} workers were {speedup} as fast as one: they computed"
            f" at the same time on the {f['cpus']} CPUs"
        )
    if f["cpus"] < 2:
        return (
            f"on {words(arm)} {workers} workers were not faster than one ({speedup}): this"
            " process may use only one CPU"
        )
    if cpu[str(workers)] < 1 + SAME:
        return (
            f"on {words(arm)} {workers} workers were not faster than one ({speedup}): they"
            f" got only {cpu[str(workers)]:.1f} CPUs' worth of time out of {f['cpus']} (other"
            " programs had the rest, or the workers were waiting)"
        )
    return (
        f"on {words(arm)} {workers} workers were not faster than one ({speedup}), although"
        f" they used {cpu[str(workers)]:.1f} CPUs: the time went to sharing, not to the jobs"
    )


# -- 4. the event loops --------------------------------------------------------------


def explain_event_loops(docs: Docs) -> Screen:
    """Screen of the generator loop and asyncio: same results, same time, per build."""
    first = next(iter(docs.values()))["result"]
    tasks, steps, delay = first["tasks"], first["steps"], first["delay"]
    one_task, serial = steps * delay, tasks * steps * delay
    figures: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for arm, doc in docs.items():
        runs = doc["result"]["runs"]
        generator = best([run["seconds"] for run in runs if run["loop"] == "generator"])
        asyncio = best([run["seconds"] for run in runs if run["loop"] == "asyncio"])
        wrong = [run for run in runs if not run["results_ok"]]
        figures[arm] = {
            "runs": len(runs),
            "runs_with_right_results": len(runs) - len(wrong),
            "generator_best_seconds": generator,
            "asyncio_best_seconds": asyncio,
            "asyncio_vs_generator": asyncio / generator if generator > 0 else 0.0,
        }
        failures += [
            f"{words(arm)}: the {run['loop']} loop computed wrong results" for run in wrong
        ]
    rows = [
        (
            "runs with the right results",
            [f"{f['runs_with_right_results']} of {f['runs']}" for f in figures.values()],
        ),
        (
            "generator loop: best time",
            [duration(f["generator_best_seconds"]) for f in figures.values()],
        ),
        (
            "asyncio: best time",
            [duration(f["asyncio_best_seconds"]) for f in figures.values()],
        ),
        ("asyncio / generator", [times(f["asyncio_vs_generator"]) for f in figures.values()]),
    ]
    if failures:
        why = (
            "Both loops must compute the same results, but "
            + "; ".join(failures)
            + ": a bug, please report it."
        )
    else:
        all_times = [
            t
            for f in figures.values()
            for t in (f["generator_best_seconds"], f["asyncio_best_seconds"])
        ]
        why = (
            f"both loops run the {tasks} tasks in one thread and always resume the task whose"
            " wait is over, so the waits overlap: each run took"
            f" {duration(min(all_times))}..{duration(max(all_times))}, about one task's"
            f" {duration(one_task)} of waiting, not the {duration(serial)} of all waits in a row"
        )
        ratios = [f["asyncio_vs_generator"] for f in figures.values()]
        if all(1 / (1 + SAME) <= r <= 1 + SAME for r in ratios):
            spread = max(abs(r - 1) for r in ratios)
            why += f"; the generator loop and asyncio took the same time (within {spread:.0%})"
        else:
            why += "; " + "; ".join(
                f"on {words(arm)} asyncio was "
                + compared(
                    f["asyncio_best_seconds"], f["generator_best_seconds"], "the generator loop"
                )
                for arm, f in figures.items()
            )
        if "gil" in figures and "ft" in figures:
            ft, gil = figures["ft"], figures["gil"]
            verdict = compared(
                ft["generator_best_seconds"] + ft["asyncio_best_seconds"],
                gil["generator_best_seconds"] + gil["asyncio_best_seconds"],
                words("gil"),
            )
            if verdict.startswith("about"):
                why += (
                    "; and as one thread does all the work, the free-threaded build made no"
                    " difference"
                )
            else:
                why += f"; the free-threaded build was {verdict}"
        why = capitalized(why) + "."
    return Screen(
        name="event-loops",
        title="Event loops: a generator-based loop and its asyncio twin",
        what=[
            f"{tasks} tasks each compute {steps} steps and wait {duration(delay)} after each,"
            " all in one thread: first in a loop of generators (a task yields how long to"
            f" wait), then as asyncio coroutines. {figures[next(iter(figures))]['runs'] // 2}"
            " runs of each per build."
        ],
        rows=rows,
        why=why,
        failures=failures,
        figures=figures,
    )


EXPLAIN: dict[str, Callable[[Docs], Screen]] = {
    "increment": explain_increment,
    "lock": explain_lock,
    "queue": explain_queue,
    "event-loops": explain_event_loops,
}
"""Example name -> its screen (the same names and order as runners.demo.measure.MEASURES)."""


def render(screen: Screen, index: int, total: int, arms: Sequence[str]) -> str:
    """The screen as text: title rule, what, the side-by-side table, notes, why."""
    title = f"== {index}/{total}  {screen.title} "
    lines = [title + "=" * max(4, WIDTH - len(title))]
    for paragraph in screen.what:
        lines += textwrap.wrap(paragraph, WIDTH)
    lines.append("")
    label_width = max(len(label) for label, _ in screen.rows) + 2
    column = max(
        14, *(len(value) + 3 for _, values in screen.rows for value in values), *map(len, arms)
    )
    lines.append(" " * (label_width + 2) + "".join(f"{arm:<{column}}" for arm in arms).rstrip())
    for label, values in screen.rows:
        cells = "".join(f"{value:<{column}}" for value in values)
        lines.append(f"  {label:<{label_width}}{cells}".rstrip())
    if screen.notes:
        lines += ["", *screen.notes]
    lines.append("")
    lines += textwrap.wrap("Why: " + capitalized(screen.why), WIDTH)
    if screen.failures:
        lines += ["", "!" * 40 + " a fact that must hold did not:"]
        lines += [f"  {failure}" for failure in screen.failures]
    return "\n".join(lines)
