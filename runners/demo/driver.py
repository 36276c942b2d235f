"""``python -m runners.demo``: the teaching examples, live on both builds, side by side.

    python -m runners.demo [--example increment,lock,queue,event-loops] [--arms gil,ft]
        [--threads 8] [--increments 10000] [--repeat 10] [--jobs 100]
        [--variant inline] [--switch-interval S] [--json PATH] [--show-code]
        [--python-gil PATH] [--python-ft PATH]

Runs on any Python >= 3.11 (``tox -e demo`` uses a plain environment): it finds the
provisioned interpreter pair with ``runners.provision.ensure_pair`` (building it on
first use, as the benchmark arms do), then runs every example as a subprocess of each
arm's interpreter (``python -m runners.demo.measure``) with the arm's PYTHON_GIL. Each
subprocess checks its observed GIL state before and after the example, and the driver
checks it again in what comes back: an arm that is not what it claims is refused
loudly and nothing is written. Then one screen per example: what it does, what each
build gave, and why (runners.demo.explain), and at the end the total wall time.

Exit status: 0 ok, 1 an example or the provisioning failed, 2 bad input, 3 an arm's
observed GIL state was not the expected one, 4 a fact that must hold on every build
did not (a locked count not exact, a job not done exactly once, loops disagreeing:
the screens and --json are still written), 130 interrupted.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import json
import platform
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from concepts.arms import ARMS, arm_env, get_arm
from concepts.cli import OneLineParser, UsageError, names_of, positive_int, positive_seconds
from concepts.files import publish
from concepts.race_variants import VARIANTS
from runners.demo import examples
from runners.demo.explain import EXPLAIN, Docs, Screen, render
from runners.demo.measure import (
    DEFAULT_INCREMENTS,
    DEFAULT_JOBS,
    DEFAULT_REPEAT,
    DEFAULT_THREADS,
    EXIT_ARM_MISMATCH,
    MEASURES,
    TIMING_RUNS,
    UNSAFE_VARIANTS,
)
from runners.identity import usable_cpus
from runners.provision import BadInput, Pair, ProvisionError, ensure_pair

SCHEMA = "gilbench.demo/1"
REPO = Path(__file__).resolve().parents[2]
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_FACT_FAILED = 4
EXIT_INTERRUPTED = 130
DEFAULT_ARMS = ("gil", "ft")
MEASURE_TIMEOUT = 300.0
"""Seconds one example may take on one arm (the defaults take a few)."""


class DemoError(Exception):
    """An example could not be measured: one line, exit 1."""


class ArmRefused(Exception):
    """An arm's observed GIL state (or build) is not the expected one: exit 3."""


@dataclass(frozen=True)
class DemoConfig:
    """What one demo run shows."""

    examples: tuple[str, ...]
    arms: tuple[str, ...]
    threads: int
    increments: int
    repeat: int
    jobs: int
    variant: str
    switch_interval: float | None
    show_code: bool
    json_path: Path | None
    python_gil: str | None
    python_ft: str | None

    def measure_args(self) -> list[str]:
        """The sizes, as runners.demo.measure options."""
        args = ["--threads", str(self.threads), "--increments", str(self.increments)]
        args += ["--repeat", str(self.repeat), "--jobs", str(self.jobs)]
        args += ["--variant", self.variant]
        if self.switch_interval is not None:
            args += ["--switch-interval", repr(self.switch_interval)]
        return args


