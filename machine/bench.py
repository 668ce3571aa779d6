"""`python -m machine.bench`: how fast the engine runs, cold and warm, against the literal
interpreter and the take-home's own simulator.

For each program it prints bundles per second (the median of several runs in this one
process), with pauses and debug compares off as in the take-home's measurements:
- engine cold: a program never seen before, preparation included (a fresh `Prepared`);
- engine warm: the program already prepared and compiled, as on a debugger's restart;
- literal: `machine.literal.LiteralMachine`, the oracle;
then the engine's ratios to the literal interpreter and to the take-home's figures from
PERF-NOTES (measured on these machines; absolute speed drifts with load, so with
`--takehome PATH/problem.py` the take-home's Machine is also timed here, in this run,
and the ratios to it are the ones to trust).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from machine.engine import Core, Prepared, StopSpec
from machine.isa import ALU_OPS, MASK, VLEN
from machine.literal import LiteralMachine
from machine.problem import make_problem

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


def median_seconds(run: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_cold(w: Workload) -> int:
    core = Core(Prepared(w.program), w.mem, enable_pause=False, enable_debug=False)
    result = core.run(StopSpec())
    _expect_end(w, result.reason)
    return core.steps


def engine_warm(prepared: Prepared, w: Workload) -> Callable[[], None]:
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


# ---------------------------------------------------------------- report


def rate(bundles: int, seconds: float) -> str:
    return f"{bundles / seconds / 1000:9,.0f}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m machine.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is shown)")
    parser.add_argument("--literal-runs", type=int, default=3, help="runs of the (slow) literal interpreter")
    parser.add_argument("--takehome", metavar="PATH", help="the take-home's problem.py, to time it here too")
    parser.add_argument("--small", action="store_true", help="a small problem (height 6, 4 rounds, batch 64)")
    args = parser.parse_args(argv)
    size = (6, 4, 64) if args.small else (10, 16, 256)
    th_module = load_takehome(args.takehome) if args.takehome else None

    workloads = [
        kernel_workload("baseline", "kernels.baseline", "baseline", size),
        kernel_workload("three-lane (default)", "kernels.three_lane", "packed", size),
        dense_workload(),
        kernel_workload("vector kernel", "kernels.vector", "dense", size),
    ]
    runs = f"median of {args.runs} runs (literal, take-home: {args.literal_runs})"
    print(f"bundles per second, pauses and compares off; {runs}")
    header = f"{'program':22} {'bundles':>8} {'slots/b':>7} {'cold':>10} {'warm':>10} {'literal':>10}"
    header += f" {'cold/lit':>8} {'warm/lit':>8} {'cold/TH':>7} {'warm/TH':>7}"
    if th_module is not None:
        header += f" {'take-home':>10} {'cold/th':>7} {'warm/th':>7}"
    print(header)
    for w in workloads:
        if w is None:
            continue
        steps = engine_cold(w)
        cold_s = median_seconds(lambda w=w: engine_cold(w), args.runs)
        prepared = Prepared(w.program)
        prepared.compile_all(debug=False)
        warm_s = median_seconds(engine_warm(prepared, w), args.runs)
        lit_s = median_seconds(lambda w=w: literal(w), args.literal_runs)
        cold_rate, warm_rate, lit_rate = steps / cold_s, steps / warm_s, steps / lit_s
        reference = TAKEHOME_RATE[w.kind]
        line = f"{w.name:22} {steps:8,} {w.slots_per_bundle:7.1f} {rate(steps, cold_s)} {rate(steps, warm_s)}"
        line += f" {rate(steps, lit_s)} {cold_rate / lit_rate:8.1f} {warm_rate / lit_rate:8.1f}"
        line += f" {cold_rate / reference:7.1f} {warm_rate / reference:7.1f}"
        if th_module is not None:
            th_s = median_seconds(lambda w=w: takehome(th_module, w), args.literal_runs)
            th_rate = steps / th_s
            line += f" {rate(steps, th_s)} {cold_rate / th_rate:7.1f} {warm_rate / th_rate:7.1f}"
        print(line, flush=True)
    print(
        "TH: the take-home's rate from PERF-NOTES (baseline 470k, packed 210k, dense 47k bundles/s);"
        " goals: warm 10x baseline and 5x dense, cold 3x baseline and 1x dense."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
