"""`python benchmarks/machine_bench.py`: how fast the engine runs, cold and warm, against the literal
interpreter and the take-home's own simulator.

For each program it prints bundles per second, with pauses and debug compares off as in
the take-home's measurements:
- cold: a program never seen before (a fresh `Prepared`), its first run;
- 2nd: the second run of that same prepared program, which makes code of the bundles it
  visits again (`machine.compile`), so it carries the preparation cost;
- warm: later runs, the code made, as on a debugger's restart;
- literal: `machine.literal.LiteralMachine`, the oracle;
- with `--takehome PATH/problem.py`: the take-home's own `Machine`, and the engine's ratios
  to it, and "8 runs": the take-home's submission check in shape (eight runs of one
  program object through the drop-in `machine.Machine`), its total time against eight
  runs of the take-home.

Then, per program, the submission check run by run: a new program object per round, with
the code shared between programs forgotten as in a new process, a new `Machine` for it
each run (pauses and compares off), the milliseconds of runs 1..8 and
each one's ratio to one take-home run (or to PERF-NOTES' rate without `--takehome`),
with the ratios the speed goals are stated in: every run, the first, and all eight
together.

Other programs on the machine make absolute speeds drift by 2x within a minute, so the
measurements go in rounds, each timing every contender once, one after the other, and
every figure is the median over the rounds: a ratio then compares times taken under the
same load. Without `--takehome`, the take-home's rates from PERF-NOTES stand in (measured
on another day, so only a rough guide).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from machine.engine import Core, Prepared, StopSpec, forget_shared_code
from machine.isa import ALU_OPS, MASK, VLEN
from machine.literal import LiteralMachine
from machine.problem import make_problem
from machine.simulator import DebugInfo, Machine

#: The take-home simulator's bundles per second on these machines (PERF-NOTES).
TAKEHOME_RATE = {"baseline": 470_000, "packed": 210_000, "dense": 47_000}


@dataclass
class Workload:
    name: str
    program: list[dict]
    mem: list[int]
    #: Which PERF-NOTES figure it compares with.
    kind: str

    @property
    def slots_per_bundle(self) -> float:
        slots = sum(len(s) for b in self.program for e, s in b.items() if e != "debug")
        return slots / max(1, len(self.program))


# ---------------------------------------------------------------- workloads


def kernel_workload(name: str, module: str, kind: str, size: tuple[int, int, int]) -> Workload | None:
    """A kernel from `kernels/`, built for the standard problem; None if it is not there."""
    try:
        kernel = importlib.import_module(module)
    except ImportError:
        return None
    height, rounds, batch = size
    problem = make_problem(height, rounds, batch)
    kb = kernel.KernelBuilder()
    kb.build_kernel(problem.height, problem.n_nodes, problem.batch_size, problem.rounds)
    return Workload(name, kb.instrs, problem.initial, kind)


def dense_workload(n_bundles: int = 1000, seed: int = 1) -> Workload:
    """A synthetic vector program: per bundle 6 valu, 12 alu and 2 load slots (20 slots),
    op mixes varying from bundle to bundle as in a real packed kernel, on random 32-bit
    words (arithmetic on zeros would flatter every simulator)."""
    rng = random.Random(seed)
    n_vregs = 96
    shifts = n_vregs * VLEN
    scalars = shifts + VLEN
    ptr = scalars + 64
    mem = [rng.randrange(MASK + 1) for _ in range(n_vregs * VLEN + 64)]
    step = scalars + 62
    program: list[dict] = [
        {"load": [("const", ptr, 0), ("const", ptr + 1, VLEN)]},
        {"load": [("const", step, 2 * VLEN), ("const", shifts, 7)]},
    ]
    for v in range(0, n_vregs, 2):
        program.append(
            {
                "load": [("vload", v * VLEN, ptr), ("vload", (v + 1) * VLEN, ptr + 1)],
                "alu": [("+", ptr, ptr, step), ("+", ptr + 1, ptr + 1, step)],
            }
        )
    program.append({"load": [("const", ptr, 0)], "valu": [("vbroadcast", shifts, shifts)]})
    vops = [op for op in ALU_OPS if op not in ("//", "cdiv", "%")] + ["multiply_add"]
    aops = [op for op in ALU_OPS if op not in ("//", "cdiv", "%", "<<", ">>")]

    def vreg() -> int:
        return VLEN * rng.randrange(n_vregs)

    for _ in range(n_bundles):
        valu = []
        for _ in range(6):
            op = rng.choice(vops)
            if op == "multiply_add":
                valu.append((op, vreg(), vreg(), vreg(), vreg()))
            elif op in ("<<", ">>"):
                valu.append((op, vreg(), vreg(), shifts))
            else:
                valu.append((op, vreg(), vreg(), vreg()))
        alu = [
            (rng.choice(aops), scalars + rng.randrange(64), rng.randrange(scalars), rng.randrange(scalars))
            for _ in range(12)
        ]
        load = [("load", scalars + rng.randrange(64), ptr), ("load_offset", vreg(), ptr, rng.randrange(VLEN))]
        program.append({"valu": valu, "alu": alu, "load": load})
    return Workload("dense synthetic", program, mem, "dense")


# ---------------------------------------------------------------- timing


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def engine_run(prepared: Prepared, w: Workload) -> Callable[[], None]:
    def run() -> None:
        core = Core(prepared, w.mem, enable_pause=False, enable_debug=False)
        _expect_end(w, core.run(StopSpec()).reason)

    return run


def literal(w: Workload) -> None:
    LiteralMachine(w.program, w.mem, enable_pause=False, enable_debug=False).run()


def takehome(module: ModuleType, w: Workload) -> None:
    machine = module.Machine(list(w.mem), w.program, module.DebugInfo(scratch_map={}), n_cores=1)
    machine.enable_pause = False
    machine.enable_debug = False
    machine.run()


def eight_runs(w: Workload) -> float:
    """Seconds for the submission check's eight runs of one new program object through
    the drop-in `Machine` (pauses and compares off)."""
    program = list(w.program)
    start = time.perf_counter()
    for _ in range(8):
        machine = Machine(w.mem, program, DebugInfo(scratch_map={}))
        machine.enable_pause = False
        machine.enable_debug = False
        machine.run()
    return time.perf_counter() - start


def submission_runs(w: Workload, th: ModuleType | None) -> tuple[list[float], float | None]:
    """Seconds of runs 1..8 of one new program object, each through a new drop-in
    `Machine` (the submission check's shape), and one take-home run of it (None without
    the take-home)."""
    program = list(w.program)
    th_time = seconds(lambda: takehome(th, Workload(w.name, program, w.mem, w.kind))) if th else None
    times = []
    for _ in range(8):
        machine = Machine(w.mem, program, DebugInfo(scratch_map={}))
        machine.enable_pause = False
        machine.enable_debug = False
        times.append(seconds(machine.run))
    return times, th_time


#: The goals of the submission check, against the take-home: (every run, the first, all
#: eight together) by kind of program.
RUN_GOALS = {"baseline": (1.5, 5.0, 10.0), "dense": (1.5, 2.5, 4.0), "packed": (1.5, None, None)}


def report_runs(w: Workload, rounds: int, th: ModuleType | None, steps: int) -> None:
    """Print runs 1..8 (medians over rounds, each round on a new program object)."""
    per_run: list[list[float]] = [[] for _ in range(8)]
    th_times: list[float] = []
    for _ in range(rounds):
        forget_shared_code()
        times, th_time = submission_runs(w, th)
        for i, t in enumerate(times):
            per_run[i].append(t)
        if th_time is not None:
            th_times.append(th_time)
    med = [statistics.median(ts) for ts in per_run]
    if th_times:
        reference, source = statistics.median(th_times), "the take-home's run"
    else:
        reference, source = steps / TAKEHOME_RATE[w.kind], "PERF-NOTES' take-home rate"
    ratios = [reference / t for t in med]
    together = 8 * reference / sum(med)
    print(f"{w.name}: runs 1..8 of one program object, ms: " + " ".join(f"{t * 1000:.0f}" for t in med))
    print(f"  against {source} ({reference * 1000:.0f} ms): " + " ".join(f"{r:.1f}x" for r in ratios))
    line = f"  every run at least {min(ratios):.1f}x, the first {ratios[0]:.1f}x, all eight {together:.1f}x"
    goal = RUN_GOALS.get(w.kind)
    if goal is not None:
        marks = [
            f"every run {'met' if min(ratios) >= goal[0] else 'NOT met'} ({goal[0]}x)",
            *([f"first {'met' if ratios[0] >= goal[1] else 'NOT met'} ({goal[1]}x)"] if goal[1] else []),
            *([f"eight {'met' if together >= goal[2] else 'NOT met'} ({goal[2]}x)"] if goal[2] else []),
        ]
        line += "; goals: " + ", ".join(marks)
    slower = [i + 2 for i in range(7) if med[i + 1] > med[i] * 1.1]
    if slower:
        line += f"; more than 10% slower than the run before: run {', '.join(map(str, slower))}"
    print(line, flush=True)


def _expect_end(w: Workload, reason: str) -> None:
    if reason not in ("end", "halt"):
        raise SystemExit(f"{w.name}: the run stopped with {reason!r}, not at the end")


def load_takehome(path: str) -> ModuleType:
    """Import the take-home's problem.py from a local copy (never part of this project)."""
    file = Path(path)
    if file.is_dir():
        file = file / "problem.py"
    if not file.is_file():
        raise SystemExit(f"--takehome: no such file {file}")
    spec = importlib.util.spec_from_file_location("takehome_problem", file)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--takehome: cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Times:
    """Seconds per contender, one entry per round."""

    cold: list[float] = field(default_factory=list)
    second: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    literal: list[float] = field(default_factory=list)
    takehome: list[float] = field(default_factory=list)
    eight: list[float] = field(default_factory=list)


