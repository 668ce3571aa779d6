"""A plain, literal interpreter of ISA.md: slow, short, and written to be obviously right.

It is the tests' oracle: the fast engine must agree with it on every program. Each rule of
ISA.md appears here once, in the order the document gives it; nothing is cached or
precomputed.
"""

from __future__ import annotations

from typing import Any

from machine.faults import CompareFault, MachineFault
from machine.isa import SCRATCH_SIZE, SLOT_LIMITS, VLEN, CoreState, alu, costs_cycle, slot_arity


class LiteralMachine:
    """One core running one program over one memory image."""

    def __init__(
        self,
        program: list[dict],
        mem: list[int],
        *,
        value_trace: dict | None = None,
        scratch_size: int = SCRATCH_SIZE,
        enable_pause: bool = True,
        enable_debug: bool = True,
    ) -> None:
        self.program = program
        self.mem = list(mem)
        self.scratch = [0] * scratch_size
        self.scratch_size = scratch_size
        self.value_trace = {} if value_trace is None else value_trace
        self.enable_pause = enable_pause
        self.enable_debug = enable_debug
        self.pc = 0
        self.cycle = 0
        self.state = CoreState.RUNNING
        self.trace_buf: list[int] = []

    def run(self, max_steps: int | None = None) -> None:
        """Resume a paused core and step until it is no longer running."""
        if self.state == CoreState.PAUSED:
            self.state = CoreState.RUNNING
        steps = 0
        while self.state == CoreState.RUNNING:
            if max_steps is not None and steps >= max_steps:
                return
            self.step()
            steps += 1

    def step(self) -> None:
        """Execute one bundle, or stop the core if pc is past the end."""
        pc = self.pc
        if pc >= len(self.program):
            self.state = CoreState.STOPPED
            return
        if pc < 0:
            raise MachineFault("negative pc", pc=pc, value=pc)
        bundle = self.program[pc]
        ex = _Bundle(self, pc)
        for engine, slots in bundle.items():
            if engine == "debug":
                if self.enable_debug:
                    for i, slot in enumerate(slots):
                        ex.debug(i, slot)
                continue
            if engine not in SLOT_LIMITS:
                raise MachineFault("unknown engine", pc=pc, engine=engine, value=engine)
            if len(slots) > SLOT_LIMITS[engine]:
                raise MachineFault(
                    f"{len(slots)} slots, the limit is {SLOT_LIMITS[engine]}",
                    pc=pc,
                    engine=engine,
                    value=len(slots),
                )
            for i, slot in enumerate(slots):
                ex.execute(engine, i, slot)
        for addr, val in ex.scratch_writes:
            self.scratch[addr] = val
        for addr, val in ex.mem_writes:
            self.mem[addr] = val
        self.trace_buf.extend(ex.traced)
        self.pc = ex.next_pc
        self.state = ex.next_state
        if costs_cycle(bundle):
            self.cycle += 1


