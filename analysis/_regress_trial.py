"""Acceptance trials of the gate: repeated measure + check, with or without an injected slowdown.

    python -m analysis._regress_trial --baseline FILE --reps 10 --python gil=P --python ft=P
        [--inject "locked-increment-lock-fine:0.25"] [--work-dir DIR] [check options...]

Each repetition runs ``python -m analysis.regress measure`` (the baseline's subset and
runner options) and then ``python -m analysis.regress check`` on that run, re-measuring
flagged metrics as CI would. With ``--inject`` both steps run with the test-only
``GILBENCH_INJECT_SLOWDOWN`` set (runners.inject), so the measured code really is slower.
Prints each repetition's verdict and wall time, then the counts. A/A (no injection)
should give no regression in >= 9 of 10; a 25% injection a regression in >= 9 of 10.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

VERDICT = {0: "pass", 1: "regression", 2: "inconclusive"}


def cpu_busy(seconds: float = 3.0) -> float | None:
    """Share of all CPUs busy over ``seconds`` (from /proc/stat; None where unavailable)."""

    def sample() -> tuple[int, int] | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except OSError:
            return None
        ticks = [int(x) for x in fields]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        return sum(ticks), idle

    first = sample()
    time.sleep(seconds)
    second = sample()
    if first is None or second is None or second[0] == first[0]:
        return None
    return 1 - (second[1] - first[1]) / (second[0] - first[0])


def wait_quiet(limit: float, threshold: float = 0.15) -> str:
    """Wait (up to ``limit`` s) until other work leaves the CPUs idle; say how long it took."""
    start = time.monotonic()
    while True:
        busy = cpu_busy()
        if busy is None or busy < threshold:
            return f"quiet after {time.monotonic() - start:.0f} s"
        if time.monotonic() - start > limit:
            return f"still {busy:.0%} busy after {limit:.0f} s: ran anyway"
        time.sleep(7)


def main(argv: list[str] | None = None) -> int:
    """Run the trials; exit 0 when every repetition produced a verdict (0, 1 or 2)."""
    parser = argparse.ArgumentParser(prog="python -m analysis._regress_trial", description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--python", action="append", default=[], metavar="ARM=PATH")
    parser.add_argument("--inject", metavar="SPEC", help="GILBENCH_INJECT_SLOWDOWN value")
    parser.add_argument("--work-dir", type=Path, default=Path("results/regress/trials"))
    parser.add_argument(
        "--take-baseline",
        type=int,
        default=0,
        metavar="N",
        help="first take the baseline (written to --baseline) from N measured runs, each "
        "after --wait-quiet",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="before each repetition wait up to S seconds for other jobs to leave the CPUs "
        "idle (a shared machine); 0: do not wait",
    )
    args, check_args = parser.parse_known_args(argv)

    env = dict(os.environ)
    env.pop("GILBENCH_INJECT_SLOWDOWN", None)
    if args.inject:
        env["GILBENCH_INJECT_SLOWDOWN"] = args.inject
    pythons = [f"--python={item}" for item in args.python]
    regress = [sys.executable, "-m", "analysis.regress"]
    label = f"inject {args.inject}" if args.inject else "A/A"
    if args.take_baseline:
        clean = {k: v for k, v in env.items() if k != "GILBENCH_INJECT_SLOWDOWN"}
        runs = []
        for index in range(1, args.take_baseline + 1):
            waited = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else ""
            run_dir = args.work_dir / f"baseline-run-{index}"
            subprocess.run(
                [*regress, "measure", "--results-dir", str(run_dir), *pythons],
                env=clean, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
            )  # fmt: skip
            print(f"[baseline] run {index} measured ({waited or 'no wait'})", flush=True)
            runs.append(str(run_dir))
        made = subprocess.run(
            [*regress, "baseline", "--from", *runs, "--out", str(args.baseline)],
            env=clean, capture_output=True, text=True, check=False,
        )  # fmt: skip
        print(made.stdout + made.stderr, end="", flush=True)
        if made.returncode != 0:
            return 1
    counts: dict[str, int] = {}
    times: list[float] = []
    ok = True
    for rep in range(1, args.reps + 1):
        run_dir = args.work_dir / f"rep-{rep}"
        waited = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else ""
        start = time.monotonic()
        measure = subprocess.run(
            [*regress, "measure", "--results-dir", str(run_dir), "--baseline", str(args.baseline),
             *pythons],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        if measure.returncode != 0:
            print(f"[{label}] rep {rep}: measure failed: {measure.stderr.strip()[-300:]}")
            ok = False
            continue
        measured = time.monotonic() - start
        check = subprocess.run(
            [*regress, "check", "--results", str(run_dir), "--baseline", str(args.baseline),
             "--remeasure-dir", str(run_dir / "remeasure"), "--markdown",
             str(run_dir / "gate.md"), *pythons, *check_args],
            env={k: v for k, v in env.items() if k != "GITHUB_STEP_SUMMARY"},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False,
        )  # fmt: skip
        wall = time.monotonic() - start
        times.append(wall)
        verdict = VERDICT.get(check.returncode, f"exit {check.returncode}")
        ok = ok and check.returncode in VERDICT
        counts[verdict] = counts.get(verdict, 0) + 1
        flagged = [
            line.split("|")[1].strip() + " [" + line.split("|")[8].strip() + "]"
            for line in check.stdout.splitlines()
            if line.startswith("| ") and ("REGRESSION" in line or "inconclusive" in line)
        ]
        print(
            f"[{label}] rep {rep}: {verdict} in {wall:.0f} s (measure {measured:.0f} s)"
            + (f"; flagged: {', '.join(flagged)}" if flagged else "")
            + (f" ({waited})" if waited else ""),
            flush=True,
        )
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    mean = sum(times) / len(times) if times else 0.0
    print(f"[{label}] {args.reps} repetitions: {summary}; mean gate run {mean:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
