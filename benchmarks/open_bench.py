"""What opening a session costs, and what the first moves cost after it.

    .venv/bin/python benchmarks/open_bench.py [KERNEL ...] [--repeat N]

Session.open builds the kernel, generates the problem (the reference runs once) and sets up
the timeline; the engine's access index, which the store check needs to find the bundles
that may store, is left to the first move that watches words, or to `Session.warm_up`,
which the app runs in a worker once its first screen is up. Prints, for each kernel, the
best of N: the open (the kernel's build, and the rest), the warm-up on its own, and a first
`step` without and with a warm-up before it. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vliwdbg.session import Session


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
    figures["first step"], _ = timed(lambda: session.execute("step"))
    figures["second step"], _ = timed(lambda: session.execute("step"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["three-lane", "baseline"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name in args.kernels:
        for warm in (False, True):
            runs = [once(name, warm) for _ in range(args.repeat)]
            best = {key: min(run[key] for run in runs) for key in runs[0]}
            shown = ", ".join(f"{key} {value * 1000:.0f} ms" for key, value in best.items())
            print(f"{name} ({'warm_up, then' if warm else 'no warm_up'}): {shown}")


if __name__ == "__main__":
    main()