def parse_args(argv: Sequence[str] | None) -> DemoConfig:
    """Parse the command line into a DemoConfig; raise UsageError on bad input."""
    parser = OneLineParser(
        prog="python -m runners.demo",
        description="Classic threading examples, live on the gil and ft builds, side by side.",
    )
    parser.add_argument(
        "--example",
        type=names_of("--example", list(MEASURES)),
        help=f"comma-separated examples to run (default: all of {', '.join(MEASURES)})",
    )
    parser.add_argument(
        "--arms",
        type=names_of("--arms", list(ARMS)),
        default=DEFAULT_ARMS,
        help=f"comma-separated arms, one column each (default {','.join(DEFAULT_ARMS)};"
        f" known: {', '.join(ARMS)})",
    )
    parser.add_argument(
        "--threads",
        type=positive_int("--threads"),
        default=DEFAULT_THREADS,
        help=f"threads of the increments, workers of the queue (default {DEFAULT_THREADS})",
    )
    parser.add_argument(
        "--increments",
        type=positive_int("--increments"),
        default=DEFAULT_INCREMENTS,
        help=f"increments per thread (default {DEFAULT_INCREMENTS:_})",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int("--repeat"),
        default=DEFAULT_REPEAT,
        help=f"runs of each increment example per build (default {DEFAULT_REPEAT}); the"
        f" queue and event loops run min({TIMING_RUNS}, REPEAT) times; times shown are the"
        " best run's",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int("--jobs"),
        default=DEFAULT_JOBS,
        help=f"jobs in the queue example (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--variant",
        choices=UNSAFE_VARIANTS,
        default="inline",
        help="which unprotected increment: inline (x[0] += 1, the default) or"
        " call (x[0] = x[0] + one(), which the GIL build can interrupt), global,"
        " attribute, dict-item",
    )
    parser.add_argument(
        "--switch-interval",
        type=positive_seconds("--switch-interval"),
        help="sys.setswitchinterval in the examples, in seconds (default: the"
        " interpreter's, 0.005); e.g. 1e-6 with --variant call shows the GIL build losing"
        " updates",
    )
    parser.add_argument(
        "--show-code",
        action="store_true",
        help="print the examples' source code and exit (runs nothing)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write everything measured to PATH (an existing file is kept in"
        " PATH's folder's history/)",
    )
    parser.add_argument("--python-gil", metavar="PATH", help="the default-build interpreter")
    parser.add_argument("--python-ft", metavar="PATH", help="the free-threaded interpreter")
    args = parser.parse_args(argv)
    if args.json is not None and args.json.is_dir():
        raise UsageError(f"--json: {args.json} is a directory")
    for option, value in (("--python-gil", args.python_gil), ("--python-ft", args.python_ft)):
        if value is not None and not Path(value).expanduser().is_file():
            raise UsageError(f"{option}: {value}: no such file")
    return DemoConfig(
        examples=args.example or tuple(MEASURES),
        arms=args.arms,
        threads=args.threads,
        increments=args.increments,
        repeat=args.repeat,
        jobs=args.jobs,
        variant=args.variant,
        switch_interval=args.switch_interval,
        show_code=args.show_code,
        json_path=args.json,
        python_gil=args.python_gil,
        python_ft=args.python_ft,
    )


# -- --show-code ---------------------------------------------------------------------

_TYPE_IGNORE = re.compile(r"  # type: ignore\[[^\]]*\]")


def code_of(example: str, variant: str) -> tuple[str, list[Callable[..., Any]]]:
    """(a line on how the example is run, the functions that make it up)."""
    if example == "increment":
        return (
            f"race variant {variant!r} of concepts/race_variants.py; runners.races.run_trial"
            " starts one thread per worker, releases them together and reads the count",
            [VARIANTS[variant].build],
        )
    if example == "lock":
        return (
            "race variant 'locked' of concepts/race_variants.py, run like the increment",
            [VARIANTS["locked"].build],
        )
    if example == "queue":
        return ("runners/demo/examples.py", [examples.crunch, examples.job_queue])
    return (
        "runners/demo/examples.py",
        [
            examples.step,
            examples.generator_task,
            examples.run_generators,
            examples.asyncio_task,
            examples.generator_loop,
            examples.asyncio_loop,
        ],
    )


def show_code(config: DemoConfig) -> str:
    """The source of the selected examples (type-checker comments left out)."""
    parts = []
    for example in config.examples:
        where, functions = code_of(example, config.variant)
        parts += textwrap.wrap(
            f"---- {example}: {where}", 86, initial_indent="# ", subsequent_indent="#      "
        )
        parts += [_TYPE_IGNORE.sub("", inspect.getsource(function)) for function in functions]
    return "\n".join(parts)


# -- measuring -----------------------------------------------------------------------