def measure(w: Workload, rounds: int, literal_rounds: int, th: ModuleType | None) -> Times:
    """Time every contender once per round, in turn (see the module docstring)."""
    times = Times()
    engine_run(Prepared(w.program), w)()  # imports, first-use code: not part of any figure
    for r in range(rounds):
        forget_shared_code()
        prepared = Prepared(w.program)
        run = engine_run(prepared, w)
        times.cold.append(seconds(run))
        times.second.append(seconds(run))
        times.warm.append(statistics.median(seconds(run) for _ in range(3)))
        if r < literal_rounds:
            times.literal.append(seconds(lambda: literal(w)))
        if th is not None:
            times.takehome.append(seconds(lambda: takehome(th, w)))
            times.eight.append(eight_runs(w))
    return times


# ---------------------------------------------------------------- report


def rate(bundles: int, seconds: float) -> str:
    return f"{bundles / seconds / 1000:8,.0f}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/machine_bench.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=5, help="rounds of measurements (the median is shown)")
    parser.add_argument(
        "--literal-runs", type=int, default=3, help="rounds that also time the literal interpreter"
    )
    parser.add_argument("--takehome", metavar="PATH", help="the take-home's problem.py, to time it here too")
    parser.add_argument("--small", action="store_true", help="a small problem (height 6, 4 rounds, batch 64)")
    parser.add_argument("--only", metavar="NAME", help="only the programs whose name contains NAME")
    parser.add_argument(
        "--runs-only", action="store_true", help="only the submission check's runs 1..8, not the table"
    )
    args = parser.parse_args(argv)
    size = (6, 4, 64) if args.small else (10, 16, 256)
    th_module = load_takehome(args.takehome) if args.takehome else None

    workloads = [
        kernel_workload("baseline", "kernels.baseline", "baseline", size),
        kernel_workload("three-lane (default)", "kernels.three_lane", "packed", size),
        dense_workload(),
        kernel_workload("vector kernel", "kernels.vector", "dense", size),
    ]
    print(
        f"bundles per second, pauses and compares off; medians of {args.runs} rounds"
        f" (literal: {min(args.runs, args.literal_runs)})"
    )
    header = f"{'program':21} {'bundles':>8} {'slots/b':>7} {'cold':>9} {'2nd':>9} {'warm':>9} {'literal':>9}"
    header += f" {'cold/lit':>8} {'warm/lit':>8}"
    if th_module is None:
        header += f" {'cold/TH':>7} {'warm/TH':>7}"
    else:
        header += f" {'take-home':>9} {'cold/th':>7} {'2nd/th':>7} {'warm/th':>7} {'8 runs/th':>9}"
    print(header)
    chosen = [w for w in workloads if w is not None and not (args.only and args.only not in w.name)]
    for w in chosen if not args.runs_only else ():
        times = measure(w, args.runs, min(args.runs, args.literal_runs), th_module)
        steps = bundles_run(w)
        med = statistics.median
        cold, second, warm, lit = med(times.cold), med(times.second), med(times.warm), med(times.literal)
        line = f"{w.name:21} {steps:8,} {w.slots_per_bundle:7.1f} {rate(steps, cold)} {rate(steps, second)}"
        line += f" {rate(steps, warm)} {rate(steps, lit)} {lit / cold:8.1f} {lit / warm:8.1f}"
        if th_module is None:
            reference = TAKEHOME_RATE[w.kind]
            line += f" {steps / cold / reference:7.1f} {steps / warm / reference:7.1f}"
        else:
            th = med(times.takehome)
            line += f" {rate(steps, th)} {th / cold:7.1f} {th / second:7.1f} {th / warm:7.1f}"
            line += f" {8 * th / med(times.eight):9.1f}"
        print(line, flush=True)
    if th_module is None:
        print("TH: the take-home's rate from PERF-NOTES (baseline 470k, packed 210k, dense 47k bundles/s).")
    print()
    for w in chosen:
        report_runs(w, args.runs, th_module, bundles_run(w))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def bundles_run(w: Workload) -> int:
    """Bundles one run executes."""
    core = Core(Prepared(w.program), w.mem, enable_pause=False, enable_debug=False)
    _expect_end(w, core.run(StopSpec()).reason)
    return core.steps


if __name__ == "__main__":
    sys.exit(main())
