"""What the store check costs: `continue` and `rcontinue` over a whole run, with it and without.

    .venv/bin/python benchmarks/store_check_bench.py [KERNEL ...] [--repeat N]

The check watches every word of the values and indices regions, so the engine runs each
store bundle on its own and the session judges the words it changed; a run costs that much
more for each store into those regions (the baseline makes 8,192 of them). Prints figures
(the best of N runs, on programs already compiled); asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vliwdbg.commands.console import Console
from vliwdbg.core.session import Session


def to_the_end(session: Session) -> tuple[float, str]:
    t0 = time.perf_counter()
    while (stop := Console(session).run("continue").stop).kind == "pause":
        pass
    return time.perf_counter() - t0, stop.kind


def back_to_the_start(session: Session) -> float:
    t0 = time.perf_counter()
    while Console(session).run("rcontinue").stop.kind == "pause":
        pass
    return time.perf_counter() - t0


def region_stores(session: Session) -> int:
    """How many bundle executions changed a word of the judged regions (a watched run that
    passes every change: the count of the engine's watch reports)."""
    from machine.engine import Core, StopSpec

    core = Core(session.prepared, list(session.problem.initial), value_trace=session.problem.value_trace)
    spec = StopSpec(watch_mem=session.store_check.words)
    count = 0
    while (reason := core.run(spec).reason) not in ("end", "halt", "fault"):
        count += reason == "watch"
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=["baseline", "three-lane", "vector"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name in args.kernels:
        opened = Session.open(name)
        kernel, problem = opened.kernel, opened.problem
        opened.prepared.compile_all()
        opening: dict[bool, float] = {}
        for on in (False, True) * args.repeat:
            t0 = time.perf_counter()
            Session(kernel, problem, check_stores=on)
            opening[on] = min(opening.get(on, float("inf")), time.perf_counter() - t0)
        figures = {}
        for on in (False, True):
            forward, backward = [], []
            for _ in range(args.repeat):
                session = Session(kernel, problem, check_stores=on)
                seconds, kind = to_the_end(session)
                assert kind == "end", f"{name}: stopped at {kind}, not the end"
                forward.append(seconds)
                backward.append(back_to_the_start(session))
            figures[on] = (min(forward), min(backward))
        (off_f, off_b), (on_f, on_b) = figures[False], figures[True]
        print(f"{name}: {len(kernel.program):,} bundles, {region_stores(opened):,} region stores")
        print(
            f"  a new session:           off {opening[False] * 1000:7.1f} ms,"
            f" on {opening[True] * 1000:7.1f} ms"
            " (the reference's tables and the engine's access index)"
        )
        print(
            f"  continue to the end:     off {off_f * 1000:7.1f} ms, on {on_f * 1000:7.1f} ms"
            f" = {on_f / off_f:.2f}x"
        )
        print(
            f"  rcontinue to the start:  off {off_b * 1000:7.1f} ms, on {on_b * 1000:7.1f} ms"
            f" = {on_b / off_b:.2f}x"
        )


if __name__ == "__main__":
    main()
