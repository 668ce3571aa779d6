"""The take-home's starting kernel, rebuilt from its description in ISA.md.

Scalar and one slot per bundle, so it is slow (147,734 cycles at height 10, 16 rounds,
batch 256) and easy to follow: every step of the reference kernel is one bundle, followed by
a debug compare against the reference's value for that step. It is the fixture for
cycle-exactness: the machine must count exactly the cycles the take-home counts.

The layout of the program is what fixes the cycle count, so it follows the original:
the seven header words (a `const` of the word's index, then a `load`), the constants 0, 1
and 2, the first pause (the 18th bundle), a debug-only comment bundle, then every other
constant once, on first use, and only then the body, because the body is collected apart
while its constants are emitted; a final pause closes the program.
"""

from __future__ import annotations

from machine import HASH_STAGES, SCRATCH_SIZE, DebugInfo
from machine.gc_pause import gc_paused
from machine.problem import HEADER_NAMES


class KernelBuilder:
    """Builds the starting kernel for one problem size into `self.instrs`."""

    def __init__(self) -> None:
        self.instrs: list[dict[str, list[tuple]]] = []
        self.scratch_map: dict[int, tuple[str, int]] = {}
        self.reg: dict[str, int] = {}
        self._free = 0
        self._consts: dict[int, int] = {}

    def debug_info(self) -> DebugInfo:
        return DebugInfo(scratch_map=dict(self.scratch_map))

    def alloc(self, name: str, length: int = 1) -> int:
        """Reserve `length` scratch words under `name` and return the first address."""
        addr = self._free
        if addr + length > SCRATCH_SIZE:
            raise ValueError(f"out of scratch: {name!r} needs {length} word(s) at {addr}")
        self._free += length
        self.reg[name] = addr
        self.scratch_map[addr] = (name, length)
        return addr

    def emit(self, engine: str, slot: tuple) -> None:
        self.instrs.append({engine: [slot]})

    def const(self, value: int) -> int:
        """The scratch word holding `value`, loaded with `const` the first time it is asked for."""
        if value not in self._consts:
            name = f"const_{value}" if value < 1 << 16 else f"const_{value:#x}"
            addr = self.alloc(name)
            self.emit("load", ("const", addr, value))
            self._consts[value] = addr
        return self._consts[value]

    def build_kernel(self, forest_height: int, n_nodes: int, batch_size: int, rounds: int) -> None:
        with gc_paused():
            self._build(batch_size, rounds)

    def _build(self, batch_size: int, rounds: int) -> None:
        tmp1 = self.alloc("tmp1")
        tmp2 = self.alloc("tmp2")
        tmp3 = self.alloc("tmp3")
        for name in HEADER_NAMES:
            self.alloc(name)
        for index, name in enumerate(HEADER_NAMES):
            self.emit("load", ("const", tmp1, index))
            self.emit("load", ("load", self.reg[name], tmp1))
        zero, one, two = self.const(0), self.const(1), self.const(2)

        # The harness runs to this pause, checks memory, then resumes with the value trace
        # filled in; no debug compare may run before it.
        self.emit("flow", ("pause",))
        self.emit("debug", ("comment", "Starting loop"))

        idx = self.alloc("tmp_idx")
        val = self.alloc("tmp_val")
        node_val = self.alloc("tmp_node_val")
        addr = self.alloc("tmp_addr")
        n_nodes_reg = self.reg["n_nodes"]
        forest_p = self.reg["forest_values_p"]
        indices_p = self.reg["inp_indices_p"]
        values_p = self.reg["inp_values_p"]

        body: list[tuple[str, tuple]] = []
        for r in range(rounds):
            for i in range(batch_size):
                elem = self.const(i)
                body += [
                    ("alu", ("+", addr, indices_p, elem)),
                    ("load", ("load", idx, addr)),
                    ("debug", ("compare", idx, (r, i, "idx"))),
                    ("alu", ("+", addr, values_p, elem)),
                    ("load", ("load", val, addr)),
                    ("debug", ("compare", val, (r, i, "val"))),
                    ("alu", ("+", addr, forest_p, idx)),
                    ("load", ("load", node_val, addr)),
                    ("debug", ("compare", node_val, (r, i, "node_val"))),
                    ("alu", ("^", val, val, node_val)),
                ]
                for k, (op1, c, op2, op3, shift) in enumerate(HASH_STAGES):
                    body += [
                        ("alu", (op1, tmp1, val, self.const(c))),
                        ("alu", (op3, tmp2, val, self.const(shift))),
                        ("alu", (op2, val, tmp1, tmp2)),
                        ("debug", ("compare", val, (r, i, "hash_stage", k))),
                    ]
                body += [
                    ("debug", ("compare", val, (r, i, "hashed_val"))),
                    ("alu", ("%", tmp1, val, two)),
                    ("alu", ("==", tmp1, tmp1, zero)),
                    ("flow", ("select", tmp3, tmp1, one, two)),
                    ("alu", ("*", idx, idx, two)),
                    ("alu", ("+", idx, idx, tmp3)),
                    ("debug", ("compare", idx, (r, i, "next_idx"))),
                    ("alu", ("<", tmp1, idx, n_nodes_reg)),
                    ("flow", ("select", idx, tmp1, idx, zero)),
                    ("debug", ("compare", idx, (r, i, "wrapped_idx"))),
                    ("alu", ("+", addr, indices_p, elem)),
                    ("store", ("store", addr, idx)),
                    ("alu", ("+", addr, values_p, elem)),
                    ("store", ("store", addr, val)),
                ]
        for engine, slot in body:
            self.emit(engine, slot)
        self.emit("flow", ("pause",))
