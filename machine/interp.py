"""The lean interpreter: one bundle at a time with no preparation, for the first run.

A program that has never run is cheaper to interpret than to compile (most bundles of a
straight-line kernel run once). Each op is a small function found through a dict that
returns the write it would make, `(index, value)`, where the index is an address or a
slice of 8 (scratch for every engine but store, memory for store; flow ops that steer
return `(None, action)`). A one-slot bundle applies its write at once; a bigger bundle
buffers them all first. Every check is the cheapest one that notices trouble: a negative
operand, an index past the end, a wrong arity or type all raise *some* exception, and the
engine then asks `machine.diagnose` for the exact fault against the unchanged state (a
vector read past the end of scratch gives a short slice, which fails to unpack into eight
lanes).
"""

from __future__ import annotations

from typing import Any

from machine.isa import MASK, SLOT_LIMITS, VLEN
from machine.opexpr import ALU_EXPR, OP_NAMES, lane_expr


class Reject(Exception):
    """A check failed; the bundle faults and diagnose will say how."""


_ALU_TEMPLATE = """
def alu_{name}(s, m, slot, cid):
    _, d, a, b = slot
    if (d | a | b) < 0:
        raise Reject
    x = s[a]
    y = s[b]
    s[d]
    return d, {expr}

def valu_{name}(s, m, slot, cid):
    _, d, a, b = slot
    if (d | a | b) < 0:
        raise Reject
    s[d + 7]
    {xs} = s[a : a + 8]
    {ys} = s[b : b + 8]
    return slice(d, d + 8), [{lanes}]
"""


def _alu_handlers() -> tuple[dict[str, Any], dict[str, Any]]:
    alu_ops: dict[str, Any] = {}
    valu_ops: dict[str, Any] = {}
    for op, expr in ALU_EXPR.items():
        name = OP_NAMES[op]
        namespace: dict[str, Any] = {"M": MASK, "Reject": Reject}
        lanes = ", ".join(lane_expr(op, f"x{i}", f"y{i}") for i in range(VLEN))
        xs = ", ".join(f"x{i}" for i in range(VLEN))
        ys = ", ".join(f"y{i}" for i in range(VLEN))
        exec(_ALU_TEMPLATE.format(name=name, expr=expr, lanes=lanes, xs=xs, ys=ys), namespace)
        alu_ops[op] = namespace[f"alu_{name}"]
        valu_ops[op] = namespace[f"valu_{name}"]
    return alu_ops, valu_ops


def _vbroadcast(s, m, slot, cid):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d + 7]
    return slice(d, d + 8), [s[a]] * 8


def _multiply_add(s, m, slot, cid):
    _, d, a, b, c = slot
    if (d | a | b | c) < 0:
        raise Reject
    s[d + 7]
    x0, x1, x2, x3, x4, x5, x6, x7 = s[a : a + 8]
    y0, y1, y2, y3, y4, y5, y6, y7 = s[b : b + 8]
    z0, z1, z2, z3, z4, z5, z6, z7 = s[c : c + 8]
    return slice(d, d + 8), [
        (x0 * y0 + z0) & MASK,
        (x1 * y1 + z1) & MASK,
        (x2 * y2 + z2) & MASK,
        (x3 * y3 + z3) & MASK,
        (x4 * y4 + z4) & MASK,
        (x5 * y5 + z5) & MASK,
        (x6 * y6 + z6) & MASK,
        (x7 * y7 + z7) & MASK,
    ]


def _load(s, m, slot, cid):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d]
    return d, m[s[a]]


def _load_offset(s, m, slot, cid):
    _, d, a, offset = slot
    d += offset
    a += offset
    if (d | a) < 0:
        raise Reject
    s[d]
    return d, m[s[a]]


def _vload(s, m, slot, cid):
    _, d, a = slot
    if (d | a) < 0:
        raise Reject
    s[d + 7]
    base = s[a]
    m[base + 7]
    return slice(d, d + 8), m[base : base + 8]


def _const(s, m, slot, cid):
    _, d, val = slot
    if d < 0:
        raise Reject
    s[d]
    return d, val & MASK


def _store(s, m, slot, cid):
    _, a, v = slot
    if (a | v) < 0:
        raise Reject
    addr = s[a]
    m[addr]
    return addr, s[v]


def _vstore(s, m, slot, cid):
    _, a, v = slot
    if (a | v) < 0:
        raise Reject
    s[v + 7]
    base = s[a]
    m[base + 7]
    return slice(base, base + 8), s[v : v + 8]


