"""What bundles read and write: statically (from operands) and on a given state.

The static index lets a run with watchpoints execute at full speed and look closely only
at the bundles that could touch a watched word (scratch operands are literal, so those are
known exactly; memory addresses are not, so every load or store is a candidate). The
dynamic answer is the one a debugger shows for the current bundle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from machine.isa import MEMORY_ACCESS, OPERAND_ROLES, VLEN


def static_access(engine: str, slot: Any) -> tuple[list[int], list[int], str | None] | None:
    """(scratch read, scratch written, "read" | "write" | None for memory) of a
    well-formed non-debug slot, or None if it is malformed (it faults, so touches nothing).
    The reads of select and vselect include both candidates."""
    roles_of = OPERAND_ROLES.get(engine)
    if engine == "debug" or roles_of is None or type(slot) not in (tuple, list) or not slot:
        return None
    op = slot[0]
    roles = roles_of.get(op) if isinstance(op, str) else None
    operands = slot[1:]
    if roles is None or len(operands) != len(roles) or not all(isinstance(x, int) for x in operands):
        return None
    if (engine, op) == ("load", "load_offset"):
        dest, addr, offset = operands
        return [addr + offset], [dest + offset], "read"
    reads: list[int] = []
    writes: list[int] = []
    for role, value in zip(roles, operands, strict=True):
        if role == "r":
            reads.append(value)
        elif role == "R":
            reads.extend(range(value, value + VLEN))
        elif role == "w":
            writes.append(value)
        elif role == "W":
            writes.extend(range(value, value + VLEN))
    return reads, writes, MEMORY_ACCESS.get((engine, op))


def _recipes() -> dict[tuple[str, str], tuple[tuple[int, int, bool], ...]]:
    """(engine, op) -> (operand position, words, written?) for each scratch operand."""
    out = {}
    for engine, ops in OPERAND_ROLES.items():
        if engine == "debug":
            continue
        for op, roles in ops.items():
            scratch = [(i, role) for i, role in enumerate(roles, 1) if role in "rRwW"]
            out[engine, op] = tuple((i, VLEN if role in "RW" else 1, role in "wW") for i, role in scratch)
    return out


_RECIPES = _recipes()


class AccessIndex:
    """For a program: which pcs may read or write each scratch word, which touch memory.

    A superset is harmless (a candidate is only looked at more closely), so malformed slots
    are not weeded out here. load_offset is indexed by its operands shifted by the offset.
    """

    def __init__(self, program: list) -> None:
        readers: dict[int, list[int]] = {}
        writers: dict[int, list[int]] = {}
        memory_readers: list[int] = []
        memory_writers: list[int] = []
        recipes = _RECIPES
        for pc, bundle in enumerate(program):
            if type(bundle) is not dict:
                continue
            for engine, slots in bundle.items():
                if engine == "debug" or type(slots) not in (list, tuple):
                    continue
                for slot in slots:
                    try:
                        recipe = recipes[engine, slot[0]]
                        shift = slot[3] if slot[0] == "load_offset" else 0
                        for position, words, written in recipe:
                            first = slot[position] + shift
                            table = writers if written else readers
                            for addr in range(first, first + words):
                                table.setdefault(addr, []).append(pc)
                    except (KeyError, IndexError, TypeError):
                        continue
                    memory = MEMORY_ACCESS.get((engine, slot[0]))
                    if memory == "read":
                        memory_readers.append(pc)
                    elif memory == "write":
                        memory_writers.append(pc)
        self.scratch_readers = readers
        self.scratch_writers = writers
        self.memory_readers = memory_readers
        self.memory_writers = memory_writers

    def writers(self, scratch: Iterable[int], memory: bool) -> frozenset[int]:
        """The pcs that may write one of these scratch words (or any memory, if asked)."""
        pcs = {pc for addr in scratch for pc in self.scratch_writers.get(addr, ())}
        if memory:
            pcs.update(self.memory_writers)
        return frozenset(pcs)

    def readers(self, scratch: Iterable[int], memory: bool) -> frozenset[int]:
        """The pcs that may read one of these scratch words (or any memory, if asked)."""
        pcs = {pc for addr in scratch for pc in self.scratch_readers.get(addr, ())}
        if memory:
            pcs.update(self.memory_readers)
        return frozenset(pcs)


def touches(bundle: Any, scratch: list[int], mem: list[int]) -> tuple[set[int], set[int], set[int], set[int]]:
    """(scratch read, memory read, scratch written, memory written) by `bundle` on this
    state. Debug compares are left out (they observe the kernel, they are not part of it);
    so are addresses out of range (the bundle would fault) and malformed slots."""
    rs: set[int] = set()
    rm: set[int] = set()
    ws: set[int] = set()
    wm: set[int] = set()
    if type(bundle) is not dict:
        return rs, rm, ws, wm

    def sread(addr: int) -> int | None:
        if 0 <= addr < len(scratch):
            rs.add(addr)
            return scratch[addr]
        return None

    def mtouch(out: set[int], base: int | None, count: int) -> None:
        if base is not None:
            out.update(a for a in range(base, base + count) if 0 <= a < len(mem))

    for engine, slots in bundle.items():
        if type(slots) not in (list, tuple):
            continue
        for slot in slots:
            access = static_access(engine, slot)
            if access is None:
                continue
            reads, writes, memory = access
            ws.update(a for a in writes if 0 <= a < len(scratch))
            op = slot[0]
            if op in ("select", "vselect"):
                _chosen_reads(slot, sread)
                continue
            values = [sread(a) for a in reads]
            if memory == "read":
                mtouch(rm, values[0], VLEN if op == "vload" else 1)
            elif memory == "write":
                mtouch(wm, values[0], VLEN if op == "vstore" else 1)
    return rs, rm, ws, wm


def _chosen_reads(slot: tuple, sread: Any) -> None:
    """select reads its condition and only the chosen operand (lane by lane for vselect)."""
    _, _, cond, a, b = slot
    for lane in range(VLEN if slot[0] == "vselect" else 1):
        c = sread(cond + lane)
        if c is not None:
            sread(a + lane if c else b + lane)
