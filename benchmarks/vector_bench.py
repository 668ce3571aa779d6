"""Figures for the vector kernel: `python benchmarks/vector_bench.py [height rounds batch]`.

Prints the build time, the cycle count on the fast engine (checked against the reference),
and the slots each engine issues against its limit, with the lower bound each implies. The
VALU and the ALU are also shown as one pool, since lane-wise VALU work overflows onto the
ALU (eight ALU slots stand for one VALU slot), so together they bound the kernel tighter
than either alone.
"""

from __future__ import annotations

import math
import sys
import time

from kernels.vector import KernelBuilder
from machine import SLOT_LIMITS, VLEN, Machine
from machine.problem import make_problem

ENGINES = ("alu", "valu", "load", "store", "flow")


def main(argv: list[str]) -> int:
    if argv and (len(argv) != 3 or not all(a.isdigit() for a in argv)):
        print(
            f"vector_bench: expected three whole numbers, got {' '.join(argv)!r}; "
            "usage: python benchmarks/vector_bench.py [height rounds batch]",
            file=sys.stderr,
        )
        return 2
    height, rounds, batch = (int(a) for a in argv) if argv else (10, 16, 256)
    problem = "" if batch % VLEN == 0 else f"batch {batch} is not a multiple of {VLEN}"
    if height > 10:
        problem = f"height {height} is over 10"
    if problem:
        print(f"vector_bench: {problem}", file=sys.stderr)
        return 2
    builds = []
    for _ in range(3):
        kb = KernelBuilder()
        start = time.process_time()
        kb.build_kernel(height, 2 ** (height + 1) - 1, batch, rounds)
        builds.append(time.process_time() - start)
    p = make_problem(height, rounds, batch, seed=123)
    m = Machine(p.initial, kb.instrs, kb.debug_info(), value_trace=p.value_trace)
    m.enable_pause = False
    m.run()
    values = slice(p.initial[6], p.initial[6] + batch)
    verdict = "values match the reference" if m.mem[values] == p.final[values] else "VALUES DIFFER"
    print(f"height {height}, rounds {rounds}, batch {batch}: {m.cycle} cycles, {verdict}")
    print(f"build: {min(builds) * 1000:.0f} ms CPU (best of 3), {len(kb.instrs)} bundles")
    slots = {e: sum(len(b.get(e, ())) for b in kb.instrs) for e in ENGINES}
    print(f"{'engine':<10}{'slots':>8}{'limit':>7}{'bound':>7}{'used':>7}")
    for e in ENGINES:
        bound = math.ceil(slots[e] / SLOT_LIMITS[e])
        print(f"{e:<10}{slots[e]:>8}{SLOT_LIMITS[e]:>7}{bound:>7}{slots[e] / SLOT_LIMITS[e] / m.cycle:>7.1%}")
    pool = slots["valu"] + slots["alu"] / VLEN
    per_cycle = SLOT_LIMITS["valu"] + SLOT_LIMITS["alu"] / VLEN
    print(
        f"{'valu+alu':<10}{pool:>8.0f}{per_cycle:>7}{math.ceil(pool / per_cycle):>7}"
        f"{pool / per_cycle / m.cycle:>7.1%}   (in VALU slots; 8 ALU slots = 1)"
    )
    compares = sum(1 for b in kb.instrs for s in b.get("debug", ()) if s[0] == "vcompare")
    print(f"vcompare slots: {compares}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
