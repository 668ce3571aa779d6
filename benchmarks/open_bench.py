"""What opening a session costs, and what the first moves cost after it.

    .venv/bin/python benchmarks/open_bench.py [KERNEL ...] [--repeat N]

Session.open builds the kernel, generates the problem (the reference runs once) and sets up
the timeline; the engine's access index, which the store check needs to find the bundles
that may store, is left to the first move that watches words, or to `Session.warm_up`,
which the app runs in a worker once its first screen is up. Prints, for each kernel, the
best of N: the open (the kernel's build, and the rest), the warm-up on its own, and a first
`step` without and with a warm-up before it, all with the build cache off; then the median
open with the cache off and with a hit (the cache kept in a temporary folder, not the
user's). Asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vliwdbg.commands.console import Console
from vliwdbg.core.session import Session


def timed(action) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = action()
    return time.perf_counter() - t0, value


def once(name: str, warm: bool) -> dict[str, float]:
    gc.collect()
    opened, session = timed(lambda: Session.open(name))
    build = session.kernel.build_seconds
    figures = {"open": opened, "kernel build": build, "rest of open": opened - build}
    if warm:
        figures["warm_up"], _ = timed(session.warm_up)
    figures["first step"], _ = timed(lambda: Console(session).run("step"))
    figures["second step"], _ = timed(lambda: Console(session).run("step"))
    return figures


def cache_line(name: str, repeat: int) -> str:
    """Median open with the build cache off, then with a hit, and the kernel's share of each."""
    figures = {}
    for state in ("off", "hit"):
        os.environ["VLIWDBG_NO_CACHE"] = "1" if state == "off" else "0"
        if state == "hit":
            Session.open(name)
        runs, hits = [], 0
        for _ in range(repeat):
            gc.collect()
            opened, session = timed(lambda: Session.open(name))
            hits += session.kernel.from_cache
            runs.append((opened, session.kernel.build_seconds))
        figures[state] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    (off, off_build), (hit, hit_build) = figures["off"], figures["hit"]
    missed = "" if hits == repeat else f"; only {hits} of {repeat} were hits"
    return (
        f"{name} build cache (median of {repeat}): open {off * 1000:.0f} ms off -> {hit * 1000:.0f} ms hit "
        f"(kernel {off_build * 1000:.0f} ms built -> {hit_build * 1000:.0f} ms read{missed})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["three-lane", "baseline"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vliwdbg-open-bench-") as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
        for name in args.kernels:
            os.environ["VLIWDBG_NO_CACHE"] = "1"
            for warm in (False, True):
                runs = [once(name, warm) for _ in range(args.repeat)]
                best = {key: min(run[key] for run in runs) for key in runs[0]}
                shown = ", ".join(f"{key} {value * 1000:.0f} ms" for key, value in best.items())
                print(f"{name} ({'warm_up, then' if warm else 'no warm_up'}): {shown}")
            print(cache_line(name, max(args.repeat, 5)))


if __name__ == "__main__":
    main()
