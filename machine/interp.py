"""The lean interpreter: one bundle at a time with no preparation, for the first run.

A program that has never run is cheaper to interpret than to compile (most bundles of a
straight-line kernel run once). Each op is a small function found through a dict, writes
are buffered as (index, value) pairs where the index is an address or a slice, and every
check is the cheapest one that notices trouble: a negative operand, an index past the
end, a wrong arity or type all raise *some* exception. The engine then asks
`machine.diagnose` for the exact fault, against the unchanged state.
"""

from __future__ import annotations

from typing import Any

from machine.isa import MASK, SLOT_LIMITS
from machine.opexpr import ALU_EXPR, OP_NAMES


class Reject(Exception):
    """A check failed; the bundle faults and diagnose will say how."""


_ALU_TEMPLATE = """
def alu_{name}(s, m, slot, sw, mw):
    _, d, a, b = slot
    if (d | a | b) < 0:
        raise Reject
    x = s[a]
    y = s[b]
    s[d]
    sw.append((d, {expr}))

def valu_{name}(s, m, slot, sw, mw):
    _, d, a, b = slot
    if (d | a | b) < 0:
        raise Reject
    s[d + 7]
    s[a + 7]
    s[b + 7]
    sw.append((slice(d, d + 8), [{expr} for x, y in zip(s[a : a + 8], s[b : b + 8])]))
"""


def _alu_handlers() -> tuple[dict[str, Any], dict[str, Any]]:
    alu_ops: dict[str, Any] = {}
    valu_ops: dict[str, Any] = {}
    for op, expr in ALU_EXPR.items():
        name = OP_NAMES[op]
        namespace: dict[str, Any] = {"M": MASK, "Reject": Reject}
        exec(_ALU_TEMPLATE.format(name=name, expr=expr), namespace)
        alu_ops[op] = namespace[f"alu_{name}"]
        valu_ops[op] = namespace[f"valu_{name}"]
    return alu_ops, valu_ops


def _vbroadcast(s, m, slot, sw, mw):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d + 7]
    sw.append((slice(d, d + 8), [s[a]] * 8))


def _multiply_add(s, m, slot, sw, mw):
    _, d, a, b, c = slot
    if (d | a | b | c) < 0:
        raise Reject
    s[d + 7]
    s[a + 7]
    s[b + 7]
    s[c + 7]
    lanes = zip(s[a : a + 8], s[b : b + 8], s[c : c + 8], strict=True)
    sw.append((slice(d, d + 8), [(x * y + z) & MASK for x, y, z in lanes]))


def _load(s, m, slot, sw, mw):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d]
    sw.append((d, m[s[a]]))


def _load_offset(s, m, slot, sw, mw):
    _, d, a, offset = slot
    d += offset
    a += offset
    if (d | a) < 0:
        raise Reject
    s[d]
    sw.append((d, m[s[a]]))


def _vload(s, m, slot, sw, mw):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d + 7]
    base = s[a]
    m[base + 7]
    sw.append((slice(d, d + 8), m[base : base + 8]))


def _const(s, m, slot, sw, mw):
    _, d, val = slot
    if d < 0:
        raise Reject
    s[d]
    sw.append((d, val & MASK))


def _store(s, m, slot, sw, mw):
    _, a, v = slot
    if (a | v) < 0:
        raise Reject
    addr = s[a]
    m[addr]
    mw.append((addr, s[v]))


def _vstore(s, m, slot, sw, mw):
    _, a, v = slot
    if (a | v) < 0:
        raise Reject
    s[v + 7]
    base = s[a]
    m[base + 7]
    mw.append((slice(base, base + 8), s[v : v + 8]))


# Flow ops return their control action: None, or (kind, value) with kind one of
# "jump", "rel", "halt", "pause", "trace".


def _select(s, slot, sw, cid):
    _, d, c, a, b = slot
    a | b  # both must be integers even though only one is read
    if (d | c) < 0:
        raise Reject
    src = a if s[c] else b
    if src < 0:
        raise Reject
    s[d]
    sw.append((d, s[src]))


def _vselect(s, slot, sw, cid):
    _, d, c, a, b = slot
    if (d | c | a | b) < 0 or d + 8 > len(s) or c + 8 > len(s):
        return _vselect_edges(s, slot, sw, cid)
    if a + 8 > len(s) or b + 8 > len(s):
        return _vselect_edges(s, slot, sw, cid)
    sw.append((slice(d, d + 8), [s[a + i] if s[c + i] else s[b + i] for i in range(8)]))


