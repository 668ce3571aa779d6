"""What a slot reads and writes, known without running it.

Lint, the critical path and the source map all reason about scratch words a slot touches.
The roles come from machine/isa.py's OPERAND_ROLES, so the ISA is written down once; this
module only expands them to word addresses. The view is static and conservative: `select`
and `vselect` count as reading both candidates (which one is chosen depends on data), and
memory is known only as "reads memory" / "writes memory" because its addresses are data.
"""

from __future__ import annotations

from dataclasses import dataclass

from machine.isa import MEMORY_ACCESS, OPERAND_ROLES, VLEN


@dataclass(frozen=True, slots=True)
class Access:
    """The scratch words a slot reads and writes, and whether it touches memory."""

    reads: tuple[int, ...]
    writes: tuple[int, ...]
    mem_read: bool = False
    mem_write: bool = False


NO_ACCESS = Access((), ())

_cache: dict[tuple[str, tuple], Access | None] = {}
_MISSING = object()


def slot_access(engine: str, slot: object) -> Access | None:
    """The static access of one slot, or None when the slot is not a well-formed op.

    Malformed slots (unknown op, wrong length, a non-integer operand) are the static
    checker's business; here they simply have no known access, so the analyses skip them
    rather than guess. Debug ops other than compare/vcompare touch nothing.
    """
    try:
        key = (engine, slot)
        hit = _cache.get(key, _MISSING)
    except TypeError:
        return _compute(engine, slot)
    if hit is _MISSING:
        hit = _compute(engine, slot)
        if len(_cache) < 200_000:
            _cache[key] = hit
    return hit


def _compute(engine: str, slot: object) -> Access | None:
    if not isinstance(slot, tuple | list) or not slot or not isinstance(slot[0], str):
        return None
    roles_by_op = OPERAND_ROLES.get(engine)
    if roles_by_op is None:
        return None
    op = slot[0]
    roles = roles_by_op.get(op)
    if roles is None:
        return NO_ACCESS if engine == "debug" else None
    operands = slot[1:]
    if len(operands) != len(roles) and not (engine == "debug" and len(operands) > len(roles)):
        return None
    reads: list[int] = []
    writes: list[int] = []
    for role, operand in zip(roles, operands, strict=False):
        if role in "kt":
            continue
        if not isinstance(operand, int) or isinstance(operand, bool):
            return None
        if role == "r":
            reads.append(operand)
        elif role == "R":
            reads.extend(range(operand, operand + VLEN))
        elif role == "w":
            writes.append(operand)
        elif role == "W":
            writes.extend(range(operand, operand + VLEN))
    if op == "load_offset":
        # The offset shifts both the written and the read word (ISA.md: s[dest+offset] =
        # m[s[addr+offset]]), so the plain roles would name the wrong words.
        offset = operands[2]
        writes = [operands[0] + offset]
        reads = [operands[1] + offset]
    kind = MEMORY_ACCESS.get((engine, op))
    return Access(tuple(reads), tuple(writes), kind == "read", kind == "write")


def iter_slots(bundle: object):
    """(engine, slot index, slot) for every slot of a bundle, in the bundle's own order.

    Tolerates a bundle that is not a mapping or an engine whose slots are not a list by
    yielding nothing for it: the static checker reports those.
    """
    if not isinstance(bundle, dict):
        return
    for engine, slots in bundle.items():
        if not isinstance(slots, list | tuple):
            continue
        for index, slot in enumerate(slots):
            yield engine, index, slot


def format_slot(slot: object) -> str:
    """A slot as the listing shows it: ("+", 3, 1, 2) -> + 3 1 2."""
    if isinstance(slot, tuple | list) and slot:
        return " ".join(str(x) for x in slot)
    return repr(slot)


def word_ranges(words: list[int] | set[int]) -> list[tuple[int, int]]:
    """Sorted words grouped into (first, last) runs of consecutive addresses."""
    runs: list[tuple[int, int]] = []
    for w in sorted(set(words)):
        if runs and w == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], w)
        else:
            runs.append((w, w))
    return runs


class ScratchNames:
    """Names scratch words for messages, from a kernel's scratch_map {addr: (name, length)}.

    Built once per program and reused, because lint may describe thousands of findings.
    """

    def __init__(self, scratch_map: dict[int, tuple[str, int]] | None = None) -> None:
        self._index: dict[int, tuple[str, int, int]] = {}
        for base, (name, length) in (scratch_map or {}).items():
            size = max(1, length)
            for w in range(base, base + size):
                self._index.setdefault(w, (name, base, size))

    def word(self, addr: int) -> str:
        """One word: its register name (with an index inside a vector), else s[addr]."""
        hit = self._index.get(addr)
        if hit is None:
            return f"s[{addr}]"
        name, base, length = hit
        return name if length == 1 else f"{name}[{addr - base}]"

    def words(self, words: list[int] | set[int] | tuple[int, ...]) -> str:
        """Several words: a named vector covered whole shows its bare name, part of it as
        name[a:b], an unnamed run as s[a:b]."""
        parts = []
        for first, last in word_ranges(words):
            addr = first
            while addr <= last:
                hit = self._index.get(addr)
                if hit is not None:
                    name, base, length = hit
                    end = min(last, base + length - 1)
                    if length == 1 or end == addr:
                        parts.append(self.word(addr))
                    elif addr == base and end == base + length - 1:
                        parts.append(name)
                    else:
                        parts.append(f"{name}[{addr - base}:{end - base + 1}]")
                    addr = end + 1
                    continue
                end = addr
                while end + 1 <= last and (end + 1) not in self._index:
                    end += 1
                parts.append(f"s[{addr}]" if end == addr else f"s[{addr}:{end + 1}]")
                addr = end + 1
        return ", ".join(parts)
