"""A slot as a line of pseudo-code with its scratch operands named: `val = val ^ node`.

The take-home's own debugging aid replaces scratch addresses by their scratch_map names; we
do the same, guided by the ISA's operand roles (machine/isa.py), so literals stay numbers
and a vector operand names the register it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from machine.isa import ALU_OPS, OPERAND_ROLES, VLEN

#: (address, words) -> the operand's name; words is 1 for a scalar, VLEN for a vector.
Namer = Callable[[int, int], str]


class ScratchNamer:
    """Names scratch operands from a kernel's scratch_map {addr: (name, length)}."""

    def __init__(self, scratch_map: Mapping[int, tuple[str, int]]) -> None:
        self._at: dict[int, tuple[str, int, int]] = {}
        for base, (name, length) in sorted(scratch_map.items()):
            for addr in range(base, base + max(1, length)):
                self._at.setdefault(addr, (name, base, max(1, length)))

    def __call__(self, addr: int, words: int = 1) -> str:
        """`name` for a whole register, `name[i]` or `name[i:j]` for part of one, the first
        word's name for a vector over several, else `s[A]` or `s[A:B]`."""
        hit = self._at.get(addr)
        if hit is None:
            return f"s[{addr}]" if words == 1 else f"s[{addr}:{addr + words}]"
        name, base, length = hit
        if words > 1 and self._at.get(addr + words - 1) != hit:
            # A vector over several registers (a header loaded with one vload): named by
            # its first word, as the take-home's own listing does.
            words = 1
        if words == length:
            return name
        i = addr - base
        return f"{name}[{i}]" if words == 1 else f"{name}[{i}:{i + words}]"


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
        name(a, VLEN if role in "WR" else 1) if role in "wWrR" else a
        for a, role in zip(args, roles, strict=False)
    ]
    if op == "load_offset":
        # It moves both words by the offset: s[dest+offset] = m[s[addr+offset]].
        dest, addr, offset = args
        return f"{name(dest + offset, 1)} = m[{name(addr + offset, 1)}]"
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
    if op == "compare":
        return f"compare {n[0]} == {_ref_text([args[1]])}"
    if op == "vcompare":
        return f"vcompare {n[0]} == {_ref_text(args[1])}"
    return op


def _ref_text(keys: Sequence) -> str:
    """Reference keys compactly: ref(0, 1, 'val'), or ref(0, 8..15, 'hash_stage', 2) for a
    vector of consecutive elements at one step."""
    keys = list(keys) if isinstance(keys, list | tuple) else [keys]
    if all(isinstance(k, tuple) and len(k) >= 3 and isinstance(k[1], int) for k in keys):
        first, rest = keys[0], keys[0][2:]
        consecutive = all(
            k[0] == first[0] and k[2:] == rest and k[1] == first[1] + j for j, k in enumerate(keys)
        )
        if consecutive:
            element = str(first[1]) if len(keys) == 1 else f"{first[1]}..{first[1] + len(keys) - 1}"
            return "ref(" + ", ".join([repr(first[0]), element, *map(repr, rest)]) + ")"
    return "ref" + repr(keys[0] if len(keys) == 1 else tuple(keys))


def names_by_scratch_name(scratch_map: Mapping[int, tuple[str, int]]) -> dict[str, tuple[int, int]]:
    """name -> (address, length) from the kernel's scratch map (the first of a name wins)."""
    names: dict[str, tuple[int, int]] = {}
    for addr, (name, length) in sorted(scratch_map.items()):
        names.setdefault(name, (addr, length))
    return names
