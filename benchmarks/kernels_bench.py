"""Print what our kernels cost: build time, program size and cycles at a problem size.

    python benchmarks/kernels_bench.py [--height 10 --rounds 16 --batch 256] [kernel ...]

Kernels are named as the debugger names them (baseline, three-lane). Build time is the best
of a few builds (it is on the debugger's start-up path); cycles come from the drop-in
`machine.Machine` with pauses and compares off, as the take-home's submission check runs.
"""

from __future__ import annotations

import argparse
import importlib
import time

from machine import Machine
from machine.problem import make_problem

KERNELS = {"baseline": "kernels.baseline", "three-lane": "kernels.three_lane"}


def measure(module_name: str, height: int, rounds: int, batch: int, repeats: int = 3) -> dict[str, float]:
    """Build the kernel `repeats` times and run it once; return the figures."""
    module = importlib.import_module(module_name)
    problem = make_problem(height, rounds, batch, 123)
    best = float("inf")
    for _ in range(repeats):
        kb = module.KernelBuilder()
        started = time.perf_counter()
        kb.build_kernel(height, problem.n_nodes, batch, rounds)
        best = min(best, time.perf_counter() - started)
    machine = Machine(problem.initial, kb.instrs, kb.debug_info())
    machine.enable_pause = False
    machine.enable_debug = False
    machine.run()
    values = slice(problem.initial[6], problem.initial[6] + batch)
    return {
        "build_s": best,
        "bundles": len(kb.instrs),
        "cycles": machine.cycle,
        "correct": machine.mem[values] == problem.final[values],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/kernels_bench.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "kernels", nargs="*", metavar="kernel", help=f"one of {', '.join(KERNELS)} (default: all)"
    )
    parser.add_argument("--height", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)
    for name in args.kernels:
        if name not in KERNELS:
            parser.error(f"unknown kernel {name!r}: choose from {', '.join(KERNELS)}")
    print(f"height {args.height}, rounds {args.rounds}, batch {args.batch}")
    for name in args.kernels or KERNELS:
        f = measure(KERNELS[name], args.height, args.rounds, args.batch)
        print(
            f"{name:>11}: build {f['build_s'] * 1000:6.0f} ms  {f['bundles']:>7,} bundles  "
            f"{f['cycles']:>7,} cycles  {'correct' if f['correct'] else 'WRONG'}"
        )


if __name__ == "__main__":
    main()
