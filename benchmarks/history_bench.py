"""Time travel on the baseline kernel: recording overhead, back-1 and goto latency, memory.

    .venv/bin/python benchmarks/history_bench.py [--interval K] [--samples N]

The goals (issue 5): `back 1` anywhere in a full baseline run under 20 ms, `goto` anywhere
under 250 ms, a whole run's history under 200 MB, and recording at most 1.5x a continue
without history. Prints figures; asserts nothing, since timings drift from run to run.
The sessions run with the store check off, so the figures are history's own;
benchmarks/store_check_bench.py measures what the check adds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine.engine import Core, StopSpec
from vliwdbg.commands.console import Console
from vliwdbg.core.history import DEFAULT_INTERVAL
from vliwdbg.core.session import Session


def fresh_session(session: Session, interval: int, cold: bool) -> Session:
    """A new session on the same problem; cold: on a copy of the program, so that nothing of
    it is compiled yet (the engine compiles a bundle the second time it runs)."""
    kernel = session.kernel
    if cold:
        program = [{engine: list(slots) for engine, slots in bundle.items()} for bundle in kernel.program]
        kernel = replace(kernel, program=program)
    return Session(kernel, session.problem, checkpoint_interval=interval, check_stores=False)


def bare_continue(session: Session) -> tuple[float, int]:
    """A run from step 0 to the end on the session's core with no history: the engine alone."""
    core = Core(session.prepared, list(session.problem.initial), value_trace=session.problem.value_trace)
    t0 = time.perf_counter()
    while core.run(StopSpec()).reason == "pause":
        pass
    return time.perf_counter() - t0, core.steps


def recorded_continue(session: Session, polled: bool = False) -> float:
    """`continue` to the end; polled: as the app runs it, with an interrupt polled about
    every millisecond."""
    cancel = (lambda: False) if polled else None
    t0 = time.perf_counter()
    while Console(session).run("continue", cancel=cancel).stop.kind == "pause":
        pass
    return time.perf_counter() - t0


def latencies(session: Session, command: str, positions: list[int]) -> list[float]:
    out = []
    for position in positions:
        Console(session).run(f"goto step {position}")
        t0 = time.perf_counter()
        result = Console(session).run(
            command.format(
                step=random.randrange(session.timeline.frontier), cycle=random.randrange(session.cycle)
            )
        )
        out.append(time.perf_counter() - t0)
        assert result.error is None, result.error
    return out


def show(name: str, values: list[float]) -> None:
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{name:<28} mean {statistics.mean(ms):7.2f} ms   p99 {p99:7.2f} ms   max {ms[-1]:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=DEFAULT_INTERVAL, help="checkpoint interval in steps")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    random.seed(1)

    t0 = time.perf_counter()
    session = Session.open("baseline")
    print(f"open (build + reference): {time.perf_counter() - t0:.2f} s, {len(session.program):,} bundles")

    k = args.interval
    for label, cold in (("cold", True), ("warm", False)):
        bare, recorded, polled = [], [], []
        for _ in range(3):
            bare.append(bare_continue(fresh_session(session, k, cold))[0])
            recorded.append(recorded_continue(fresh_session(session, k, cold)))
            polled.append(recorded_continue(fresh_session(session, k, cold), polled=True))
        print(
            f"continue to the end, {label}: no history {min(bare) * 1000:6.1f} ms, recording"
            f" {min(recorded) * 1000:6.1f} ms = {min(recorded) / min(bare):.2f}x,"
            f" polled every ms {min(polled) * 1000:6.1f} ms = {min(polled) / min(bare):.2f}x"
        )

    tracemalloc.start()
    fresh = fresh_session(session, k, cold=False)
    before = tracemalloc.get_traced_memory()[0]
    recorded_continue(fresh)
    history_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(
        f"history: {fresh.timeline.checkpoint_count} checkpoints every {fresh.timeline.interval} steps,"
        f" {history_bytes / 1e6:.1f} MB (tracemalloc)"
    )

    positions = [random.randrange(1, fresh.timeline.frontier) for _ in range(args.samples)]
    show("back 1", latencies(fresh, "back", positions))
    show("goto step (random)", latencies(fresh, "goto step {step}", positions))
    show("goto cycle (random)", latencies(fresh, "goto cycle {cycle}", positions))
    Console(fresh).run("watch values[3]")
    t0 = time.perf_counter()
    Console(fresh).run("back")
    print(
        f"first watched move (the engine builds its access index): {(time.perf_counter() - t0) * 1000:.0f} ms"
    )
    show("back 1, watching values[3]", latencies(fresh, "back", positions[: args.samples // 3]))

    Console(fresh).run("delete")
    Console(fresh).run("watch forest[0]")
    end = fresh.timeline.frontier
    for label, start, command in (("continue", 19, "continue"), ("rcontinue", end, "rcontinue")):
        Console(fresh).run(f"goto step {start}")
        t0 = time.perf_counter()
        stop = Console(fresh).run(command).stop
        seconds = time.perf_counter() - t0
        print(f"{label} over the whole run, watching a word never written: {seconds:.2f} s (to {stop.kind})")


if __name__ == "__main__":
    main()
