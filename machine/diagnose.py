"""Name the exact fault of a bundle, in the order ISA.md visits its slots.

The fast paths (the interpreter and the compiled bundles) only detect *that* a bundle
cannot execute: any exception they meet sends the bundle here, against the unchanged
state, and this walk finds the first fault in visiting order with the same pc, engine,
slot index, reason and bad value as the literal interpreter would report. Keeping the
precise walk in one slow place is what lets the fast paths skip ordering their checks.
"""

from __future__ import annotations

from typing import Any

from machine.faults import CompareFault, MachineFault
from machine.isa import SLOT_LIMITS, VLEN, alu, slot_arity


class _Found(Exception):
    """Carries the first fault out of the walk."""

    def __init__(self, fault: MachineFault) -> None:
        self.fault = fault


def find_fault(
    bundle: Any, pc: int, scratch: list[int], mem: list[int], value_trace: dict, debug: bool
) -> MachineFault | None:
    """The first fault of the bundle at `pc` on this state, or None if it executes cleanly."""
    try:
        _Walk(pc, scratch, mem, value_trace).bundle(bundle, debug)
    except _Found as found:
        return found.fault
    return None


class _Walk:
    def __init__(self, pc: int, scratch: list[int], mem: list[int], value_trace: dict) -> None:
        self.pc = pc
        self.scratch = scratch
        self.mem = mem
        self.value_trace = value_trace
        self.engine: str | None = None
        self.index: int | None = None
        self.slot: Any = None

    def fail(self, reason: str, value: Any) -> _Found:
        return _Found(
            MachineFault(
                reason, pc=self.pc, engine=self.engine, slot_index=self.index, slot=self.slot, value=value
            )
        )

    def s(self, addr: int) -> int:
        if not 0 <= addr < len(self.scratch):
            raise self.fail(f"scratch address {addr} out of range", addr)
        return self.scratch[addr]

    def set_s(self, addr: int) -> None:
        if not 0 <= addr < len(self.scratch):
            raise self.fail(f"scratch address {addr} out of range", addr)

    def m(self, addr: int) -> int:
        if not 0 <= addr < len(self.mem):
            raise self.fail(f"memory address {addr} out of range", addr)
        return self.mem[addr]

    def calc(self, op: str, x: int, y: int) -> int:
        try:
            return alu(op, x, y)
        except ZeroDivisionError:
            raise self.fail(f"{op} by zero", y) from None

    def bundle(self, bundle: Any, debug: bool) -> None:
        if not isinstance(bundle, dict):
            raise self.fail(f"a bundle is a dict of engines, not a {type(bundle).__name__}", bundle)
        for engine, slots in bundle.items():
            self.engine, self.index, self.slot = engine, None, None
            if engine == "debug":
                if debug:
                    self.debug_slots(slots)
                continue
            if engine not in SLOT_LIMITS:
                raise self.fail("unknown engine", engine)
            try:
                count = len(slots)
            except TypeError:
                raise self.fail(f"slots are a list, not a {type(slots).__name__}", slots) from None
            if count > SLOT_LIMITS[engine]:
                raise self.fail(f"{count} slots, the limit is {SLOT_LIMITS[engine]}", count)
            for index, slot in enumerate(slots):
                self.index, self.slot = index, slot
                self.execute(engine, slot)

    def shape(self, engine: str, slot: Any) -> str:
        if not isinstance(slot, tuple | list) or not slot or not isinstance(slot[0], str):
            raise self.fail("a slot must be a tuple that starts with the op name", slot)
        op = slot[0]
        arity = slot_arity(engine, op)
        if arity is None:
            raise self.fail(f"unknown {engine} op {op!r}", op)
        if len(slot) != arity:
            raise self.fail(f"{op} takes {arity - 1} operands, got {len(slot) - 1}", len(slot) - 1)
        for operand in slot[1:]:
            if not isinstance(operand, int):
                raise self.fail(f"operand {operand!r} is not an integer", operand)
        return op

    def execute(self, engine: str, slot: Any) -> None:
        op = self.shape(engine, slot)
        a = slot[1:]
        s, set_s = self.s, self.set_s
        if engine == "alu":
            self.calc(op, s(a[1]), s(a[2]))
            set_s(a[0])
        elif engine == "valu":
            if op == "vbroadcast":
                s(a[1])
                for i in range(VLEN):
                    set_s(a[0] + i)
            elif op == "multiply_add":
                for i in range(VLEN):
                    s(a[1] + i), s(a[2] + i), s(a[3] + i)
                    set_s(a[0] + i)
            else:
                for i in range(VLEN):
                    self.calc(op, s(a[1] + i), s(a[2] + i))
                    set_s(a[0] + i)
        elif engine == "load":
            if op == "load":
                self.m(s(a[1]))
                set_s(a[0])
            elif op == "load_offset":
                self.m(s(a[1] + a[2]))
                set_s(a[0] + a[2])
            elif op == "vload":
                base = s(a[1])
                for i in range(VLEN):
                    self.m(base + i)
                    set_s(a[0] + i)
            else:
                set_s(a[0])
        elif engine == "store":
            if op == "store":
                addr = s(a[0])
                s(a[1])
                self.m(addr)
            else:
                base = s(a[0])
                for i in range(VLEN):
                    s(a[1] + i)
                    self.m(base + i)
        else:
            self.flow(op, a)

    def flow(self, op: str, a: tuple) -> None:
        s, set_s = self.s, self.set_s
        if op == "select":
            s(a[2]) if s(a[1]) != 0 else s(a[3])
            set_s(a[0])
        elif op == "vselect":
            for i in range(VLEN):
                s(a[2] + i) if s(a[1] + i) != 0 else s(a[3] + i)
                set_s(a[0] + i)
        elif op == "add_imm":
            s(a[1])
            set_s(a[0])
        elif op in ("trace_write", "cond_jump", "cond_jump_rel", "jump_indirect"):
            s(a[0])
        elif op == "coreid":
            set_s(a[0])

    def debug_slots(self, slots: Any) -> None:
        try:
            numbered = list(enumerate(slots))
        except TypeError:
            raise self.fail(f"slots are a list, not a {type(slots).__name__}", slots) from None
        for index, slot in numbered:
            self.index, self.slot = index, slot
            self.debug(index, slot)

    def debug(self, index: int, slot: Any) -> None:
        if not isinstance(slot, tuple | list) or not slot:
            raise self.fail("a slot must be a tuple that starts with the op name", slot)
        op = slot[0]
        if op not in ("compare", "vcompare"):
            return
        if len(slot) < 3:
            raise self.fail(f"{op} takes a location and a key", len(slot) - 1)
        loc, key = slot[1], slot[2]
        if not isinstance(loc, int):
            raise self.fail(f"operand {loc!r} is not an integer", loc)
        if op == "compare":
            pairs = [(loc, key)]
        else:
            if not isinstance(key, list | tuple) or len(key) != VLEN:
                raise self.fail(f"vcompare takes a list of {VLEN} keys", key)
            pairs = [(loc + i, k) for i, k in enumerate(key)]
        for addr, k in pairs:
            found = self.s(addr)
            try:
                expected = self.value_trace[k]
            except (KeyError, TypeError):
                raise self.fail(f"the reference trace has no key {k!r}", k) from None
            if found != expected:
                raise _Found(
                    CompareFault(
                        pc=self.pc,
                        slot_index=index,
                        slot=slot,
                        key=k,
                        found=found,
                        expected=expected,
                        loc=addr,
                    )
                )
