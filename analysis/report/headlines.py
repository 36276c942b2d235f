"""The headline lines at the top of a group's section: what the run shows, in a few lines."""

from __future__ import annotations

from analysis import metrics
from analysis.markdown import _count, _finite, fmt_pct, num
from analysis.report.group import GroupData
from concepts.arms import ARM_ORDER


def _headlines(data: GroupData) -> list[str]:
    """A few sentences a reader can take away without reading the tables."""
    lines: list[str] = []
    single = data.single
    for arm in ("ft", "ft-gil"):
        row = (
            single[(single["family"] == "all") & (single["num"] == arm)]
            if not single.empty
            else single
        )
        if row.empty:
            continue
        r = row.iloc[0]
        ci = (
            f" ({r['basis']} {100 * num(r['overhead_lo']):+.0f}% to "
            f"{100 * num(r['overhead_hi']):+.0f}%)"
            if _finite(r["overhead_lo"])
            else ""
        )
        lines.append(
            f"At 1 thread, {arm} takes {100 * num(r['overhead']):+.0f}% time per op vs gil"
            f"{ci}, geometric mean over {_count(r['n_families'], 'family', 'families')} "
            f"({_count(r['n_benchmarks'], 'single-threaded benchmark')}, one weight per "
            f"family), build profile {r['profile_num']} vs {r['profile_den']} "
            + (
                "(published for pyperformance on optimized, PGO+LTO, builds: 3.13t ≈ +40%, "
                "3.14t +5–10%)."
                if arm == "ft"
                else "(the free-threaded build with the GIL on: its cost without parallelism)."
            )
        )
    fam = data.families
    if not fam.empty:
        control = fam[fam["family"] == "cpu-control"].sort_values("role")
        if not control.empty:
            c = control.iloc[0]
            n = int(num(c["threads_cores"])) if _finite(c["threads_cores"]) else None
            columns = {arm: "speedup_cores_" + arm.replace("-", "_") for arm in ARM_ORDER}
            parts = [
                f"{arm} {num(c[column]):.2f}"
                for arm, column in columns.items()
                if _finite(c[column])
            ]
            if parts and n:
                lines.append(
                    f"CPU-bound control (no shared state), speedup at {n} threads: "
                    + ", ".join(parts)
                    + f" (ideal {num(c['ideal_cores']):.2g})."
                )
        crossing = [
            f"{r.family} ({int(num(r.crossover))})"
            for r in fam.itertuples()
            if _finite(r.crossover) and r.role == "primitive"
        ]
        compared = fam[fam["ft_gil_1t"].notna() & (fam["role"] == "primitive")]
        if not compared.empty:
            bases = sorted(set(compared["ft_gil_basis"]))
            rule = "; ".join(
                f"{basis} below 1"
                if not basis.startswith("none")
                else f"point estimate below 1, no interval: {basis[len('none') :].strip(' ()')}"
                for basis in bases
            )
            lines.append(
                f"Families whose primitives' throughput is higher on ft than on gil "
                f"(ft/gil time ratio: {rule}; from N threads): "
                + (", ".join(crossing) if crossing else "none at the measured thread counts")
                + "."
            )
    if not data.parallel.empty:
        short = int(data.parallel["runs_short_of_cpus"].sum())
        runs = int(data.parallel["runs"].sum())
        lines.append(
            f"Achieved parallelism: {short} of {runs} runs of no-sharing workloads kept "
            f"fewer CPUs busy than {metrics.SHORT_OF_CPUS:g} x what they should (short of "
            "CPUs: their threads waited for a CPU or the OS"
            + (
                "; for these no-sharing workloads a run short of CPUs can only be slower, so "
                "their speedups read as lower bounds)."
                if short
                else ")."
            )
            + " CPU time / wall time cannot see a VM host's other tenants: a run they slowed"
            " still shows full parallelism."
        )
    if data.sessions:
        lines.append("Sessions: " + "; ".join(data.sessions) + ".")
    loss = data.loss
    if not loss.empty:
        top = loss["threads"].max()
        for arm, variant in (("ft", "inline"), ("gil", "inline"), ("gil", "call")):
            rows = loss[
                (loss["arm"] == arm) & (loss["variant"] == variant) & (loss["threads"] == top)
            ]
            if rows.empty:
                continue
            best = rows.sort_values("median").iloc[-1]
            interval = (
                f", switch interval {num(best['switch_interval']):g} s"
                if _finite(best["switch_interval"])
                else ""
            )
            lines.append(
                f"`{variant}` race on {arm}, {int(top)} threads{interval} (the worst interval): "
                "median "
                f"{fmt_pct(best['median'], 2)} of increments lost (max {fmt_pct(best['max'], 2)})."
            )
        safe_names = metrics.safe_variants(data.races)
        safe = loss[loss["variant"].isin(safe_names)]
        if not safe.empty:
            lost_any = safe[safe["max"] > 0]
            names = ", ".join(f"`{v}`" for v in safe_names)
            lines.append(
                f"Safe variants ({names}) lost nothing in any trial."
                if lost_any.empty
                else "**Safe variants lost updates**: "
                + ", ".join(
                    f"{r.variant} on {r.arm} at {r.threads} threads" for r in lost_any.itertuples()
                )
                + " (a failure of the experiment)."
            )
    return lines
