"""Static findings: the faults of a program that can be known before it runs.

A bundle faults only when it executes (as on the take-home), so these findings never stop
a run; they let the debugger and the linter point at a bad slot before the run reaches it.
Everything here follows from the program alone: memory addresses and division by zero
depend on data and are left to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from machine.isa import OPERAND_ROLES, SCRATCH_SIZE, SLOT_LIMITS, VLEN, slot_arity

#: Flow ops whose scratch operands (after dest and cond) are read only when chosen.
_CHOSEN_OPERANDS = {("flow", "select"): (3, 4), ("flow", "vselect"): (3, 4)}


@dataclass(frozen=True)
class Finding:
    """One static problem: where it is and a one-line message.

    severity is "error" when the bundle faults whenever it executes, "warning" when it
    faults only for some data (an out-of-range select operand faults only when chosen).
    """

    pc: int
    engine: str | None
    slot_index: int | None
    slot: Any
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"pc {self.pc}"
        if self.engine is not None:
            where += f", {self.engine}"
            if self.slot_index is not None:
                where += f" slot {self.slot_index}"
        if self.slot is not None:
            where += f" {self.slot!r}"
        return f"{where}: {self.message}"


def check_program(program: Any, scratch_size: int = SCRATCH_SIZE) -> list[Finding]:
    """Every statically knowable fault of `program`, in pc order."""
    if not isinstance(program, list | tuple):
        return [
            Finding(0, None, None, None, "error", f"a program is a list of bundles, not {_kind(program)}")
        ]
    findings: list[Finding] = []
    for pc, bundle in enumerate(program):
        findings.extend(_check_bundle(pc, bundle, len(program), scratch_size))
    return findings


def _kind(value: Any) -> str:
    return f"a {type(value).__name__}"


def _check_bundle(pc: int, bundle: Any, n_bundles: int, scratch_size: int) -> list[Finding]:
    if not isinstance(bundle, dict):
        return [Finding(pc, None, None, None, "error", f"a bundle is a dict of engines, not {_kind(bundle)}")]
    out: list[Finding] = []
    for engine, slots in bundle.items():
        if engine not in SLOT_LIMITS:
            out.append(Finding(pc, engine, None, None, "error", f"unknown engine {engine!r}"))
            continue
        if not isinstance(slots, list | tuple):
            out.append(Finding(pc, engine, None, None, "error", f"slots are a list, not {_kind(slots)}"))
            continue
        limit = SLOT_LIMITS[engine]
        if engine != "debug" and len(slots) > limit:
            out.append(Finding(pc, engine, None, None, "error", f"{len(slots)} slots, the limit is {limit}"))
        for index, slot in enumerate(slots):
            for severity, message in _check_slot(pc, engine, slot, n_bundles, scratch_size):
                out.append(Finding(pc, engine, index, slot, severity, message))
    return out


def _check_slot(pc: int, engine: str, slot: Any, n_bundles: int, size: int) -> list[tuple[str, str]]:
    if not isinstance(slot, tuple | list) or not slot:
        return [("error", "a slot is a tuple that starts with the op name")]
    op = slot[0]
    if engine == "debug":
        return _check_debug(slot, size)
    if not isinstance(op, str):
        return [("error", "a slot is a tuple that starts with the op name")]
    arity = slot_arity(engine, op)
    if arity is None:
        return [("error", f"unknown {engine} op {op!r}")]
    if len(slot) != arity:
        return [("error", f"{op} takes {arity - 1} operands, got {len(slot) - 1}")]
    for operand in slot[1:]:
        if not isinstance(operand, int):
            return [("error", f"operand {operand!r} is not an integer")]
    roles = OPERAND_ROLES[engine][op]
    operands = list(slot[1:])
    if (engine, op) == ("load", "load_offset"):
        # The addresses used are dest+offset and addr+offset, not the operands themselves.
        operands = [slot[1] + slot[3], slot[2] + slot[3], slot[3]]
    out = []
    chosen = _CHOSEN_OPERANDS.get((engine, op), ())
    for position, (role, value) in enumerate(zip(roles, operands, strict=True), start=1):
        if role in "wrWR":
            extent = VLEN if role in "WR" else 1
            if value < 0 or value + extent > size:
                span = f"{value}..{value + extent - 1}" if extent > 1 else f"{value}"
                severity = "warning" if position in chosen else "error"
                when = " (a fault only when chosen)" if position in chosen else ""
                out.append((severity, f"scratch address {span} out of range [0, {size}){when}"))
        elif role == "t" and value < 0:
            out.append(("error", f"jump target {value} is negative"))
    if (engine, op) == ("flow", "cond_jump_rel") and pc + 1 + slot[2] < 0:
        out.append(("error", f"relative jump lands at negative pc {pc + 1 + slot[2]}"))
    return out


def _check_debug(slot: tuple | list, size: int) -> list[tuple[str, str]]:
    op = slot[0]
    if op not in ("compare", "vcompare"):
        return []
    if len(slot) < 3:
        return [("error", f"{op} takes a location and a key")]
    loc, key = slot[1], slot[2]
    if not isinstance(loc, int):
        return [("error", f"operand {loc!r} is not an integer")]
    extent = 1
    if op == "vcompare":
        extent = VLEN
        if not isinstance(key, list | tuple) or len(key) != VLEN:
            return [("error", f"vcompare takes a list of {VLEN} keys")]
    if loc < 0 or loc + extent > size:
        return [("error", f"scratch address {loc} out of range [0, {size})")]
    return []