def _vselect_edges(s, slot, sw, cid):
    """vselect with an operand near an edge: only the chosen lanes need to be in range."""
    _, d, c, a, b = slot
    if (d | c) < 0:
        raise Reject
    s[d + 7]
    values = []
    for i in range(8):
        src = a + i if s[c + i] else b + i
        if src < 0:
            raise Reject
        values.append(s[src])
    sw.append((slice(d, d + 8), values))


def _add_imm(s, slot, sw, cid):
    _, d, a, imm = slot
    if (d | a) < 0:
        raise Reject
    s[d]
    sw.append((d, (s[a] + imm) & MASK))


def _halt(s, slot, sw, cid):
    (_,) = slot
    return ("halt", None)


def _pause(s, slot, sw, cid):
    (_,) = slot
    return ("pause", None)


def _trace_write(s, slot, sw, cid):
    _, v = slot
    if v < 0:
        raise Reject
    return ("trace", s[v])


def _cond_jump(s, slot, sw, cid):
    _, c, target = slot
    target | 0  # the target must be an integer even when not taken
    if c < 0:
        raise Reject
    return ("jump", target) if s[c] else None


def _cond_jump_rel(s, slot, sw, cid):
    _, c, offset = slot
    offset | 0  # the offset must be an integer even when not taken
    if c < 0:
        raise Reject
    return ("rel", offset) if s[c] else None


def _jump(s, slot, sw, cid):
    _, target = slot
    target | 0  # the target must be an integer
    return ("jump", target)


def _jump_indirect(s, slot, sw, cid):
    _, a = slot
    if a < 0:
        raise Reject
    return ("jump", s[a])


def _coreid(s, slot, sw, cid):
    _, d = slot
    if d < 0:
        raise Reject
    s[d]
    sw.append((d, cid))


_ALU, _VALU = _alu_handlers()
HANDLERS: dict[str, dict[str, Any]] = {
    "alu": _ALU,
    "valu": {**_VALU, "vbroadcast": _vbroadcast, "multiply_add": _multiply_add},
    "load": {"load": _load, "load_offset": _load_offset, "vload": _vload, "const": _const},
    "store": {"store": _store, "vstore": _vstore},
}
FLOW: dict[str, Any] = {
    "select": _select,
    "vselect": _vselect,
    "add_imm": _add_imm,
    "halt": _halt,
    "pause": _pause,
    "trace_write": _trace_write,
    "cond_jump": _cond_jump,
    "cond_jump_rel": _cond_jump_rel,
    "jump": _jump,
    "jump_indirect": _jump_indirect,
    "coreid": _coreid,
}
_LIMITS = SLOT_LIMITS


def buffer(bundle: dict, s: list[int], m: list[int], value_trace: dict | None, core_id: int = 0) -> tuple:
    """Execute a bundle into buffers: (scratch writes, memory writes, control, costs a cycle).

    Nothing is written to `s` or `m`. `value_trace` None skips the debug compares. Raises
    some exception whenever the bundle faults; the caller asks diagnose which fault.
    """
    sw: list = []
    mw: list = []
    ctl = None
    cost = False
    for engine, slots in bundle.items():
        if engine == "debug":
            if value_trace is not None:
                _compare(slots, s, value_trace)
            continue
        cost = True
        if engine == "flow":
            if len(slots) > 1:
                raise Reject
            for slot in slots:
                ctl = FLOW[slot[0]](s, slot, sw, core_id)
            continue
        ops = HANDLERS[engine]
        if len(slots) > _LIMITS[engine]:
            raise Reject
        for slot in slots:
            ops[slot[0]](s, m, slot, sw, mw)
    return sw, mw, ctl, cost


def _compare(slots: Any, s: list[int], value_trace: dict) -> None:
    for slot in slots:
        if not isinstance(slot, tuple | list):
            raise Reject
        op = slot[0]
        if op == "compare":
            loc = slot[1]
            if not isinstance(loc, int) or loc < 0 or s[loc] != value_trace[slot[2]]:
                raise Reject
        elif op == "vcompare":
            loc, keys = slot[1], slot[2]
            if not isinstance(loc, int) or loc < 0 or not isinstance(keys, list | tuple) or len(keys) != 8:
                raise Reject
            s[loc + 7]
            if s[loc : loc + 8] != [value_trace[k] for k in keys]:
                raise Reject