def _select(s, m, slot, cid):
    _, d, c, a, b = slot
    a | b  # both must be integers even though only one is read
    if (d | c) < 0:
        raise Reject
    src = a if s[c] else b
    if src < 0:
        raise Reject
    s[d]
    return d, s[src]


def _vselect(s, m, slot, cid):
    _, d, c, a, b = slot
    a | b  # both must be integers even though only the chosen lanes are read
    if (d | c) < 0:
        raise Reject
    s[d + 7]
    values = []
    for i in range(8):
        src = a + i if s[c + i] else b + i
        if src < 0:
            raise Reject
        values.append(s[src])
    return slice(d, d + 8), values


def _add_imm(s, m, slot, cid):
    _, d, a, imm = slot
    if (d | a) < 0:
        raise Reject
    s[d]
    return d, (s[a] + imm) & MASK


def _coreid(s, m, slot, cid):
    _, d = slot
    if d < 0:
        raise Reject
    s[d]
    return d, cid


# Flow ops that steer return (None, action): action None (a jump not taken) or
# (kind, value) with kind one of "jump", "rel", "halt", "pause", "trace".


def _halt(s, m, slot, cid):
    (_,) = slot
    return None, ("halt", None)


def _pause(s, m, slot, cid):
    (_,) = slot
    return None, ("pause", None)


def _trace_write(s, m, slot, cid):
    _, v = slot
    if v < 0:
        raise Reject
    return None, ("trace", s[v])


def _cond_jump(s, m, slot, cid):
    _, c, target = slot
    target | 0  # the target must be an integer even when not taken
    if c < 0:
        raise Reject
    return None, ("jump", target) if s[c] else None


def _cond_jump_rel(s, m, slot, cid):
    _, c, offset = slot
    offset | 0  # the offset must be an integer even when not taken
    if c < 0:
        raise Reject
    return None, ("rel", offset) if s[c] else None


def _jump(s, m, slot, cid):
    _, target = slot
    target | 0  # the target must be an integer
    return None, ("jump", target)


def _jump_indirect(s, m, slot, cid):
    _, a = slot
    if a < 0:
        raise Reject
    return None, ("jump", s[a])


_ALU, _VALU = _alu_handlers()

#: engine -> op -> handler. Not the debug engine: compares are checked by `compare`.
HANDLERS: dict[str, dict[str, Any]] = {
    "alu": _ALU,
    "valu": {**_VALU, "vbroadcast": _vbroadcast, "multiply_add": _multiply_add},
    "load": {"load": _load, "load_offset": _load_offset, "vload": _vload, "const": _const},
    "store": {"store": _store, "vstore": _vstore},
    "flow": {
        "select": _select,
        "vselect": _vselect,
        "add_imm": _add_imm,
        "coreid": _coreid,
        "halt": _halt,
        "pause": _pause,
        "trace_write": _trace_write,
        "cond_jump": _cond_jump,
        "cond_jump_rel": _cond_jump_rel,
        "jump": _jump,
        "jump_indirect": _jump_indirect,
    },
}
_LIMITS = SLOT_LIMITS


def buffer(bundle: dict, s: list[int], m: list[int], value_trace: dict | None, core_id: int = 0) -> tuple:
    """Execute a bundle into buffers: (scratch writes, memory writes, action, costs a cycle).

    Nothing is written to `s` or `m`. `value_trace` None skips the debug compares. Raises
    some exception whenever the bundle faults; the caller asks diagnose which fault.
    """
    sw: list = []
    mw: list = []
    action = None
    cost = False
    for engine, slots in bundle.items():
        if engine == "debug":
            if value_trace is not None:
                compare(slots, s, value_trace)
            continue
        ops = HANDLERS[engine]
        if len(slots) > _LIMITS[engine]:
            raise Reject
        cost = True
        if engine == "store":
            for slot in slots:
                mw.append(ops[slot[0]](s, m, slot, core_id))
        elif engine == "flow":
            for slot in slots:
                write = ops[slot[0]](s, m, slot, core_id)
                if write[0] is None:
                    action = write[1]
                else:
                    sw.append(write)
        else:
            for slot in slots:
                sw.append(ops[slot[0]](s, m, slot, core_id))
    return sw, mw, action, cost


def compare(slots: Any, s: list[int], value_trace: dict) -> None:
    """Check a bundle's debug slots; raise on a mismatch or anything malformed."""
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