class _Bundle:
    """One bundle in execution: reads see the machine as it was, writes are buffered."""

    def __init__(self, m: LiteralMachine, pc: int) -> None:
        self.m = m
        self.pc = pc
        self.next_pc = pc + 1
        self.next_state = m.state
        self.scratch_writes: list[tuple[int, int]] = []
        self.mem_writes: list[tuple[int, int]] = []
        self.traced: list[int] = []
        self.engine = ""
        self.index = 0
        self.slot: Any = None

    def fault(self, reason: str, value: Any) -> MachineFault:
        return MachineFault(
            reason, pc=self.pc, engine=self.engine, slot_index=self.index, slot=self.slot, value=value
        )

    def s(self, addr: int) -> int:
        if not 0 <= addr < self.m.scratch_size:
            raise self.fault(f"scratch address {addr} out of range", addr)
        return self.m.scratch[addr]

    def set_s(self, addr: int, val: int) -> None:
        if not 0 <= addr < self.m.scratch_size:
            raise self.fault(f"scratch address {addr} out of range", addr)
        self.scratch_writes.append((addr, val))

    def mem(self, addr: int) -> int:
        if not 0 <= addr < len(self.m.mem):
            raise self.fault(f"memory address {addr} out of range", addr)
        return self.m.mem[addr]

    def set_mem(self, addr: int, val: int) -> None:
        if not 0 <= addr < len(self.m.mem):
            raise self.fault(f"memory address {addr} out of range", addr)
        self.mem_writes.append((addr, val))

    def calc(self, op: str, x: int, y: int) -> int:
        try:
            return alu(op, x, y)
        except ZeroDivisionError:
            raise self.fault(f"{op} by zero", y) from None

    def check_shape(self, engine: str, slot: Any) -> str:
        if not isinstance(slot, tuple | list) or not slot or not isinstance(slot[0], str):
            raise self.fault("a slot must be a tuple that starts with the op name", slot)
        op = slot[0]
        arity = slot_arity(engine, op)
        if arity is None:
            raise self.fault(f"unknown {engine} op {op!r}", op)
        if arity >= 0 and len(slot) != arity:
            raise self.fault(f"{op} takes {arity - 1} operands, got {len(slot) - 1}", len(slot) - 1)
        for operand in slot[1:] if engine != "debug" else ():
            if not isinstance(operand, int):
                raise self.fault(f"operand {operand!r} is not an integer", operand)
        return op

    def execute(self, engine: str, index: int, slot: Any) -> None:
        self.engine, self.index, self.slot = engine, index, slot
        op = self.check_shape(engine, slot)
        a = slot[1:]
        s, set_s = self.s, self.set_s
        if engine == "alu":
            set_s(a[0], self.calc(op, s(a[1]), s(a[2])))
        elif engine == "valu":
            if op == "vbroadcast":
                x = s(a[1])
                for i in range(VLEN):
                    set_s(a[0] + i, x)
            elif op == "multiply_add":
                for i in range(VLEN):
                    set_s(a[0] + i, ((s(a[1] + i) * s(a[2] + i)) % 2**32 + s(a[3] + i)) % 2**32)
            else:
                for i in range(VLEN):
                    set_s(a[0] + i, self.calc(op, s(a[1] + i), s(a[2] + i)))
        elif engine == "load":
            if op == "load":
                set_s(a[0], self.mem(s(a[1])))
            elif op == "load_offset":
                set_s(a[0] + a[2], self.mem(s(a[1] + a[2])))
            elif op == "vload":
                base = s(a[1])
                for i in range(VLEN):
                    set_s(a[0] + i, self.mem(base + i))
            else:
                set_s(a[0], a[1] % 2**32)
        elif engine == "store":
            if op == "store":
                self.set_mem(s(a[0]), s(a[1]))
            else:
                base = s(a[0])
                for i in range(VLEN):
                    self.set_mem(base + i, s(a[1] + i))
        else:
            self.flow(op, a)

    def flow(self, op: str, a: tuple) -> None:
        s, set_s = self.s, self.set_s
        if op == "select":
            set_s(a[0], s(a[2]) if s(a[1]) != 0 else s(a[3]))
        elif op == "vselect":
            for i in range(VLEN):
                set_s(a[0] + i, s(a[2] + i) if s(a[1] + i) != 0 else s(a[3] + i))
        elif op == "add_imm":
            set_s(a[0], (s(a[1]) + a[2]) % 2**32)
        elif op == "halt":
            self.next_state = CoreState.STOPPED
        elif op == "pause":
            if self.m.enable_pause:
                self.next_state = CoreState.PAUSED
        elif op == "trace_write":
            self.traced.append(s(a[0]))
        elif op == "cond_jump":
            if s(a[0]) != 0:
                self.next_pc = a[1]
        elif op == "cond_jump_rel":
            if s(a[0]) != 0:
                self.next_pc = self.pc + 1 + a[1]
        elif op == "jump":
            self.next_pc = a[0]
        elif op == "jump_indirect":
            self.next_pc = s(a[0])
        elif op == "coreid":
            set_s(a[0], 0)

    def debug(self, index: int, slot: Any) -> None:
        self.engine, self.index, self.slot = "debug", index, slot
        if not isinstance(slot, tuple | list) or not slot:
            raise self.fault("a slot must be a tuple that starts with the op name", slot)
        op = slot[0]
        if op not in ("compare", "vcompare"):
            return
        if len(slot) < 3:
            raise self.fault(f"{op} takes a location and a key", len(slot) - 1)
        loc, key = slot[1], slot[2]
        if not isinstance(loc, int):
            raise self.fault(f"operand {loc!r} is not an integer", loc)
        if op == "compare":
            pairs = [(loc, key)]
        else:
            if not isinstance(key, list | tuple) or len(key) != VLEN:
                raise self.fault(f"vcompare takes a list of {VLEN} keys", key)
            pairs = [(loc + i, k) for i, k in enumerate(key)]
        for addr, k in pairs:
            found = self.s(addr)
            try:
                expected = self.m.value_trace[k]
            except (KeyError, TypeError):
                raise self.fault(f"the reference trace has no key {k!r}", k) from None
            if found != expected:
                raise CompareFault(
                    pc=self.pc, slot_index=index, slot=slot, key=k, found=found, expected=expected, loc=addr
                )
