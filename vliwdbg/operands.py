"""A slot as a line of pseudo-code with its scratch operands named: `val = val ^ node`.

The take-home's own debugging aid replaces scratch addresses by their scratch_map names; we
do the same, guided by the ISA's operand roles (machine/isa.py), so literals stay numbers
and vector operands show the register they start.
"""

from __future__ import annotations

from collections.abc import Callable

from machine.isa import ALU_OPS, OPERAND_ROLES

Namer = Callable[[int], str]

_INFIX = {op for op in ALU_OPS if op != "cdiv"}


def slot_text(engine: str, slot: object, name: Namer) -> str:
    """One slot as pseudo-code; a slot that is not a well-formed op is shown as written."""
    if not isinstance(slot, tuple | list) or not slot or not isinstance(slot[0], str):
        return repr(slot)
    op, args = slot[0], list(slot[1:])
    roles = OPERAND_ROLES.get(engine, {}).get(op)
    if roles is None or len(roles) > len(args) or (len(roles) < len(args) and engine != "debug"):
        return " ".join(str(x) for x in slot)
    if not all(isinstance(a, int) for a, role in zip(args, roles, strict=False) if role in "wWrR"):
        return " ".join(str(x) for x in slot)
    n = [
        name(a) if role in "wWrR" and isinstance(a, int) else a for a, role in zip(args, roles, strict=False)
    ]
    if engine in ("alu", "valu") and op in ALU_OPS:
        rhs = f"{n[1]} {op} {n[2]}" if op in _INFIX else f"cdiv({n[1]}, {n[2]})"
        return f"{n[0]} = {rhs}"
    return _special(op, args, n)


def _special(op: str, args: list, n: list) -> str:
    if op == "vbroadcast":
        return f"{n[0]} = broadcast {n[1]}"
    if op == "multiply_add":
        return f"{n[0]} = {n[1]} * {n[2]} + {n[3]}"
    if op == "load":
        return f"{n[0]} = m[{n[1]}]"
    if op == "load_offset":
        off = args[2]
        return f"{n[0]}+{off} = m[{n[1]}+{off}]"
    if op == "vload":
        return f"{n[0]} = m[{n[1]}:+8]"
    if op == "const":
        return f"{n[0]} = {args[1]}"
    if op == "store":
        return f"m[{n[0]}] = {n[1]}"
    if op == "vstore":
        return f"m[{n[0]}:+8] = {n[1]}"
    if op in ("select", "vselect"):
        return f"{n[0]} = {n[1]} ? {n[2]} : {n[3]}"
    if op == "add_imm":
        return f"{n[0]} = {n[1]} + {args[2]}"
    if op == "trace_write":
        return f"trace_write {n[0]}"
    if op == "cond_jump":
        return f"if {n[0]}: jump {args[1]}"
    if op == "cond_jump_rel":
        return f"if {n[0]}: jump {args[1]:+d}"
    if op == "jump":
        return f"jump {args[0]}"
    if op == "jump_indirect":
        return f"jump {n[0]}"
    if op == "coreid":
        return f"{n[0]} = coreid"
    if op in ("compare", "vcompare"):
        return f"{op} {n[0]} == ref{args[1]!r}"
    return op