def measure(example: str, arm_name: str, python: Path, config: DemoConfig) -> dict[str, Any]:
    """Run one example on one arm's interpreter; return the measured document."""
    arm = get_arm(arm_name)
    command = [str(python), "-m", "runners.demo.measure", example, "--arm", arm.name]
    try:
        done = subprocess.run(
            [*command, *config.measure_args()],
            cwd=REPO,
            env=arm_env(arm.name, {"PYTHONUNBUFFERED": "1"}),
            capture_output=True,
            text=True,
            timeout=MEASURE_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise DemoError(
            f"the {example} example did not finish in {MEASURE_TIMEOUT:g} s on arm {arm.name}"
        ) from None
    except OSError as exc:
        raise DemoError(f"cannot run {python} for arm {arm.name}: {exc}") from None
    message = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
    if done.returncode == EXIT_ARM_MISMATCH:
        raise ArmRefused(message.removeprefix("demo.measure: "))
    if done.returncode != 0:
        raise DemoError(
            f"the {example} example failed on arm {arm.name} (exit {done.returncode}): {message}"
        )
    try:
        document: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise DemoError(f"the {example} example on arm {arm.name} printed no result") from None
    observed = {
        "build": document["interpreter"]["py_gil_disabled"],
        "at start": document["interpreter"]["gil_enabled_at_start"],
        "at the end": document["gil_enabled_at_end"],
    }
    if observed["build"] != arm.free_threaded_build:
        raise ArmRefused(f"refusing arm {arm.name}: {python} is not a {arm.description}")
    for when in ("at start", "at the end"):
        if observed[when] != arm.expect_gil_enabled:
            raise ArmRefused(
                f"refusing arm {arm.name}: the GIL was "
                f"{'enabled' if observed[when] else 'disabled'} {when} of the {example}"
                f" example, expected {'enabled' if arm.expect_gil_enabled else 'disabled'}"
            )
    return document


def interpreter_for(pair: Pair, arm_name: str) -> Path:
    """The pair's interpreter that ``arm_name`` runs on."""
    return pair.get("ft" if get_arm(arm_name).free_threaded_build else "gil").path


def header(pair: Pair, config: DemoConfig) -> list[str]:
    """Which interpreters the columns are, before any screen."""
    lines = [
        f"gilbench demo: threading examples, live on {', '.join(config.arms)}"
        f" ({usable_cpus()} usable CPUs)"
    ]
    for name in config.arms:
        arm = get_arm(name)
        interp = pair.get("ft" if arm.free_threaded_build else "gil")
        build = "free-threaded build" if arm.free_threaded_build else "default build"
        gil = "GIL on" if arm.expect_gil_enabled else "GIL off"
        setting = f" (PYTHON_GIL={arm.python_gil})" if arm.python_gil is not None else ""
        lines.append(f"  {name:<7} {interp.version} {build}, {gil}{setting}: {interp.path}")
    if not pair.matched:
        lines.append("  WARNING: the pair is not matched: " + "; ".join(pair.mismatches))
    return lines


class Progress:
    """'measuring lock on ft...' on a terminal's stderr, erased when the screen is ready."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if self.live:
            sys.stderr.write(f"\r\x1b[K{text}")
            sys.stderr.flush()

    def clear(self) -> None:
        self.show("")


def run_demo(config: DemoConfig, pair: Pair) -> tuple[list[Screen], dict[str, Docs]]:
    """Measure every example on every arm, printing each screen as soon as it is ready."""
    progress = Progress()
    screens: list[Screen] = []
    measured: dict[str, Docs] = {}
    for index, example in enumerate(config.examples, start=1):
        docs: Docs = {}
        for arm in config.arms:
            progress.show(f"measuring {example} on {arm}...")
            docs[arm] = measure(example, arm, interpreter_for(pair, arm), config)
        progress.clear()
        screen = EXPLAIN[example](docs)
        print("\n" + render(screen, index, len(config.examples), config.arms), flush=True)
        screens.append(screen)
        measured[example] = docs
    return screens, measured


def document(
    config: DemoConfig,
    pair: Pair,
    screens: list[Screen],
    measured: dict[str, Docs],
    *,
    started: _dt.datetime,
    wall: float,
) -> dict[str, Any]:
    """What --json writes: the run's settings, and per example its screen and raw results."""
    settings = asdict(config)
    settings["json_path"] = str(config.json_path) if config.json_path else None
    return {
        "schema": SCHEMA,
        "metadata": {
            "date": started.isoformat(timespec="seconds"),
            "wall_seconds": round(wall, 3),
            "hostname": platform.node(),
            "usable_cpus": usable_cpus(),
            "command": sys.argv,
            "settings": settings,
            "pair": pair.to_dict(),
            "arms": {name: interpreter_for(pair, name).as_posix() for name in config.arms},
        },
        "examples": [{**screen.to_dict(), "measured": measured[screen.name]} for screen in screens],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runners.demo``."""
    try:
        config = parse_args(argv)
    except UsageError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if config.show_code:
        print(show_code(config))
        return 0
    started = _dt.datetime.now(_dt.UTC)
    clock = time.perf_counter()
    try:
        pair = ensure_pair(gil_path=config.python_gil, ft_path=config.python_ft)
        print("\n".join(header(pair, config)), flush=True)
        screens, measured = run_demo(config, pair)
    except BadInput as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProvisionError as exc:
        print(f"demo: error: no interpreter pair: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ArmRefused as exc:
        print(f"demo: {exc}; nothing written", file=sys.stderr)
        return EXIT_REFUSED
    except DemoError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    wall = time.perf_counter() - clock
    print(
        f"\ndemo: {len(screens)} example{'s' if len(screens) != 1 else ''} on"
        f" {', '.join(config.arms)} in {wall:.1f} s"
    )
    if config.json_path is not None:
        text = json.dumps(
            document(config, pair, screens, measured, started=started, wall=wall), indent=1
        )
        try:
            kept = publish(config.json_path, text + "\n")
        except OSError as exc:
            print(f"demo: error: cannot write {config.json_path}: {exc}", file=sys.stderr)
            return EXIT_ERROR
        note = f" (previous file kept as {kept})" if kept else ""
        print(f"demo: wrote {config.json_path}{note}", file=sys.stderr)
    failures = [failure for screen in screens for failure in screen.failures]
    if failures:
        print(
            f"demo: {len(failures)} fact(s) that must hold on every build did not: "
            + "; ".join(failures),
            file=sys.stderr,
        )
        return EXIT_FACT_FAILED
    return 0
