"""`python benchmarks/analysis_bench.py`: the analyses of a whole run against a plain run.

    python benchmarks/analysis_bench.py [--takehome PATH/problem.py] [--rounds N] [KERNEL ...]

For each kernel (the baseline by default, the take-home's starting kernel, whose long
straight-line run is where analyses cost most), it times what the command line does beyond
opening the kernel: `info critical` over the whole run, `--lint`, and `--trace` of the whole
run. Each is set against one plain run of the same program, pauses and compares off: the
take-home's own simulator with `--takehome`, else our engine on a program it has never
seen (its first, interpreted run; the line says which). The goal is every analysis under
twice that plain run, and a dense kernel's analyses instant (under 100 ms each).

Medians over rounds that time every contender in turn, so that a ratio compares times
taken under the same load; the load average is printed. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from machine.engine import Core, Prepared, StopSpec
from vliwdbg.core.session import Session
from vliwdbg.insight.critical_path import _executed_cache, executed_critical_path
from vliwdbg.insight.export import export_trace
from vliwdbg.insight.lint import lint_report

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine_bench import load_takehome

#: An analysis slower than this many plain runs misses the goal.
GOAL_RATIO = 2.0
#: On a dense kernel (a short program) every analysis should feel instant.
INSTANT = 0.1
DENSE_BELOW = 5000


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def plain_run(session: Session, th: ModuleType | None) -> Callable[[], None]:
    """One plain run of the session's program: the take-home's, else our engine's first."""
    program, mem = session.program, list(session.problem.initial)

    if th is not None:

        def run() -> None:
            machine = th.Machine(list(mem), program, th.DebugInfo(scratch_map={}), n_cores=1)
            machine.enable_pause = False
            machine.enable_debug = False
            machine.run()

        return run

    def run() -> None:
        Core(Prepared(program), mem, enable_pause=False, enable_debug=False).run(StopSpec())

    return run


def analyses(session: Session, out: Path) -> dict[str, Callable[[], object]]:
    """The three analyses, each from scratch (the critical path's cache is emptied first)."""

    def critical() -> object:
        _executed_cache.pop(session, None)
        return executed_critical_path(session)

    return {
        "info critical": critical,
        "--lint": lambda: lint_report(session.program, len(session.scratch), session.kernel.scratch_map),
        "--trace": lambda: export_trace(session, out),
    }


def bench(name: str, rounds: int, th: ModuleType | None) -> None:
    session = Session.open(name)
    print(f"{name}: {len(session.program):,} bundles in the program")
    run = plain_run(session, th)
    with tempfile.TemporaryDirectory() as folder:
        work = analyses(session, Path(folder) / "trace.json")
        times: dict[str, list[float]] = {label: [] for label in ("plain run", *work)}
        for _ in range(rounds):
            times["plain run"].append(seconds(run))
            for label, analysis in work.items():
                times[label].append(seconds(analysis))
    plain = statistics.median(times["plain run"])
    who = "the take-home's" if th is not None else "our engine's first (interpreted)"
    print(f"  {'plain run (' + who + ')':<44}{plain:7.3f} s")
    for label in work:
        t = statistics.median(times[label])
        ratio = t / plain
        verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
        if len(session.program) < DENSE_BELOW:
            verdict = "instant" if t < INSTANT else "NOT instant"
        print(f"  {label:<44}{t:7.3f} s  {ratio:5.2f} plain runs  ({verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/analysis_bench.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("kernels", nargs="*", default=["baseline", "vector"], metavar="KERNEL")
    parser.add_argument("--takehome", metavar="PATH", help="the take-home's problem.py, for its plain run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of measurements (the median is shown)")
    args = parser.parse_args(argv)
    th = load_takehome(args.takehome) if args.takehome else None
    print(f"goal: each analysis under {GOAL_RATIO:g} plain runs of the program; a dense kernel's under 0.1 s")
    for name in args.kernels:
        bench(name, args.rounds, th)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
