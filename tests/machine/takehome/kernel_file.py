"""A kernel file in the take-home's shape: it imports its machine as `problem`, builds the
starting kernel (scalar, one slot per bundle, debug compares after each step) and carries its
own harness, `do_kernel_test`, that drives the machine the way the take-home's does.

The tests import it with `problem` pointed at `machine`; nothing here knows about that.
"""

import random

from problem import (
    HASH_STAGES,
    N_CORES,
    SCRATCH_SIZE,
    DebugInfo,
    Engine,
    Input,
    Instruction,
    Machine,
    Tree,
    build_mem_image,
    reference_kernel2,
)

HEADER = (
    "rounds",
    "n_nodes",
    "batch_size",
    "forest_height",
    "forest_values_p",
    "inp_indices_p",
    "inp_values_p",
)


class KernelBuilder:
    def __init__(self):
        self.instrs: list[Instruction] = []
        self.addr_of: dict[str, int] = {}
        self.scratch_names: dict[int, tuple[str, int]] = {}
        self.free = 0
        self.const_addr: dict[int, int] = {}

    def debug_info(self):
        return DebugInfo(scratch_map=self.scratch_names)

    def emit(self, engine: Engine, slot: tuple):
        self.instrs.append({engine: [slot]})

    def alloc(self, name=None, length=1):
        addr = self.free
        self.free += length
        assert self.free <= SCRATCH_SIZE, "out of scratch"
        if name is not None:
            self.addr_of[name] = addr
            self.scratch_names[addr] = (name, length)
        return addr

    def const(self, value):
        """The scratch word holding `value`, loaded with a `const` the first time it is asked for."""
        if value not in self.const_addr:
            addr = self.alloc()
            self.emit("load", ("const", addr, value))
            self.const_addr[value] = addr
        return self.const_addr[value]

    def hash_steps(self, val, t1, t2, r, i):
        steps = []
        for k, (op1, c, op2, op3, shift) in enumerate(HASH_STAGES):
            steps.append(("alu", (op1, t1, val, self.const(c))))
            steps.append(("alu", (op3, t2, val, self.const(shift))))
            steps.append(("alu", (op2, val, t1, t2)))
            steps.append(("debug", ("compare", val, (r, i, "hash_stage", k))))
        return steps

    def build_kernel(self, forest_height, n_nodes, batch_size, rounds):
        t1, t2, t3 = self.alloc("tmp1"), self.alloc("tmp2"), self.alloc("tmp3")
        for name in HEADER:
            self.alloc(name)
        for k, name in enumerate(HEADER):
            self.emit("load", ("const", t1, k))
            self.emit("load", ("load", self.addr_of[name], t1))
        zero, one, two = self.const(0), self.const(1), self.const(2)
        self.emit("flow", ("pause",))
        self.emit("debug", ("comment", "main loop"))

        idx, val, node, addr = (
            self.alloc("idx"),
            self.alloc("val"),
            self.alloc("node_val"),
            self.alloc("addr"),
        )
        indices_p, values_p = self.addr_of["inp_indices_p"], self.addr_of["inp_values_p"]
        body = []
        for r in range(rounds):
            for i in range(batch_size):
                ic = self.const(i)
                body += [
                    ("alu", ("+", addr, indices_p, ic)),
                    ("load", ("load", idx, addr)),
                    ("debug", ("compare", idx, (r, i, "idx"))),
                    ("alu", ("+", addr, values_p, ic)),
                    ("load", ("load", val, addr)),
                    ("debug", ("compare", val, (r, i, "val"))),
                    ("alu", ("+", addr, self.addr_of["forest_values_p"], idx)),
                    ("load", ("load", node, addr)),
                    ("debug", ("compare", node, (r, i, "node_val"))),
                    ("alu", ("^", val, val, node)),
                ]
                body += self.hash_steps(val, t1, t2, r, i)
                body += [
                    ("debug", ("compare", val, (r, i, "hashed_val"))),
                    ("alu", ("%", t1, val, two)),
                    ("alu", ("==", t1, t1, zero)),
                    ("flow", ("select", t3, t1, one, two)),
                    ("alu", ("*", idx, idx, two)),
                    ("alu", ("+", idx, idx, t3)),
                    ("debug", ("compare", idx, (r, i, "next_idx"))),
                    ("alu", ("<", t1, idx, self.addr_of["n_nodes"])),
                    ("flow", ("select", idx, t1, idx, zero)),
                    ("debug", ("compare", idx, (r, i, "wrapped_idx"))),
                    ("alu", ("+", addr, indices_p, ic)),
                    ("store", ("store", addr, idx)),
                    ("alu", ("+", addr, values_p, ic)),
                    ("store", ("store", addr, val)),
                ]
        for engine, slot in body:
            self.emit(engine, slot)
        self.emit("flow", ("pause",))


def do_kernel_test(forest_height, rounds, batch_size, seed=123, trace=False, prints=False):
    random.seed(seed)
    forest = Tree.generate(forest_height)
    inp = Input.generate(forest, batch_size, rounds)
    mem = build_mem_image(forest, inp)

    kb = KernelBuilder()
    kb.build_kernel(forest.height, len(forest.values), len(inp.indices), rounds)

    value_trace = {}
    machine = Machine(mem, kb.instrs, kb.debug_info(), n_cores=N_CORES, value_trace=value_trace, trace=trace)
    machine.prints = prints
    for i, ref_mem in enumerate(reference_kernel2(mem, value_trace)):
        machine.run()
        values_p = ref_mem[6]
        assert machine.mem[values_p : values_p + batch_size] == ref_mem[values_p : values_p + batch_size], (
            f"Incorrect result on round {i}"
        )
    return machine.cycle
